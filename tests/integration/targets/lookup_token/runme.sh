#!/usr/bin/env bash
# apiauth.sessions.token and the session_cleanup callback, over real HTTP against the four
# emulators, with 40 inventory hosts and 10 forks. The counters that prove "one login, no
# session left" are read after ansible-playbook has exited, when the callback has run.
set -eu

OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
HERE="$(pwd)"

# Distinctive secrets (long, unlikely to appear by accident). Not traced by set -x.
ITSM_APP_TOKEN='ItsmApp-LookupInteg-5c0e8a71d3b94f26e1'
ITSM_USER_TOKEN='ItsmUserTok-LookupInteg-a93f1d7e6b2c08'
ITSM_TECH_PASSWORD='ItsmTechPw-LookupInteg-62d0b8c4f7e1'
BC_PASSWORD='BcPw-LookupInteg-0f7d3a9c5e21b846'
BC_PASSWORD2='BcPw2-LookupInteg-d81c4e07a3f95b'
SAYMON_PASSWORD='SaymonPw-LookupInteg-7e2a91c0d4f8'
IPC_PASSWORD='IpcPw-LookupInteg-3b8f0e6d1a7c92'
IPC_PASSWORD2='IpcPw2-LookupInteg-c5e9174b0d2a'
basic() { printf '%s:%s' "$1" "$2" | base64 | tr -d '\n'; }
SECRETS=("$ITSM_APP_TOKEN" "$ITSM_USER_TOKEN" "$ITSM_TECH_PASSWORD" "$BC_PASSWORD" "$BC_PASSWORD2"
         "$SAYMON_PASSWORD" "$IPC_PASSWORD" "$IPC_PASSWORD2"
         "$(basic tech "$ITSM_TECH_PASSWORD")" "$(basic bcops "$BC_PASSWORD")" "$(basic bcops2 "$BC_PASSWORD2")"
         "$(basic admin "$SAYMON_PASSWORD")")

cat >"$OUT/emulators.json" <<JSON
{
 "itsmng": {
  "api_clients": [{"name": "lookup tests", "ip": "127.0.0.1", "ipv6": "::1", "app_token": "$ITSM_APP_TOKEN",
                   "active": true}],
  "users": {"itsm": {"user_token": "$ITSM_USER_TOKEN"}, "tech": {"password": "$ITSM_TECH_PASSWORD"}}
 },
 "bluecat": {"users": {"bcops": {"password": "$BC_PASSWORD", "id": 200001},
                       "bcops2": {"password": "$BC_PASSWORD2", "id": 200002}}},
 "saymon": {"users": {"admin": {"id": "5e21b752308c3c66d64e0a01", "password": "$SAYMON_PASSWORD",
                                "name": "Administrator", "permissions": ["manage-users", "manage-objects"]}}},
 "ipcortex": {"users": [
   {"username": "opsbot", "password": "$IPC_PASSWORD", "id": 4242, "name": "Ops Robot", "company": "example",
    "home": "example", "perms": {"pbx": "yes"}},
   {"username": "opsbot2", "password": "$IPC_PASSWORD2", "id": 4243, "name": "Ops Robot 2", "company": "example",
    "home": "example", "perms": {"pbx": "yes"}}]}
}
JSON
cat >"$OUT/secrets.json" <<JSON
{"itsm_app_token": "$ITSM_APP_TOKEN", "itsm_user_token": "$ITSM_USER_TOKEN",
 "itsm_tech_user": "tech", "itsm_tech_password": "$ITSM_TECH_PASSWORD",
 "bc_user": "bcops", "bc_password": "$BC_PASSWORD", "bc_user2": "bcops2", "bc_password2": "$BC_PASSWORD2",
 "saymon_user": "admin", "saymon_password": "$SAYMON_PASSWORD",
 "ipc_user": "opsbot", "ipc_password": "$IPC_PASSWORD", "ipc_user2": "opsbot2", "ipc_password2": "$IPC_PASSWORD2"}
JSON

set -x
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex --config "$OUT/emulators.json"

# Forty hosts, all on this controller (local connection), ten forks.
# The group probe (a few of them) sends requests with what the lookup returned.
{
    echo 'localhost'
    echo '[fleet]'
    for i in $(seq -w 1 40); do echo "host$i"; done
    echo '[probe]'
    for i in $(seq -w 1 40 | head -n 5); do echo "host$i"; done
    echo '[all:vars]'
    echo "ansible_connection=local"
    echo "ansible_python_interpreter=$PY"
} >"$OUT/inventory"
export ANSIBLE_INVENTORY="$OUT/inventory" ANSIBLE_FORKS=10
CLEANUP=apiauth.sessions.session_cleanup

playbook() {  # playbook <log> <playbook> [args]: output to the log, shown on failure
    local log="$1"; shift
    if ! ansible-playbook "$@" -e @"$EMU_VARS" -e @"$OUT/secrets.json" -e @vars.yml >"$log" 2>&1; then
        tail -n 150 "$log"
        echo "FAILED: ansible-playbook $* (full log: $log)" >&2
        return 1
    fi
    grep -A3 'PLAY RECAP' "$log" | head -n 4
}
stats() { "$PY" "$HERE/stats.py" "$EMU_TMP/state.json" "$@"; }
flat() {  # flat <file>: the file on one line (ansible-core before 2.19 wraps warnings at 80 columns)
    tr -s ' \n' '  ' <"$1"
}

no_secret_in() {  # no_secret_in <file or directory>...: grep for every secret, names included
    set +x
    local i
    for i in "${!SECRETS[@]}"; do
        if grep -rqF -- "${SECRETS[$i]}" "$@" || find "$@" | grep -qF -- "${SECRETS[$i]}"; then
            echo "secret number $i appears in $*" >&2
            return 1
        fi
    done
    set -x
}
run_dirs() { find "$1" -mindepth 1 -maxdepth 1 -name 'run-*' 2>/dev/null | wc -l; }

# 1. One login per system for 40 hosts; the callback ends them all at the end; -vvvv has no secret.
CACHE="$OUT/cache-main"
APIAUTH_SESSIONS_CACHE_DIR="$CACHE" ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" playbook "$OUT/main.log" main.yml -vvvv
stats itsmng logins=1 logouts=1 live_sessions=0
stats bluecat logins=1 logouts=1 live_sessions=0
stats saymon tokens_created=1 tokens_deleted=1 live_sessions=0
stats ipcortex logins=1 logouts=1 live_sessions=0
[ "$(run_dirs "$CACHE")" = 0 ]                                  # the callback removed the run directory
grep -q 'session_cleanup: ended 1 BlueCat' "$OUT/main.log"       # and said what it ended (-v)
grep -q '"itsm_token": "' "$OUT/main.log"                        # the log shows what the lookups returned
no_secret_in "$OUT/main.log"

# 2. Two credentials per system: two logins, both ended.
stats reset itsmng bluecat saymon ipcortex
ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" playbook "$OUT/two.log" two_credentials.yml
stats itsmng logins=2 logouts=2 live_sessions=0
stats bluecat logins=2 logouts=2 live_sessions=0
stats ipcortex logins=2 logouts=2 live_sessions=0

# 3. Sessions expired by the server between two plays: new logins, no failure; all ended.
stats reset itsmng bluecat saymon ipcortex
ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" playbook "$OUT/expire.log" expire.yml
stats itsmng logins=2 logouts=1 live_sessions=0
stats bluecat logins=2 logouts=1 live_sessions=0
stats saymon tokens_created=2 tokens_deleted=1 live_sessions=0
stats ipcortex logins=2 logouts=1 live_sessions=0

# 4. Without the callback the files stay: check them (modes, names, contents), then the next run
#    (its controller is a new process) ends the sessions they record and removes them.
stats reset itsmng bluecat saymon ipcortex
CACHE="$OUT/cache-kept"
APIAUTH_SESSIONS_CACHE_DIR="$CACHE" playbook "$OUT/kept.log" main.yml -vvvv --tags lookups
stats itsmng logins=1 logouts=0 live_sessions=1
stats bluecat logins=1 logouts=0 live_sessions=1
flat "$OUT/kept.log" | grep -o 'the session_cleanup callback is not enabled. Enable it with: ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup' \
    | wc -l | grep -qx 1                                 # said once for the whole run
"$PY" - "$CACHE" <<'PY'
import os, re, stat, sys
base = sys.argv[1]
runs = [n for n in os.listdir(base) if n.startswith('run-')]
assert len(runs) == 1 and re.match(r'^run-\d+-[0-9a-f]{16}$', runs[0]), runs
assert sorted(set(os.listdir(base)) - set(runs)) == ['mac-key', 'shared'], os.listdir(base)
for path in [base, os.path.join(base, runs[0])]:
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o700, (path, oct(os.lstat(path).st_mode))
names = os.listdir(os.path.join(base, runs[0]))
for name in names:
    assert re.match(r'^(key|warned-[0-9a-f]{64}|[0-9a-f]{64}\.(entry|lock|recovery))$', name), name
    mode = stat.S_IMODE(os.lstat(os.path.join(base, runs[0], name)).st_mode)
    assert mode == 0o600, (name, oct(mode))
assert len([n for n in names if n.endswith('.entry')]) == 4, names
assert len([n for n in names if n.endswith('.recovery')]) == 3, names  # SAYMON: no token kept
print('cache: 0700 directories, %d files 0600, hash names' % len(names))
PY
no_secret_in "$CACHE" "$OUT/kept.log"
grep -rqF 'session_token' "$CACHE"  # the recovery records do hold the sessions (the grep above saw real content)
APIAUTH_SESSIONS_CACHE_DIR="$CACHE" ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" playbook "$OUT/sweep.log" main.yml --tags lookups
stats itsmng logins=2 logouts=2 live_sessions=0                  # the kept run's session, ended by this one
stats bluecat logins=2 logouts=2 live_sessions=0
stats ipcortex logins=2 logouts=2 live_sessions=0
stats saymon live_sessions=0
[ "$(run_dirs "$CACHE")" = 0 ]

# 5. Ad-hoc: `ansible` loads no callback unless asked; the lookup says so once, with the line for
#    ad-hoc runs. With the callback loaded, the session is ended (and the one the previous
#    command left, by the same credentials).
stats reset itsmng
ADHOC_MSG="msg={{ lookup('apiauth.sessions.token', 'itsmng', url=emu.itsmng.url, user_token=itsm_user_token, app_token=itsm_app_token) | length }}"
APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache-adhoc" ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" \
    ansible localhost -m ansible.builtin.debug -a "$ADHOC_MSG" -e @"$EMU_VARS" -e @"$OUT/secrets.json" >"$OUT/adhoc.log" 2>&1
flat "$OUT/adhoc.log" | grep -q 'Enable it with: ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup'
stats itsmng logins=1 logouts=0 live_sessions=1
APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache-adhoc" ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" ANSIBLE_LOAD_CALLBACK_PLUGINS=1 \
    ansible localhost -m ansible.builtin.debug -a "$ADHOC_MSG" -e @"$EMU_VARS" -e @"$OUT/secrets.json" >"$OUT/adhoc2.log" 2>&1
if grep -q 'Enable it with' "$OUT/adhoc2.log"; then exit 1; fi
stats itsmng logins=2 logouts=2 live_sessions=0
no_secret_in "$OUT/adhoc.log" "$OUT/adhoc2.log" "$OUT/cache-adhoc"
