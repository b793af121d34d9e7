#!/usr/bin/env bash
# Secrets: every module, the lookup, the callback and every role at -vvvv, failing cases
# included; then no password, user token, App-Token, API key or Basic credential in the output
# or in any file the collection wrote.
set -eu
OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
HERE="$(pwd)"

# Distinctive secrets, long enough never to appear by accident. Written to a 0600 file read
# with -e @ (never through a task's environment:, which -vvvv prints). Not traced (no set -x yet).
umask 077
cat >"$OUT/secrets.json" <<'JSON'
{"itsm_app": "SxItsmApp-7d3f9a1c5e0b4826f1",
 "itsm_utok": "SxItsmUtok-e4a81c6f0d9b3527a8",
 "itsm_wrong_utok": "SxItsmBadUtok-2b9e7d4c1a0f6358",
 "itsm_tech_pw": "SxItsmTechPw-90c2e5a7f3d1b864",
 "itsm_new_pw": "SxItsmNewPw-3f6a0d8c2e9b7145",
 "itsm_wrong_pw": "SxItsmBadPw-c7e1b4093d5a8f26",
 "bc_pw": "SxBcPw-5a2d8f0c6e3b9174ad",
 "bc_wrong_pw": "SxBcBadPw-1e7c4a9d3f0b6285",
 "sm_pw": "SxSaymonPw-8b0f3d6a2c9e5714",
 "sm_wrong_pw": "SxSaymonBadPw-4d9a1e7c0b3f6852",
 "ipc_pw": "SxIpcPw-6c3e9b0a5d2f8147e0",
 "ipc_wrong_pw": "SxIpcBadPw-0a8d5f2c7e4b1963",
 "ipc_apikey": "SxIpcKey-f2b7d0a9c4e6318b5d",
 "ipc_wrong_key": "SxIpcBadKey-9e4c1f7a0d3b5826"}
JSON
umask 022

set -x
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex
"$PY" configure.py "$EMU_TMP/state.json" "$OUT/secrets.json"
{
    echo '[systems]'
    for system in itsmng bluecat saymon ipcortex; do echo "$system"; done
    echo '[systems:vars]'
    echo 'ansible_connection=local'
    echo "ansible_python_interpreter=$PY"
} >"$OUT/secrets.inventory"
for var in $(env | grep -oE '^(ITSMNG|BLUECAT|SAYMON|IPCORTEX)_[A-Z_]+' || true); do unset "$var"; done
ANSIBLE_LOOKUP_PLUGINS="$(collection_root)/tests/integration/targets/reliability_faults/lookup_plugins"
export ANSIBLE_LOOKUP_PLUGINS
export APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache" ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup
export ANSIBLE_FORKS=4

if ! ansible-playbook secrets.yml -vvvv -i "$OUT/secrets.inventory" -e @"$EMU_VARS" -e @"$OUT/secrets.json" \
        -e out_dir="$OUT" >"$OUT/secrets.log" 2>&1; then
    set +x
    # The log holds no secret (that is what is tested), but show only its end.
    tail -n 80 "$OUT/secrets.log"
    echo "FAILED: ansible-playbook secrets.yml (full log: $OUT/secrets.log)" >&2
    exit 1
fi
"$PY" "$HERE/check_secrets.py" "$OUT/secrets.json" "$OUT/secrets.log" "$OUT/cache-copy" "$OUT/cache" \
    "$EMU_TMP/state.json"
