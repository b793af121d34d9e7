#!/usr/bin/env bash
# Concurrency: 52 hosts, 50 forks resolving the token lookup at once make one login per
# credential and system; the session_cleanup callback ends them all.
set -eux
OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"

# Six users per system (conc0 for play 1, conc1..conc5 for play 2), and the matching lookup
# options (creds.<system>[i]).
"$PY" - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
users = ['conc%d' % i for i in range(6)]
app = 'ConcurrencyAppToken-0f3b8d2a6c'
config = {
    'itsmng': {
        'api_clients': [{'name': 'concurrency', 'ip': '127.0.0.1', 'ipv6': '::1', 'app_token': app, 'active': True}],
        'users': dict((u, {'id': 100 + i, 'password': 'Conc-Itsm-Pw-%d' % i, 'user_token': 'ConcItsmUserToken%02d' % i,
                           'email': '%s@example.com' % u, 'default_profile': 4, 'default_entity': 0,
                           'profiles': [{'profile': 4, 'entity': 0, 'recursive': True}]})
                      for i, u in enumerate(users))},
    'bluecat': {'users': dict((u, {'password': 'Conc-Bc-Pw-%d' % i, 'id': 600000 + i}) for i, u in enumerate(users))},
    'saymon': {'users': dict((u, {'id': '5e21b752308c3c66d64e0c%02d' % i, 'password': 'Conc-Saymon-Pw-%d' % i,
                                  'name': u, 'permissions': ['manage-users']}) for i, u in enumerate(users))},
    'ipcortex': {'users': [{'username': u, 'password': 'Conc-Ipc-Pw-%d' % i, 'id': 7000 + i, 'name': u,
                            'company': 'example', 'home': 'example', 'perms': {'pbx': 'yes'}}
                           for i, u in enumerate(users)]},
}
creds = {
    'itsmng': [{'user_token': 'ConcItsmUserToken%02d' % i, 'app_token': app} for i in range(6)],
    'bluecat': [{'username': u, 'password': 'Conc-Bc-Pw-%d' % i} for i, u in enumerate(users)],
    'saymon': [{'username': u, 'password': 'Conc-Saymon-Pw-%d' % i} for i, u in enumerate(users)],
    'ipcortex': [{'username': u, 'password': 'Conc-Ipc-Pw-%d' % i} for i, u in enumerate(users)],
}
json.dump(config, open(out + '/emulators.json', 'w'))
json.dump({'creds': creds}, open(out + '/creds.json', 'w'))
PY

source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex --config "$OUT/emulators.json"

# 52 hosts on this controller; each gets the url of every emulator with its credentials.
{
    echo '[fleet]'
    for i in $(seq -w 1 52); do echo "host$i"; done
    echo '[fleet:vars]'
    echo 'ansible_connection=local'
    echo "ansible_python_interpreter=$PY"
} >"$OUT/fleet.inventory"
"$PY" - "$OUT/creds.json" "$EMU_TMP/state.json" <<'PY'
import json, sys
creds = json.load(open(sys.argv[1]))
state = json.load(open(sys.argv[2]))
for system, items in creds['creds'].items():
    for item in items:
        item['url'] = state[system]['url']
json.dump(creds, open(sys.argv[1], 'w'))
PY

ANSIBLE_LOOKUP_PLUGINS="$(collection_root)/tests/integration/targets/reliability_faults/lookup_plugins"
export ANSIBLE_LOOKUP_PLUGINS
export APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache" ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup
export ANSIBLE_FORKS=50

start=$(date +%s)
ansible-playbook concurrency.yml -v -i "$OUT/fleet.inventory" -e @"$EMU_VARS" -e @"$OUT/creds.json" "$@" \
    2>&1 | tee "$OUT/concurrency.log"
[ "${PIPESTATUS[0]}" = 0 ]
echo "concurrency run: $(( $(date +%s) - start )) s"

# After the run: the callback ended every session it found (6 per system), and said so.
grep -q 'session_cleanup: ended 6 BlueCat Address Manager session(s), 6 IPCortex session(s), 6 ITSM-NG session(s), 6 SAYMON session(s)' "$OUT/concurrency.log"
"$PY" - "$EMU_TMP/state.json" <<'PY'
import json, sys, urllib.request
state = json.load(open(sys.argv[1]))
stats = dict((s, json.load(urllib.request.urlopen(state[s]['admin'] + '/stats', timeout=10))) for s in state)
for system in ('itsmng', 'bluecat', 'ipcortex'):
    assert (stats[system]['logins'], stats[system]['logouts'], stats[system]['live_sessions']) == (6, 6, 0), \
        (system, stats[system]['logins'], stats[system]['logouts'], stats[system]['live_sessions'])
assert (stats['saymon']['tokens_created'], stats['saymon']['tokens_deleted'], stats['saymon']['live_sessions']) \
    == (6, 6, 0), stats['saymon']
print('after the run: 6 logins and 6 logouts per system, no session left')
PY
[ -z "$(find "$OUT/cache" -mindepth 1 -maxdepth 1 -name 'run-*' 2>/dev/null)" ]
