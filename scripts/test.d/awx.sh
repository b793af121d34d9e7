#!/usr/bin/env bash
# Test step "awx": what AWX / Automation Platform users rely on.
#  1. docs/awx/credential_types against the collection's option tables (pytest tests/awx);
#  2. each credential type rendered as AWX renders it, and a playbook run through
#     ansible-runner with exactly that environment against the emulators (HTTPS, test CA):
#     login, act, logout, and no secret anywhere in the runner's private data dir; then one
#     job with the four credentials at once using the token lookup and the cleanup callback;
#  3. module_defaults on group/apiauth.sessions.itsmng (and .all) running every ITSM-NG
#     module with no connection option on the tasks, at -vvvv, with no secret in the output.
# Run by scripts/test.sh (bash scripts/test.sh awx) from $BUILD with ROOT BUILD BUILD_PARENT.
set -euo pipefail
build="$BUILD" build_parent="$BUILD_PARENT"
source "$ROOT/scripts/env.sh"
BUILD="$build" BUILD_PARENT="$build_parent"  # the runner's, not env.sh's defaults
ensure_venv awx 2.21 3.13 "$ROOT/requirements-awx.txt"
cd "$BUILD"
export ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT" PYTHONPATH="$BUILD_PARENT"
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1

failed=()  # every part runs, so that one failure does not hide the others

log "awx: credential types against the option tables"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/awx || failed+=(credential-types)

log "awx: credential types rendered as AWX does, playbooks through ansible-runner"
"$VENV/bin/python" tests/awx/run_awx.py --collections-path "$BUILD_PARENT" || failed+=(ansible-runner)

log "awx: module_defaults on the action groups"
module_defaults() {
    export ANSIBLE_TEST_PYTHON_INTERPRETER="$VENV/bin/python"  # lib.sh's inventory: a Python with requests
    source tests/emulators/lib.sh || return 1
    emulators_start itsmng || return 1
    local out="$EMU_TMP/module_defaults.log" key secret leaks=0
    if ! "$VENV/bin/ansible-playbook" tests/awx/module_defaults.yml -e @"$EMU_VARS" -vvvv >"$out" 2>&1; then
        tail -n 60 "$out"
        return 1
    fi
    grep -q 'All assertions passed' "$out" || return 1
    for key in itsmng_app_token itsmng_user_token itsmng_new_password; do
        secret="$(sed -n "s/^ *$key: *//p" tests/awx/module_defaults.yml | head -n 1)"
        [ "${#secret}" -ge 20 ] || { echo "no value for $key in module_defaults.yml"; return 1; }
        if grep -qF -- "$secret" "$out"; then
            echo "LEAK: $key appears in the -vvvv output of module_defaults.yml"
            leaks=$((leaks + 1))
        fi
    done
    [ "$leaks" -eq 0 ] || return 1
    echo "module_defaults: every ITSM-NG module ran on group defaults; 3 secrets absent from $(wc -l <"$out") lines of -vvvv output"
}
module_defaults || failed+=(module_defaults)

[ ${#failed[@]} -eq 0 ] || { echo "awx: failed: ${failed[*]}"; exit 1; }
