"""Print the figures the fault and concurrency suites kept (JSON files), as a Markdown table.

    python figures.py DIR    # reads DIR/faults-<system>.json
"""
import json
import os
import sys

SYSTEMS = ('itsmng', 'bluecat', 'saymon', 'ipcortex')


def main(directory):
    data = {}
    for system in SYSTEMS:
        path = os.path.join(directory, 'faults-%s.json' % system)
        if os.path.exists(path):
            with open(path) as handle:
                data[system] = json.load(handle)
    if len(data) != len(SYSTEMS):
        print('missing figures: %s' % ', '.join(sorted(set(SYSTEMS) - set(data))), file=sys.stderr)
        return 1
    cases = list(data['itsmng'])
    # seconds: from the mark to the observation, module start-up included; tries: requests to the
    # most-requested endpoint during the case (3 = one try and the two retries).
    print('| case | ' + ' | '.join('%s s / tries' % s for s in SYSTEMS) + ' |')
    print('|---' * (len(SYSTEMS) + 1) + '|')
    for case in cases:
        cells = []
        for system in SYSTEMS:
            item = data[system].get(case, {})
            cells.append('%s / %s' % (item.get('seconds', '-'), max(list(item.get('endpoints', {}).values()) or [0])))
        print('| %s | %s |' % (case, ' | '.join(cells)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
