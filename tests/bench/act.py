"""Benchmark of the act step, done three ways in the same run, against the ITSM-NG emulator:

  request   apiauth.sessions.itsmng_request (in-process, the run's session)
  lookup    ansible.builtin.uri with the headers of the apiauth.sessions.token lookup
  by hand   ansible.builtin.uri with a hand-written initSession and killSession

    python act.py --collections DIR [--doc docs/performance.md] [--quick] [--repeat N]

Each way runs twice, with K1 and K2 calls (GET Computer/1); the cost of one call is
(wall(K2) - wall(K1)) / (K2 - K1), which leaves out ansible-playbook's start-up and the login.
Runs alternate; the figures are medians of --repeat runs. It checks the emulator's counters
(one login and one logout per run, nothing left open) and exits 1 when one is wrong, leaving
the document alone. Not part of the test suite: speed is measured here, never asserted.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
# The emulator's default ITSM-NG user (tests/emulators/README.md): public test values.
ITSM_USER_TOKEN = 'V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA'
ITSM_APP_TOKEN = 'mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b'
BEGIN, END = '<!-- act-bench:begin -->', '<!-- act-bench:end -->'
WAYS = ('request', 'lookup', 'hand')
TITLES = {'request': 'itsmng_request (in-process)', 'lookup': 'uri + the lookup\'s headers',
          'hand': 'uri + hand-written init and kill'}

PLAY_HEAD = '''- name: The act step, {title}
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/apiauth.sessions.itsmng:
      url: "{{{{ itsm_url }}}}"
      app_token: "{{{{ itsm_app_token }}}}"
      user_token: "{{{{ itsm_user_token }}}}"
  tasks:
'''
TASK = {
    'request': '''    - name: Read a computer ({n})
      apiauth.sessions.itsmng_request:
        path: Computer/1
''',
    'lookup': '''    - name: Read a computer ({n})
      ansible.builtin.uri:
        url: "{{{{ itsm_url }}}}/Computer/1"
        headers: "{{{{ lookup('apiauth.sessions.token', 'itsmng', url=itsm_url, user_token=itsm_user_token,
                     app_token=itsm_app_token, output='headers') }}}}"
      no_log: true
''',
    'hand': '''    - name: Read a computer ({n})
      ansible.builtin.uri:
        url: "{{{{ itsm_url }}}}/Computer/1"
        headers:
          App-Token: "{{{{ itsm_app_token }}}}"
          Session-Token: "{{{{ bench_login.json.session_token }}}}"
      no_log: true
''',
}
HAND_INIT = '''    - name: Open a session (initSession)
      ansible.builtin.uri:
        url: "{{ itsm_url }}/initSession"
        headers:
          App-Token: "{{ itsm_app_token }}"
          Authorization: "user_token {{ itsm_user_token }}"
      register: bench_login
      no_log: true
'''
HAND_KILL = '''    - name: End the session (killSession)
      ansible.builtin.uri:
        url: "{{ itsm_url }}/killSession"
        headers:
          App-Token: "{{ itsm_app_token }}"
          Session-Token: "{{ bench_login.json.session_token }}"
      no_log: true
'''


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix='apiauth-act-bench-')
        self.emulator = None
        self.failures = []

    def close(self):
        if self.emulator and self.emulator.poll() is None:
            self.emulator.terminate()
            self.emulator.wait(10)
        shutil.rmtree(self.work, ignore_errors=True)

    def start(self):
        state = os.path.join(self.work, 'state.json')
        self.emulator = subprocess.Popen(
            [sys.executable, os.path.join(COLLECTION, 'tests', 'emulators', 'serve.py'), '--systems', 'itsmng',
             '--state', state, '--max-seconds', '3600'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _attempt in range(200):  # 20 s at most
            if os.path.exists(state) and os.path.getsize(state):
                break
            time.sleep(0.1)
        else:
            raise SystemExit('the emulator did not start within 20 s')
        with open(state) as handle:
            emu = json.load(handle)['itsmng']
        self.admin = emu['admin']
        self.vars_file = os.path.join(self.work, 'vars.json')
        with open(self.vars_file, 'w') as handle:
            json.dump({'itsm_url': emu['url'], 'itsm_user_token': ITSM_USER_TOKEN,
                       'itsm_app_token': ITSM_APP_TOKEN}, handle)
        cfg = os.path.join(self.work, 'ansible.cfg')
        os.makedirs(os.path.join(self.work, 'cache'), mode=0o700)
        with open(cfg, 'w') as handle:
            handle.write('[defaults]\ncollections_path = %s\ncallbacks_enabled = apiauth.sessions.session_cleanup\n'
                         'retry_files_enabled = false\nnocolor = true\n\n[apiauth_sessions]\ncache_dir = %s\n'
                         % (self.args.collections, os.path.join(self.work, 'cache')))
        self.env = dict((k, v) for k, v in os.environ.items()
                        if not k.startswith(('ANSIBLE_', 'ITSMNG_', 'APIAUTH_SESSIONS_')))
        self.env['ANSIBLE_CONFIG'] = cfg
        self.ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

    def playbook(self, way, count):
        path = os.path.join(self.work, '%s-%d.yml' % (way, count))
        if not os.path.exists(path):
            with open(path, 'w') as handle:
                handle.write(PLAY_HEAD.format(title=TITLES[way]))
                if way == 'hand':
                    handle.write(HAND_INIT)
                for index in range(1, count + 1):
                    handle.write(TASK[way].format(n=index))
                if way == 'hand':
                    handle.write(HAND_KILL)
        return path

    def admin_call(self, what, method='GET'):
        request = urllib.request.Request('%s/%s' % (self.admin, what), method=method,
                                         data=b'{}' if method == 'POST' else None,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode('utf-8'))

    def play(self, way, count):
        self.admin_call('reset', 'POST')
        command = [self.ansible_playbook, self.playbook(way, count), '-i', 'localhost,', '-e', '@' + self.vars_file,
                   '-e', json.dumps({'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable})]
        log = os.path.join(self.work, 'last.log')
        started = time.monotonic()
        with open(log, 'w') as handle:
            code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT, env=self.env, cwd=self.work)
        wall = time.monotonic() - started
        if code != 0:
            with open(log) as handle:
                sys.stderr.write(''.join(handle.readlines()[-40:]))
            raise SystemExit('FAILED: %s (exit %d)' % (' '.join(command), code))
        stats = self.admin_call('stats')
        calls = stats.get('endpoints', {}).get('GET /apirest.php/Computer/1', 0)
        if (stats['logins'], stats['logouts'], stats['live_sessions'], calls) != (1, 1, 0, count):
            self.failures.append('%s, %d calls: %s logins, %s logouts, %s left, %s calls (expected 1, 1, 0, %d)'
                                 % (TITLES[way], count, stats['logins'], stats['logouts'], stats['live_sessions'],
                                    calls, count))
        return wall

    def run(self):
        k1, k2 = (5, 25) if self.args.quick else (10, 60)
        walls = dict((way, {k1: [], k2: []}) for way in WAYS)
        self.play('request', 2)  # warm-up: caches of Python and the collection loader
        for index in range(self.args.repeat):
            order = WAYS if index % 2 == 0 else tuple(reversed(WAYS))
            for way in order:
                for count in (k1, k2):
                    walls[way][count].append(self.play(way, count))
            done = ', '.join('%s %.1f s / %.1f s' % (way, walls[way][k1][-1], walls[way][k2][-1]) for way in WAYS)
            print('  run %d: %s' % (index + 1, done), file=sys.stderr, flush=True)
        per_call = dict((way, [(b - a) / (k2 - k1) for a, b in zip(walls[way][k1], walls[way][k2])])
                        for way in WAYS)
        return k1, k2, walls, per_call


def report(bench, k1, k2, walls, per_call):
    med = dict((way, statistics.median(per_call[way])) for way in WAYS)
    lines = [BEGIN,
             '### The act step three ways (`tests/bench/act.py`, run by `bash tests/bench/run.sh`)',
             '',
             'One authenticated call (`GET Computer/1` on the ITSM-NG emulator) per task; each way runs with %d and '
             'with %d calls, the cost of a call is the difference divided by %d (start-up and login left out); '
             'medians of %d alternated runs, on a machine with %d CPUs (load average %s at the end), %s.'
             % (k1, k2, k2 - k1, bench.args.repeat, os.cpu_count() or 0, load(),
                time.strftime('%Y-%m-%d', time.gmtime())),
             '',
             '| way | %d calls | %d calls | per call | against uri + lookup |' % (k1, k2),
             '|---|---|---|---|---|']
    for way in WAYS:
        lines.append('| %s | %.1f s | %.1f s | %.0f ms | %.2fx |'
                     % (TITLES[way], statistics.median(walls[way][k1]), statistics.median(walls[way][k2]),
                        med[way] * 1e3, med[way] / med['lookup'] if med['lookup'] > 0 else float('nan')))
    lines += ['', 'Every run: 1 login, 1 logout, 0 sessions left, exactly the calls asked (emulator counters).',
              'Goal of the request module: at most 0.2x the per-call cost of `uri`; measured %.2fx.'
              % (med['request'] / med['lookup'] if med['lookup'] > 0 else float('nan')), END]
    return '\n'.join(lines)


def load():
    try:
        with open('/proc/loadavg') as handle:
            return ' '.join(handle.read().split()[:3])
    except OSError:
        return 'unknown'


def write_doc(path, text):
    with open(path) as handle:
        doc = handle.read()
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + text + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip('\n') + '\n\n' + text + '\n'
    with open(path, 'w') as handle:
        handle.write(doc)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--collections', required=True, help='the directory that holds ansible_collections/')
    parser.add_argument('--doc', help='the Markdown file whose act-step section is rewritten')
    parser.add_argument('--quick', action='store_true', help='fewer calls per run')
    parser.add_argument('--repeat', type=int, default=3, help='runs per figure (default 3)')
    args = parser.parse_args(argv)
    bench = Bench(args)
    try:
        bench.start()
        text = report(bench, *bench.run())
    finally:
        bench.close()
    print(text)
    if bench.failures:
        print('check(s) failed, document left as it was:\n- ' + '\n- '.join(bench.failures), file=sys.stderr)
        return 1
    if args.doc:
        write_doc(args.doc, text)
        print('written: %s' % args.doc, file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
