#!/usr/bin/env bash
# The lifecycle roles when a run leaves them before their always: section: meta end_play,
# end_host or end_batch in the act step, or Ctrl-C during it. With the session_cleanup
# callback enabled, the sessions they opened are ended when ansible-playbook exits; without
# it they stay open (the control runs, which prove the always: section was skipped). Also:
# no long-lived secret left in the host's variables after the roles, a warning for a role
# without act tasks, and check mode. Counters are read after ansible-playbook has exited.
set -eu

OUT="${OUTPUT_DIR:-$(mktemp -d)}/roles_leftovers"
rm -rf "$OUT" && mkdir -p "$OUT"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
HERE="$(pwd)"

# Distinctive secrets (long, unlikely to appear by accident). Not traced by set -x.
ITSM_APP_TOKEN='ItsmApp-RolesLeft-8d41c07be5a3f926'
ITSM_USER_TOKEN='ItsmUserTok-RolesLeft-2f9e6a0c4d18b7'
BC_PASSWORD='BcPw-RolesLeft-61c3e0f8a2d7b495'
SAYMON_PASSWORD='SaymonPw-RolesLeft-0b7d2f94e1c6a8'
SAYMON_TOKEN='SaymonTok-RolesLeft-c9a4e17f3b02d86'
IPC_PASSWORD='IpcPw-RolesLeft-4e8b1d6f0a93c27'
IPC_API_KEY='IpcKey-RolesLeft-7f20c5a9e3b1d648'
SECRETS=("$ITSM_APP_TOKEN" "$ITSM_USER_TOKEN" "$BC_PASSWORD" "$SAYMON_PASSWORD" "$SAYMON_TOKEN"
         "$IPC_PASSWORD" "$IPC_API_KEY")

cat >"$OUT/emulators.json" <<JSON
{
 "itsmng": {
  "api_clients": [{"name": "roles tests", "ip": "127.0.0.1", "ipv6": "::1", "app_token": "$ITSM_APP_TOKEN",
                   "active": true}],
  "users": {"itsm": {"user_token": "$ITSM_USER_TOKEN"}}
 },
 "bluecat": {"users": {"bcops": {"password": "$BC_PASSWORD", "id": 200001}}},
 "saymon": {"users": {"automation": {"id": "5e21b752308c3c66d64e0a21", "password": "$SAYMON_PASSWORD",
                                     "name": "Automation", "permissions": ["manage-users", "manage-objects"]}}},
 "ipcortex": {"users": [{"username": "opsbot", "password": "$IPC_PASSWORD", "id": 4242, "name": "Ops Robot",
                         "company": "example", "home": "example", "perms": {"pbx": "yes"}}],
              "keys": {"$IPC_API_KEY": "opsbot"}}
}
JSON
cat >"$OUT/secrets.yml" <<YAML
itsm_app_token: "$ITSM_APP_TOKEN"
itsm_user_token: "$ITSM_USER_TOKEN"
bc_user: bcops
bc_password: "$BC_PASSWORD"
saymon_user: automation
saymon_reader: reader
saymon_password: "$SAYMON_PASSWORD"
saymon_token: "$SAYMON_TOKEN"
ipc_user: opsbot
ipc_password: "$IPC_PASSWORD"
ipc_api_key: "$IPC_API_KEY"
leftover_secrets: [$(printf '"%s", ' "${SECRETS[@]}")]
YAML
# A user who has a token of their own, added for step 3 only (it would count as a live session).
cat >"$OUT/saymon-reader.json" <<JSON
{"users": {"reader": {"id": "5e21b752308c3c66d64e0a22", "password": "$SAYMON_PASSWORD",
                      "name": "Reader", "permissions": ["manage-objects"], "token": "$SAYMON_TOKEN"}}}
JSON

set -x
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex --config "$OUT/emulators.json"

# localhost, and one host per system for the play that runs the four roles at once.
{
    echo 'localhost'
    echo 'itsmng'
    echo 'bluecat'
    echo 'saymon'
    echo 'ipcortex'
    echo '[all:vars]'
    echo "ansible_connection=local"
    echo "ansible_python_interpreter=$PY"
} >"$OUT/inventory"
export ANSIBLE_INVENTORY="$OUT/inventory"
CLEANUP=apiauth.sessions.session_cleanup
SYSTEMS=(itsmng bluecat saymon ipcortex)
ARGS=(-e @"$EMU_VARS" -e secrets_file="$OUT/secrets.yml")

playbook() {  # playbook <log> <playbook> [args]: output to the log, shown on failure
    local log="$1"; shift
    if ! ansible-playbook "$@" "${ARGS[@]}" >"$log" 2>&1; then
        tail -n 150 "$log"
        echo "FAILED: ansible-playbook $* (full log: $log)" >&2
        return 1
    fi
    grep -A6 'PLAY RECAP' "$log" | head -n 7
}
leftovers() { "$PY" "$HERE/leftovers.py" "$EMU_TMP/state.json" "$@"; }
reset() { leftovers reset "${SYSTEMS[@]}"; }
# counters <opened> <ended> <live>: the same for every system (SAYMON counts tokens)
counters() {
    leftovers check itsmng logins="$1" logouts="$2" live_sessions="$3"
    leftovers check bluecat logins="$1" logouts="$2" live_sessions="$3"
    leftovers check saymon tokens_created="$1" tokens_deleted="$2" live_sessions="$3"
    leftovers check ipcortex logins="$1" logouts="$2" live_sessions="$3"
}
no_secret_in() {  # no_secret_in <file or directory>...
    set +x
    local i
    for i in "${!SECRETS[@]}"; do
        if grep -rqF -- "${SECRETS[$i]}" "$@"; then
            echo "secret number $i appears in $*" >&2
            return 1
        fi
    done
    set -x
}

# 1. meta end_play / end_host / end_batch in the act step: the always: section is skipped.
for leftover in end_play end_host end_batch; do
    # Without the callback the sessions stay open: the role's own cleanup did not run.
    reset
    APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache-$leftover-off" \
        playbook "$OUT/$leftover-off.log" leftover.yml -e leftover="$leftover"
    counters 1 0 1
    # With the callback, each is ended when ansible-playbook exits.
    reset
    APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache-$leftover" ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" \
        playbook "$OUT/$leftover.log" leftover.yml -e leftover="$leftover" -vvvv
    counters 1 1 0
    no_secret_in "$OUT/$leftover.log"
done

# 2. Ctrl-C while the four roles are in their act step: without the callback the sessions stay
#    open; with it, nothing is left open.
interrupt() {  # interrupt <name>: one run interrupted, log $OUT/<name>.log, cache $OUT/cache-<name>-*
    local attempt rc
    for attempt in 1 2 3 4 5; do  # again only when ansible-core lost the Ctrl-C (see leftovers.py)
        reset
        rm -rf "$OUT/markers" && mkdir "$OUT/markers"
        rc=0
        APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache-$1-$attempt" leftovers interrupt "$OUT/markers" 4 "$OUT/$1.log" -- \
            ansible-playbook interrupt.yml "${ARGS[@]}" -e leftover_markers="$OUT/markers" || rc=$?
        [ "$rc" = 0 ] && return 0
        [ "$rc" = 3 ] || { tail -n 80 "$OUT/$1.log"; return 1; }
    done
    echo "ansible-playbook lost every Ctrl-C" >&2
    return 1
}
interrupt interrupt-off
counters 1 0 1
ANSIBLE_CALLBACKS_ENABLED="$CLEANUP" interrupt interrupt
counters 1 1 0
no_secret_in "$OUT/interrupt.log"

# 3. After the roles, no long-lived secret in the host's variables (asserted in facts.yml).
reset
leftovers config saymon "$OUT/saymon-reader.json"
playbook "$OUT/facts.log" facts.yml -vvvv
# The request modules used the roles' sessions: no login but the roles' own (IPCortex: keys).
leftovers check itsmng logins=2 logouts=2 live_sessions=0
leftovers check bluecat logins=1 logouts=1 live_sessions=0
leftovers check saymon tokens_created=0 tokens_deleted=0  # the user's own token, used and kept
leftovers check ipcortex logins=0 live_sessions=0

# 4. A role without act tasks warns, once per role; keeping the session is not warned about.
reset
playbook "$OUT/no_act.log" no_act.yml
for system in "${SYSTEMS[@]}"; do
    [ "$(grep -c "WARNING: ${system}_lifecycle_act_tasks is not set" "$OUT/no_act.log")" = 1 ]
done
leftovers check itsmng logins=2 logouts=2 live_sessions=0
leftovers check bluecat logins=1 logouts=1 live_sessions=0
leftovers check saymon tokens_created=1 tokens_deleted=1 live_sessions=0
leftovers check ipcortex logins=1 logouts=1 live_sessions=0

# 5. --check: the ITSM-NG role switches profile and entities in its own session, and every
#    role ends what it opened (SAYMON creates no token in check mode).
reset
playbook "$OUT/check.log" check.yml --check
leftovers check itsmng logins=1 logouts=1 live_sessions=0 profile_changes=1 entity_changes=1
leftovers check bluecat logins=1 logouts=1 live_sessions=0
leftovers check saymon tokens_created=0 live_sessions=0
leftovers check ipcortex logins=1 logouts=1 live_sessions=0

# 6. No secret in what the roles printed at -vvvv in step 3 (the user's own SAYMON token included).
no_secret_in "$OUT/facts.log"
