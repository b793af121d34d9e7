"""Helpers of runme.sh: the emulators' counters, and Ctrl-C during a playbook's act step.

    python leftovers.py STATE.json reset SYSTEM...
    python leftovers.py STATE.json config SYSTEM FILE.json               # merged into its configuration
    python leftovers.py STATE.json check SYSTEM name=value...      # exit 1 if a counter differs
    python leftovers.py STATE.json interrupt MARKERS COUNT LOG -- COMMAND...

interrupt runs COMMAND (ansible-playbook) in a process group of its own, waits until COUNT
files exist in the directory MARKERS (each act step writes one when it starts), then sends
SIGINT to the whole group, as a terminal does on Ctrl-C, and waits for the command to end.

ansible-core 2.19 and later can lose a Ctrl-C: its SIGINT handler raises KeyboardInterrupt in
whatever code runs at that moment, and Python ignores an exception raised in an object's
finaliser; the run then waits for workers that were interrupted, and a second Ctrl-C kills it
outright. Such a run, one that has not said "User interrupted execution" a while after Ctrl-C,
is killed and interrupt exits with LOST (3), for the caller to try again.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

POLL = 0.2
START_POLLS = 1500   # 300 s for every act step to start, on a busy machine
END_SECONDS = 180    # for the run to end once interrupted (its cleanup included)
NOTICE_POLLS = 100   # 20 s for the run to say that it was interrupted
INTERRUPTED = b'User interrupted execution'
LOST = 3


def call(url, method='GET', data=b'{}'):
    request = urllib.request.Request(url, data=data if method == 'POST' else None, method=method,
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode('utf-8'))


def reset(state, systems):
    for system in systems:
        call(state[system]['admin'] + '/reset', 'POST')
    return 0


def check(state, system, wanted):
    stats = call(state[system]['admin'] + '/stats')
    bad = ['%s=%s (expected %s)' % (name, stats.get(name), value)
           for name, value in (item.split('=', 1) for item in wanted) if str(stats.get(name)) != value]
    if bad:
        print('%s emulator: %s' % (system, ', '.join(bad)), file=sys.stderr)
        return 1
    print('%s emulator: %s' % (system, ', '.join(wanted)))
    return 0


def _descendants(pid):
    """Every process below pid (ansible-playbook's workers run in sessions of their own)."""
    parents = {}
    for entry in os.listdir('/proc'):
        try:
            with open('/proc/%s/stat' % entry) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue  # not a process, or gone meanwhile
    found, todo = [], [pid]
    while todo:  # bounded: each pid is visited once, as /proc lists it once
        children = parents.pop(todo.pop(), [])
        found.extend(children)
        todo.extend(children)
    return found


def _kill(child):
    """SIGKILL the run and every process it started, then reap it."""
    for pid in [child.pid] + _descendants(child.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone
    child.wait()


def _noticed(child, log):
    """Whether the run has ended or said that it was interrupted, within NOTICE_POLLS."""
    for dummy in range(NOTICE_POLLS):
        with open(log, 'rb') as handle:
            if child.poll() is not None or INTERRUPTED in handle.read():
                return True
        time.sleep(POLL)
    return False


def interrupt(markers, count, log, command):
    # A background job of a non-interactive shell ignores SIGINT, and its children would inherit
    # that: handled here, SIGINT is back to its default in the command.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with open(log, 'wb') as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        for dummy in range(START_POLLS):
            if child.poll() is not None or len(os.listdir(markers)) >= count:
                break
            time.sleep(POLL)
        if child.poll() is not None:
            print('the playbook ended (rc %s) before its act steps started' % child.returncode, file=sys.stderr)
            return 1
        started = len(os.listdir(markers))
        os.killpg(child.pid, signal.SIGINT)
        if not _noticed(child, log):
            _kill(child)
            print('ansible-playbook lost the Ctrl-C (still running, silent): killed, to be tried again')
            return LOST
        try:
            code = child.wait(timeout=END_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(child)
            print('the playbook did not end after Ctrl-C', file=sys.stderr)
            return 1
    print('Ctrl-C after %d act step(s) had started: the playbook ended with rc %d' % (started, code))
    return 0 if started >= count and code != 0 else 1


def main(state_file, action, *args):
    with open(state_file) as handle:
        state = json.load(handle)
    if action == 'reset':
        return reset(state, args)
    if action == 'config':
        with open(args[1], 'rb') as handle:
            call(state[args[0]]['admin'] + '/config', 'POST', handle.read())
        return 0
    if action == 'check':
        return check(state, args[0], args[1:])
    if action == 'interrupt':
        markers, count, log, separator = args[:4]
        assert separator == '--', 'usage: interrupt MARKERS COUNT LOG -- COMMAND...'
        return interrupt(markers, int(count), log, list(args[4:]))
    raise SystemExit('unknown action %s' % action)


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
