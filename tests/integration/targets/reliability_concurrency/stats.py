"""Reset the emulators, or check their counters, from runme.sh (after ansible-playbook exits).

    python stats.py STATE.json reset SYSTEM...
    python stats.py STATE.json SYSTEM name=value...   # exit 1 if a counter differs
"""

import json
import sys
import urllib.request


def call(url, method='GET'):
    request = urllib.request.Request(url, data=b'{}' if method == 'POST' else None, method=method,
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode('utf-8'))


def main(state_file, action, *args):  # action: reset, or the system to check
    with open(state_file) as handle:
        state = json.load(handle)
    if action == 'reset':
        for system in args:
            call(state[system]['admin'] + '/reset', 'POST')
        return 0
    system, wanted = action, args
    stats = call(state[system]['admin'] + '/stats')
    bad = ['%s=%s (expected %s)' % (name, stats.get(name), value)
           for name, value in (item.split('=', 1) for item in wanted) if str(stats.get(name)) != value]
    if bad:
        print('%s emulator: %s' % (system, ', '.join(bad)), file=sys.stderr)
        return 1
    print('%s emulator: %s' % (system, ', '.join(wanted)))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
