"""Reset the emulators, or check their counters, from runme.sh (after ansible-playbook exits).

    python stats.py STATE.json reset SYSTEM...
    python stats.py STATE.json SYSTEM name=value...   # exit 1 if a counter differs

A name may go one level down: methods.POST=0, endpoints.GET /apirest.php/Computer=2 (a missing
key counts as 0).
"""

import json
import sys
import urllib.request


def call(url, method='GET'):
    request = urllib.request.Request(url, data=b'{}' if method == 'POST' else None, method=method,
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode('utf-8'))


def value_of(stats, name):
    top, dot, sub = name.partition('.')
    if not dot:
        return stats.get(name)
    return (stats.get(top) or {}).get(sub, 0)


def main(state_file, action, *args):
    with open(state_file) as handle:
        state = json.load(handle)
    if action == 'reset':
        for system in args:
            call(state[system]['admin'] + '/reset', 'POST')
        return 0
    stats = call(state[action]['admin'] + '/stats')
    bad = []
    for item in args:
        name, _sep, wanted = item.rpartition('=')
        if str(value_of(stats, name)) != wanted:
            bad.append('%s=%s (expected %s)' % (name, value_of(stats, name), wanted))
    if bad:
        print('%s emulator: %s' % (action, ', '.join(bad)), file=sys.stderr)
        return 1
    print('%s emulator: %s' % (action, ', '.join(args)))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
