#!/usr/bin/env bash
# ipcortex_session over real HTTP against the IPCortex emulator, with real ansible-playbook runs.
# The main playbook runs at -vvvv and its whole output is grepped for every secret used.
set -eu

OUT="${OUTPUT_DIR:-$(mktemp -d)}"

# Distinctive secrets (long, unlikely to appear by accident). Not traced by set -x.
IPC_PASSWORD='IpcPw-Integ-4b1d9e7c2a6f0835'
IPC_KEY='IpcKey-Integ-8e3a5c1f9d7b2604ae51'
IPC_BAD_PASSWORD='IpcBadPw-Integ-0d6c2e9a41f7'
IPC_BAD_KEY='IpcBadKey-Integ-7f2b9c0e5a13'
SECRETS=("$IPC_PASSWORD" "$IPC_KEY" "$IPC_BAD_PASSWORD" "$IPC_BAD_KEY")

cat >"$OUT/ipcortex-emulator.json" <<JSON
{"ipcortex": {
  "users": [
    {"username": "opsbot", "password": "$IPC_PASSWORD", "id": 4242, "name": "Ops Robot",
     "company": "example", "home": "example", "perms": {"pbx": "yes", "admin": "company"}}
  ],
  "keys": {"$IPC_KEY": "opsbot"},
  "session_ttl": 600
}}
JSON
cat >"$OUT/ipcortex-vars.json" <<JSON
{"ipc_user": "opsbot", "ipc_password": "$IPC_PASSWORD", "ipc_key": "$IPC_KEY",
 "ipc_bad_password": "$IPC_BAD_PASSWORD", "ipc_bad_key": "$IPC_BAD_KEY"}
JSON

set -x
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start ipcortex --config "$OUT/ipcortex-emulator.json"

run() {  # run <log> ansible-playbook args...: the output goes to the log, shown on failure
    local log="$1"; shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 200 "$log"
        echo "FAILED: $* (full log: $log)" >&2
        return 1
    fi
    grep -A3 'PLAY RECAP' "$log"
}

run "$OUT/main.log" ansible-playbook main.yml -vvvv -e @"$EMU_VARS" -e @"$OUT/ipcortex-vars.json"

# The AWX/AAP way: credentials injected into the environment of ansible-playbook.
set +x
export IPCORTEX_API_KEY="$IPC_KEY"
set -x
IPCORTEX_URL="$(emulator_url ipcortex url)" IPCORTEX_API_KEY_TRANSPORT=header \
    run "$OUT/env.log" ansible-playbook env.yml -vvvv -e @"$EMU_VARS"
unset IPCORTEX_API_KEY

set +x
for log in "$OUT/main.log" "$OUT/env.log"; do
    # The logs must be the verbose runs of the module (in the worker process here, the connection
    # being local), else the grep below proves nothing.
    grep -q '"login": "opsbot"' "$log" || { echo "no module result in $log" >&2; exit 1; }
    # ansible-core 2.19 prints the invocation (no_log options masked); 2.21 leaves it out.
    if grep -q '"module_args"' "$log"; then grep -q 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' "$log"; fi
    for i in "${!SECRETS[@]}"; do
        if grep -qF -- "${SECRETS[$i]}" "$log"; then
            echo "secret number $i of (password, key, bad password, bad key) appears in $log" >&2
            exit 1
        fi
    done
done
echo "no secret in $(wc -l <"$OUT/main.log") + $(wc -l <"$OUT/env.log") lines of -vvvv output"
