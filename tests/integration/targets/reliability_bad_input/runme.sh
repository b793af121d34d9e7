#!/usr/bin/env bash
# Bad input to every module, the lookup and the roles: clear errors, before any request where
# possible, never a traceback.
set -eux
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex

OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
{
    echo '[systems]'
    for system in itsmng bluecat saymon ipcortex; do echo "$system"; done
    echo '[systems:vars]'
    echo 'ansible_connection=local'
    echo "ansible_python_interpreter=$PY"
} >"$OUT/bad_input.inventory"
# No connection option may come from the environment here: the cases say what is missing.
for var in $(env | grep -oE '^(ITSMNG|BLUECAT|SAYMON|IPCORTEX)_[A-Z_]+' || true); do unset "$var"; done
# The emulator admin lookup (`emu`) lives with the fault suite.
ANSIBLE_LOOKUP_PLUGINS="$(collection_root)/tests/integration/targets/reliability_faults/lookup_plugins"
export ANSIBLE_LOOKUP_PLUGINS
export APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache" ANSIBLE_FORKS=4
# Before ansible-core 2.19 a template's result is turned back into data with literal_eval, which
# cannot read the nan and inf of the timeout cases' invocation echo: native types keep the data.
if "$PY" -c 'import sys; from ansible.release import __version__ as v; sys.exit(tuple(map(int, v.split(".")[:2])) >= (2, 19))'; then
    export ANSIBLE_JINJA2_NATIVE=1
fi

ansible-playbook bad_input.yml -i "$OUT/bad_input.inventory" -e @"$EMU_VARS" "$@"
