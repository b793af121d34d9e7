#!/usr/bin/env bash
# The request modules (the act step) against the four emulators over real HTTP: GET, POST,
# PUT/PATCH, DELETE; all_pages over 1,000 items; check mode; sessions expired mid-run; 40 hosts
# with 10 forks; the module path; bad input; no secret at -vvvv. Counters are read after
# ansible-playbook has exited, when the session_cleanup callback has run.
set -eu

OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
HERE="$(pwd)"

# Distinctive secrets (long, unlikely to appear by accident). Not traced by set -x.
ITSM_APP_TOKEN='ItsmApp-RequestInteg-7d1e3c9a0b5f4e28'
ITSM_USER_TOKEN='ItsmUserTok-RequestInteg-4f8b2a6c1e0d93'
BC_PASSWORD='BcPw-RequestInteg-9a3e7c1d5b0f2864'
SAYMON_PASSWORD='SaymonPw-RequestInteg-1c6e9f2a7d4b08'
IPC_PASSWORD='IpcPw-RequestInteg-5e0a8d3f6c1b97'
basic() { printf '%s:%s' "$1" "$2" | base64 | tr -d '\n'; }
SECRETS=("$ITSM_APP_TOKEN" "$ITSM_USER_TOKEN" "$BC_PASSWORD" "$SAYMON_PASSWORD" "$IPC_PASSWORD"
         "$(basic bcops "$BC_PASSWORD")" "$(basic admin "$SAYMON_PASSWORD")")

cat >"$OUT/emulators.json" <<JSON
{
 "itsmng": {
  "api_clients": [{"name": "request tests", "ip": "127.0.0.1", "ipv6": "::1", "app_token": "$ITSM_APP_TOKEN",
                   "active": true}],
  "users": {"itsm": {"user_token": "$ITSM_USER_TOKEN"}},
  "generate": {"Computer": 1200}
 },
 "bluecat": {"users": {"bcops": {"password": "$BC_PASSWORD", "id": 200001}},
             "generate": {"resourceRecords": 1500}},
 "saymon": {"users": {"admin": {"id": "5e21b752308c3c66d64e0a01", "password": "$SAYMON_PASSWORD",
                                "name": "Administrator", "permissions": ["manage-users", "manage-objects"]}},
            "generate_objects": 1100},
 "ipcortex": {"users": [{"username": "opsbot", "password": "$IPC_PASSWORD", "id": 4242, "name": "Ops Robot",
                         "company": "example", "home": "example", "perms": {"pbx": "yes"}}],
              "generate_extensions": 1000}
}
JSON
cat >"$OUT/secrets.json" <<JSON
{"itsm_app_token": "$ITSM_APP_TOKEN", "itsm_user_token": "$ITSM_USER_TOKEN",
 "bc_user": "bcops", "bc_password": "$BC_PASSWORD", "saymon_user": "admin", "saymon_password": "$SAYMON_PASSWORD",
 "ipc_user": "opsbot", "ipc_password": "$IPC_PASSWORD"}
JSON

set -x
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex --config "$OUT/emulators.json"

{
    echo 'localhost'
    echo '[fleet]'
    for i in $(seq -w 1 40); do echo "host$i"; done
    echo '[fleet10]'
    for i in $(seq -w 1 10); do echo "host$i"; done
    echo '[all:vars]'
    echo "ansible_connection=local"
    echo "ansible_python_interpreter=$PY"
} >"$OUT/inventory"
export ANSIBLE_INVENTORY="$OUT/inventory" ANSIBLE_FORKS=10
export ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup

playbook() {  # playbook <log> <playbook> [args]: output to the log, shown on failure
    local log="$1"; shift
    if ! ansible-playbook "$@" -e @"$EMU_VARS" -e @"$OUT/secrets.json" >"$log" 2>&1; then
        tail -n 150 "$log"
        echo "FAILED: ansible-playbook $* (full log: $log)" >&2
        return 1
    fi
    grep -A3 'PLAY RECAP' "$log" | head -n 4
}
stats() { "$PY" "$HERE/stats.py" "$EMU_TMP/state.json" "$@"; }
reset() { stats reset itsmng bluecat saymon ipcortex; }
no_secret_in() {  # no_secret_in <file>...: grep for every long-lived secret and its Basic form
    set +x
    local i
    for i in "${!SECRETS[@]}"; do
        if grep -qF -- "${SECRETS[$i]}" "$@"; then
            echo "secret number $i appears in $*" >&2
            return 1
        fi
    done
    set -x
}
one_session_each() {  # one login and one logout per credential, nothing left open
    stats itsmng logins=1 logouts=1 live_sessions=0
    stats bluecat logins=1 logouts=1 live_sessions=0
    stats saymon tokens_created=1 tokens_deleted=1 live_sessions=0
    stats ipcortex logins=1 logouts=1 live_sessions=0
}

# 1. GET, POST, PUT/PATCH, DELETE on each system, at -vvvv: no init or kill task, one session each,
#    ended by the callback, and no secret in the output.
playbook "$OUT/crud.log" crud.yml -vvvv
one_session_each
stats itsmng changes=4 && stats bluecat changes=4 && stats saymon changes=3 && stats ipcortex changes=3
grep -q 'session_cleanup' "$OUT/crud.log"
no_secret_in "$OUT/crud.log"
# The session tokens never show either: the result headers carry none.
if grep -q '"Session-Token": "[a-v0-9]' "$OUT/crud.log"; then echo 'a session token in the output' >&2; exit 1; fi

# 2. all_pages over more than 1,000 items, in the expected number of requests.
reset
playbook "$OUT/pages.log" pages.yml
stats itsmng 'endpoints.GET /apirest.php/Computer=2'
stats bluecat 'endpoints.GET /api/v2/zones/3/resourceRecords=2'
stats saymon 'endpoints.POST /node/api/v2/getObjects=3' 'endpoints.GET /node/api/objects=1'
stats ipcortex 'endpoints.POST /rest/pbx/read/extension=1'

# 3. Check mode sends no write: the reads went out, no write reached any server.
reset
playbook "$OUT/check.log" check.yml --check
stats itsmng changes=0 methods.POST=0 methods.PUT=0 methods.PATCH=0 methods.DELETE=0 'endpoints.GET /apirest.php/Computer/1=1'
stats bluecat changes=0 'endpoints.POST /api/v2/zones/3/resourceRecords=0' 'endpoints.DELETE /api/v2/resourceRecords/4=0'
stats saymon changes=0 'endpoints.POST /node/api/objects=0' 'endpoints.POST /node/api/v2/getObjects=1'
stats ipcortex changes=0 'endpoints.POST /rest/pbx/create/extension=0' 'endpoints.POST /rest/pbx/read/extension=1'

# 4. Every session ended by the servers in the middle of a 10-host, 10-fork run of 50 calls per
#    system: exactly one new login each, no failed task; then a write right after an expiry.
reset
playbook "$OUT/expire.log" expire.yml
grep -q 'failed=0' "$OUT/expire.log"
stats itsmng logins=2 live_sessions=0
stats bluecat logins=3 live_sessions=0 changes=1  # and a write repeated on the new session
stats saymon tokens_created=2 live_sessions=0
stats ipcortex logins=2 live_sessions=0

# 5. 40 hosts, 10 forks, 5 calls each: one login and one logout per credential for the run.
reset
playbook "$OUT/fleet.log" fleet.yml
one_session_each

# 6. As module processes (the path of non-local connections): each task logs in and out.
reset
playbook "$OUT/module_path.log" module_path.yml
stats itsmng logins=1 logouts=1 live_sessions=0
stats bluecat logins=1 logouts=1 live_sessions=0

# 7. Bad input: one sentence each, not one request.
reset
playbook "$OUT/bad_input.log" bad_input.yml
stats itsmng requests=0
