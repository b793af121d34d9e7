#!/usr/bin/env bash
# The demo: the four API emulators on 127.0.0.1, and one playbook that opens a session on
# each system, does some work with it, and closes it.   bash scripts/demo.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
ensure_system_packages
ensure_venv 2.19 2.19 3.11
build_collection
export ANSIBLE_TEST_PYTHON_INTERPRETER="$VENV/bin/python"
source "$BUILD/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex
log "emulators: $(cat "$EMU_TMP/state.json")"
cd "$BUILD"
ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT" ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-}" \
    "$VENV/bin/ansible-playbook" playbooks/demo.yml -e @"$EMU_VARS" "$@"
