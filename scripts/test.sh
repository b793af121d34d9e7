#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a developer runs before pushing.
#   bash scripts/test.sh                  everything
#   bash scripts/test.sh units molecule   only the named steps (sanity units integration, or a
#                                         scripts/test.d/<name>.sh step)
# sanity, units and integration run on ansible-core 2.19 (Python 3.11) and 2.21 (Python 3.13),
# the two in parallel (one core each) from two copies of the collection; APIAUTH_SERIAL=1
# runs them one after the other.
set -uo pipefail
source "$(dirname "$0")/env.sh"

STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(sanity units integration)
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT

step() {  # step NAME COMMAND... : run, record, never stop the suite
    local name="$1"; shift
    log "$name"
    local start=$SECONDS
    if "$@"; then
        echo "ok $name" >>"$RESULTS"; echo "--- ok: $name ($((SECONDS - start)) s)"
    else
        echo "FAILED $name" >>"$RESULTS"; echo "--- FAILED: $name ($((SECONDS - start)) s)"
    fi
}

wants() { local s; for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

# lane VENV BUILD_PARENT: sanity, units and integration with one ansible-core.
lane() {
    local v="$1" parent="$2" py core
    py="$("$v/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    core="$("$v/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    cd "$parent/ansible_collections/apiauth/sessions" || return 1
    if wants sanity; then
        step "sanity (ansible-core $core, python $py)" \
            "$v/bin/ansible-test" sanity --venv --python "$py" --color no
    fi
    if wants units; then
        step "units (ansible-core $core, python $py)" \
            env PYTHONPATH="$parent" "$v/bin/python" -m pytest -q -p no:cacheprovider tests/unit
    fi
    if wants integration; then
        step "integration (ansible-core $core, python $py)" \
            "$v/bin/ansible-test" integration --local --python "$py" --color no
    fi
}

ensure_system_packages
ensure_venv 2.19 2.19 3.11 || exit 1; V219="$VENV"
ensure_venv 2.21 2.21 3.13 || exit 1; V221="$VENV"
install_getpip_shim "$V219"
install_getpip_shim "$V221"
build_collection
build_collection "$BUILD_PARENT-2.21"
export ROOT BUILD BUILD_PARENT V219 V221

if [ "${APIAUTH_SERIAL:-}" = 1 ]; then
    lane "$V219" "$BUILD_PARENT"
    lane "$V221" "$BUILD_PARENT-2.21"
else
    lane_log="$(mktemp)"
    lane "$V221" "$BUILD_PARENT-2.21" >"$lane_log" 2>&1 &
    lane_pid=$!
    lane "$V219" "$BUILD_PARENT"
    wait "$lane_pid"
    log "ansible-core 2.21 lane (ran alongside the one above)"
    cat "$lane_log"; rm -f "$lane_log"
fi

# Further steps (molecule, lint, docs, AWX...), one script each, run from the built collection
# with the exports above; a step exits non-zero on failure.
cd "$BUILD" || exit 1
for script in "$ROOT"/scripts/test.d/*.sh; do
    [ -e "$script" ] || continue
    name="$(basename "$script" .sh)"
    if [ $# -eq 0 ] || wants "$name"; then
        step "$name" bash "$script"
    fi
done

passed=$(grep -c '^ok ' "$RESULTS"); failed=$(grep -c '^FAILED ' "$RESULTS")
echo
grep '^FAILED ' "$RESULTS" | sed 's/^FAILED /failed step: /'
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
