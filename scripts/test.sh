#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a developer runs before pushing.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh units      only the named steps (sanity units integration ...)
# Each step runs on ansible-core 2.19 (Python 3.11) and 2.21 (Python 3.13) where it applies.
set -uo pipefail
source "$(dirname "$0")/env.sh"

STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(sanity units integration)
passed=0; failed=0; failures=()

step() {  # step NAME COMMAND... : run, record, never stop the suite
    local name="$1"; shift
    log "$name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1)); echo "--- ok: $name ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name ($((SECONDS - start)) s)"
    fi
}

wants() { local s; for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

ensure_system_packages
ensure_venv 2.19 2.19 3.11 || exit 1; V219="$VENV"
ensure_venv 2.21 2.21 3.13 || exit 1; V221="$VENV"
build_collection
cd "$BUILD" || exit 1
export ROOT BUILD BUILD_PARENT V219 V221

for v in "$V219" "$V221"; do
    py="$("$v/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    core="$("$v/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    if wants sanity; then
        install_getpip_shim "$v"
        step "sanity (ansible-core $core, python $py)" \
            "$v/bin/ansible-test" sanity --venv --python "$py" --color no
    fi
    if wants units; then
        step "units (ansible-core $core, python $py)" \
            env PYTHONPATH="$BUILD_PARENT" "$v/bin/python" -m pytest -q -p no:cacheprovider tests/unit
    fi
    if wants integration; then
        step "integration (ansible-core $core, python $py)" \
            "$v/bin/ansible-test" integration --local --python "$py" --color no
    fi
done

# Further steps (molecule, lint, docs, AWX...), one script each: run with the exports above,
# from the built collection; exit non-zero on failure.
for script in "$ROOT"/scripts/test.d/*.sh; do
    [ -e "$script" ] || continue
    name="$(basename "$script" .sh)"
    if [ ${#@} -eq 0 ] || wants "$name"; then
        step "$name" bash "$script"
    fi
done

echo
echo "steps: ${STEPS[*]}"
[ $failed -eq 0 ] || printf 'failed step: %s\n' "${failures[@]}"
echo "suite: $passed passed, $failed failed"
[ $failed -eq 0 ]
