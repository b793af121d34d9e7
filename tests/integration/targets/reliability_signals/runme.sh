#!/usr/bin/env bash
# Signals: a run killed with SIGTERM or SIGHUP (AWX/AAP cancelling a job, a job timeout, a
# closed terminal) during a task ends every session the token lookup opened on the four
# systems. A run killed with SIGKILL cannot: the next run with the same credentials ends what
# it left, and no SAYMON token outlives the two runs. Counters are read from the emulators.
set -eu

OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
HERE="$(pwd)"

ITSM_APP_TOKEN='ItsmApp-Signals-71c0d3e9a5b24f'
ITSM_USER_TOKEN='ItsmUserTok-Signals-4e8a20c6f1d9'
BC_PASSWORD='BcPw-Signals-9d2f6a1c0e7b35'
SAYMON_PASSWORD='SaymonPw-Signals-5b1e8c3a7f02'
IPC_PASSWORD='IpcPw-Signals-c6a04e9d2b71f8'

cat >"$OUT/emulators.json" <<JSON
{
 "itsmng": {
  "api_clients": [{"name": "signals", "ip": "127.0.0.1", "ipv6": "::1", "app_token": "$ITSM_APP_TOKEN", "active": true}],
  "users": {"itsm": {"user_token": "$ITSM_USER_TOKEN"}}
 },
 "bluecat": {"users": {"bcops": {"password": "$BC_PASSWORD", "id": 200001}}},
 "saymon": {"users": {"admin": {"id": "5e21b752308c3c66d64e0a01", "password": "$SAYMON_PASSWORD",
                                "name": "Administrator", "permissions": ["manage-users"]}}},
 "ipcortex": {"users": [{"username": "opsbot", "password": "$IPC_PASSWORD", "id": 4242, "name": "Ops Robot",
                         "company": "example", "home": "example", "perms": {"pbx": "yes"}}]}
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
export APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache" ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup
stats() { "$PY" "$HERE/stats.py" "$EMU_TMP/state.json" "$@"; }
run_dirs() { find "$APIAUTH_SESSIONS_CACHE_DIR" -mindepth 1 -maxdepth 1 -name 'run-*' 2>/dev/null | wc -l; }
all_open() {
    stats itsmng logins=1 logouts=0 live_sessions=1
    stats bluecat logins=1 logouts=0 live_sessions=1
    stats saymon tokens_created=1 tokens_deleted=0 live_sessions=1
    stats ipcortex logins=1 logouts=0 live_sessions=1
}

# killed_run SIGNAL: start a run in a process group of its own (as AWX does), wait until its
# sessions are open and the long task runs, send SIGNAL to the whole group; sets RUN_STATUS.
killed_run() {
    local signal="$1" marker="$OUT/open-$1" pid _try
    rm -f "$marker"
    setsid ansible-playbook lookups.yml -e @"$EMU_VARS" -e @"$OUT/secrets.json" -e marker="$marker" \
        >"$OUT/killed-$signal.log" 2>&1 &
    pid=$!
    for _try in $(seq 1 600); do
        [ -e "$marker" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -e "$marker" ] || { cat "$OUT/killed-$signal.log"; echo "the run did not open its sessions" >&2; return 1; }
    sleep 1  # the long task has started
    all_open
    local start; start=$(date +%s%N)
    kill -s "$signal" -- "-$pid"
    RUN_STATUS=0
    wait "$pid" || RUN_STATUS=$?
    echo "SIG$signal: the run ended $(( ($(date +%s%N) - start) / 1000000 )) ms after the signal, status $RUN_STATUS"
}

# 1. SIGTERM and SIGHUP during a task: every session ended, the cache removed.
for signal in TERM HUP; do
    stats reset itsmng bluecat saymon ipcortex
    killed_run "$signal"
    [ "$RUN_STATUS" -ne 0 ]
    stats itsmng logins=1 logouts=1 live_sessions=0
    stats bluecat logins=1 logouts=1 live_sessions=0
    stats saymon tokens_created=1 tokens_deleted=1 live_sessions=0
    stats ipcortex logins=1 logouts=1 live_sessions=0
    [ "$(run_dirs)" = 0 ]
done

# 2. SIGKILL: nothing can run; the sessions stay, and so does the run's directory...
stats reset itsmng bluecat saymon ipcortex
killed_run KILL
[ "$RUN_STATUS" = 137 ]
all_open
[ "$(run_dirs)" = 1 ]
# ... until the next run with the same credentials: it ends them, deletes the SAYMON token the
# killed run created instead of adopting it, and ends its own sessions at its end.
ansible-playbook lookups.yml -e @"$EMU_VARS" -e @"$OUT/secrets.json" -e quick=true -v >"$OUT/next.log" 2>&1 \
    || { cat "$OUT/next.log"; exit 1; }
stats itsmng logins=2 logouts=2 live_sessions=0
stats bluecat logins=2 logouts=2 live_sessions=0
stats saymon tokens_created=2 tokens_deleted=2 live_sessions=0
stats ipcortex logins=2 logouts=2 live_sessions=0
[ "$(run_dirs)" = 0 ]
for secret in "$ITSM_APP_TOKEN" "$ITSM_USER_TOKEN" "$BC_PASSWORD" "$SAYMON_PASSWORD" "$IPC_PASSWORD"; do
    set +x
    if grep -qF -- "$secret" "$OUT"/killed-*.log "$OUT/next.log"; then echo "a secret is in the output" >&2; exit 1; fi
    set -x
done
