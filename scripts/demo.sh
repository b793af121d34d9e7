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
# session_cleanup ends, when the playbook ends, the sessions the request modules opened.
ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT" ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-}" \
    ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup \
    "$VENV/bin/ansible-playbook" playbooks/demo.yml -e @"$EMU_VARS" "$@"
"$VENV/bin/python" - "$EMU_TMP/state.json" <<'PY'
import json, sys, urllib.request
state = json.load(open(sys.argv[1]))
left = {name: json.load(urllib.request.urlopen(where['admin'] + '/stats', timeout=10))['live_sessions']
        for name, where in sorted(state.items())}
print('Sessions left open on the servers after the run: %d (%s)'
      % (sum(left.values()), ', '.join('%s %d' % item for item in left.items())))
PY
