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

stats() { "$PY" stats.py "$EMU_TMP/state.json" "$@"; }
wait_for_file() {  # wait_for_file <path> <pid>: until the file exists (bounded), or the run ended
    local _try
    for _try in $(seq 1 600); do
        [ -e "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    [ -e "$1" ]
}

# Two runs at once with the same SAYMON credential: B shares the token A created; A's end does
# not delete it under B (B's token still works), B's end does (no token outlives the two runs).
stats reset saymon
ansible-playbook two_runs.yml -e @"$EMU_VARS" -e @"$OUT/creds.json" -e marker="$OUT/a-open" -e go="$OUT/a-go" \
    >"$OUT/run-a.log" 2>&1 &
RUN_A=$!
wait_for_file "$OUT/a-open" "$RUN_A" || { cat "$OUT/run-a.log"; exit 1; }
ansible-playbook two_runs.yml -e @"$EMU_VARS" -e @"$OUT/creds.json" -e marker="$OUT/b-open" -e go="$OUT/b-go" \
    >"$OUT/run-b.log" 2>&1 &
RUN_B=$!
wait_for_file "$OUT/b-open" "$RUN_B" || { cat "$OUT/run-b.log"; exit 1; }
stats saymon tokens_created=1 tokens_deleted=0 live_sessions=1
touch "$OUT/a-go"
wait "$RUN_A" || { cat "$OUT/run-a.log"; exit 1; }
stats saymon tokens_created=1 tokens_deleted=0 live_sessions=1   # A ended; B still uses the token
touch "$OUT/b-go"
wait "$RUN_B" || { cat "$OUT/run-b.log"; exit 1; }                # B's token worked after A's end
stats saymon tokens_created=1 tokens_deleted=1 live_sessions=0

# 600 sessions opened in one task (cache=false) are all ended, each with its own App-Token,
# although the environment has another App-Token for another server.
stats reset itsmng
start=$(date +%s%N)
ITSMNG_URL='http://127.0.0.1:9/apirest.php' ITSMNG_APP_TOKEN='AppToken-of-another-server-5d1f' \
    ansible-playbook many_once.yml -e @"$EMU_VARS" -e @"$OUT/creds.json" >"$OUT/many.log" 2>&1 \
    || { tail -n 50 "$OUT/many.log"; exit 1; }
echo "600 sessions opened and ended in one run: $(( ($(date +%s%N) - start) / 1000000 )) ms"
stats itsmng logins=600 logouts=600 live_sessions=0
if grep -q 'could not end' "$OUT/many.log"; then exit 1; fi

# validate=true: the checks of 52 hosts run side by side, not one at a time under the lock.
stats reset itsmng
start=$(date +%s%N)
ansible-playbook validate.yml -i "$OUT/fleet.inventory" -e @"$EMU_VARS" -e @"$OUT/creds.json" >"$OUT/validate.log" 2>&1 \
    || { tail -n 50 "$OUT/validate.log"; exit 1; }
echo "validate=true on 52 hosts, 50 forks, a 0.25 s check: the run took $(( ($(date +%s%N) - start) / 1000000 )) ms"
stats itsmng logins=1 logouts=1 live_sessions=0
[ -z "$(find "$OUT/cache" -mindepth 1 -maxdepth 1 -name 'run-*' 2>/dev/null)" ]
