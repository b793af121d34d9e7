#!/usr/bin/env bash
# Faults against the four emulators: timeouts, dropped connections, 5xx, HTML and truncated
# answers, expiry between tasks, a server restart mid-run. One host per system, run side by side.
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
} >"$OUT/faults.inventory"
# The lookup's cache of this run, away from the user's.
export APIAUTH_SESSIONS_CACHE_DIR="$OUT/cache" ANSIBLE_FORKS=4

ansible-playbook faults.yml -i "$OUT/faults.inventory" -e @"$EMU_VARS" -e out_dir="$OUT" "$@"
"$PY" figures.py "$OUT"
