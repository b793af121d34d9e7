#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a developer runs before pushing.
#   bash scripts/test.sh                  everything
#   bash scripts/test.sh units molecule   only the named steps: sanity, units, integration (on
#                                         their lanes), or a scripts/test.d/<name>.sh step
#   APIAUTH_LANES="2.16 2.21"             only these ansible-core lanes (default: all six)
#   APIAUTH_JOBS=1                        jobs at once (default: the number of cores, plus one)
#
# Lanes: one per ansible-core series, each on a Python it supports and on its own copy of the
# collection. Every lane runs sanity and `ansible-test units`; the oldest and the newest also
# run integration. Lanes and test.d steps are jobs, APIAUTH_JOBS at a time, longest first; the
# output of each job is printed whole when it ends, and the summary comes last.
#
# What the test.d steps get (exported):
#   ROOT                   the repository
#   BUILD, BUILD_PARENT    the built collection (.../ansible_collections/apiauth/sessions) and the
#                          directory for ANSIBLE_COLLECTIONS_PATH; no lane writes in this copy
#   OLDEST, NEWEST         the oldest and newest ansible-core series tested: 2.16 and 2.21
#   V216 V217 V218 V219 V220 V221
#                          venv of each series: ansible-core and requirements-dev.txt
#   VTOOLS216, VTOOLS221   molecule and ansible-lint (requirements-tools.txt) on ansible-core 2.16
#                          (Python 3.10) and on 2.21 (Python 3.13)
# Every venv a step needs is ready before the first job starts (jobs never build one at once).
set -uo pipefail
source "$(dirname "$0")/env.sh"

# series and its Python: 3.10 to 3.13 all covered, each within what that series supports, and
# lanes that run one after the other in the queue on different Pythons (see lane())
LANES=("2.16 3.10" "2.17 3.12" "2.18 3.13" "2.19 3.11" "2.20 3.12" "2.21 3.13")
OLDEST=2.16 NEWEST=2.21
# one job more than cores: integration targets spend part of their time waiting on timeouts
JOBS="${APIAUTH_JOBS:-$(( $(nproc 2>/dev/null || echo 2) + 1 ))}"

STEPS_GIVEN=("$@")
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(sanity units integration)
WORK="$(mktemp -d)"
RESULTS="$WORK/results"; : >"$RESULTS"
trap 'rm -rf "$WORK"' EXIT
SUITE_START=$SECONDS

# step NAME COMMAND... : run, record, never stop the suite. A step still running after
# APIAUTH_STEP_TIMEOUT seconds (default 1800) is stopped and fails: a hang costs one step.
step() {
    local name="$1"; shift
    log "$name"
    local start=$SECONDS
    if timeout --kill-after=30 "${APIAUTH_STEP_TIMEOUT:-1800}" "$@"; then
        echo "ok $name" >>"$RESULTS"; echo "--- ok: $name ($((SECONDS - start)) s)"
    else
        echo "FAILED $name" >>"$RESULTS"; echo "--- FAILED: $name ($((SECONDS - start)) s)"
    fi
}

wants() { local s; for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
# want_step NAME: a test.d step this run runs (all of them when no step is named)
want_step() { [ ${#STEPS_GIVEN[@]} -eq 0 ] || wants "$1"; }
wants_lane() { [ -z "${APIAUTH_LANES:-}" ] || [[ " $APIAUTH_LANES " == *" $1 "* ]]; }

# job NAME COMMAND...: run in the background once a slot is free; its output, printed when it
# ends, never interleaves with another's.
job() {
    local name="$1"; shift
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    (
        start=$SECONDS
        # a job records its steps itself; one that stops before or between them fails here
        "$@" >"$WORK/$name.log" 2>&1 || echo "FAILED job $name (exit code $?)" >>"$RESULTS"
        # shellcheck disable=SC2016  # expanded by sh, from its arguments
        flock "$WORK/print.lock" sh -c 'cat "$1"; printf "=== end of job %s (%s s)\n" "$2" "$3"' \
            _ "$WORK/$name.log" "$name" "$((SECONDS - start))"
    ) &
}

# lane SERIES PYTHON: sanity, units and (oldest and newest only) integration on one ansible-core.
lane() {
    local series="$1" py="$2" v parent core
    v="$ROOT/.venv-$series"; parent="$BUILD_PARENT-$series"
    build_collection "$parent"
    core="$("$v/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    cd "$parent/ansible_collections/apiauth/sessions" || return 1
    if wants sanity; then
        # ansible-test keeps its sanity venvs in ~/.ansible/test/venv per Python and requirements,
        # shared by every series that pins the same tools: two lanes on one Python must not
        # create one at the same time.
        mkdir -p "$HOME/.ansible/test"
        step "sanity (ansible-core $core, Python $py)" flock "$HOME/.ansible/test/apiauth-sanity-python$py.lock" \
            "$v/bin/ansible-test" sanity --venv --python "$py" --color no
    fi
    if wants units; then
        step "units (ansible-core $core, Python $py)" \
            "$v/bin/ansible-test" units --venv --python "$py" --color no
    fi
    if wants integration && { [ "$series" = "$OLDEST" ] || [ "$series" = "$NEWEST" ]; }; then
        step "integration (ansible-core $core, Python $py)" \
            "$v/bin/ansible-test" integration --local --python "$py" --color no --continue-on-error
    fi
}

# The venvs the selected lanes and steps use, built three at a time (pip mostly waits on the
# network) before any job starts.
prepare_venvs() {
    local specs=() spec lane series py name core pyver req
    for lane in "${LANES[@]}"; do
        read -r series py <<<"$lane"
        specs+=("$series $series $py")
    done
    want_step molecule && specs+=("tools-2.16 2.16 3.10 requirements-tools.txt")
    { want_step molecule || want_step ansible-lint; } && specs+=("tools 2.21 3.13 requirements-tools.txt")
    { want_step awx || want_step ee; } && specs+=("awx 2.21 3.13 requirements-awx.txt")
    want_step docs && specs+=("docs 2.21 3.13 requirements-docs.txt")
    { want_step changelog || want_step galaxy-importer || want_step complexity; } && specs+=("release 2.19 3.11 requirements-release.txt")
    ensure_uv >/dev/null  # once, before the venvs that use it are built side by side
    local pids=() names=()
    for spec in "${specs[@]}"; do
        read -r name core pyver req <<<"$spec"
        while [ "$(jobs -rp | wc -l)" -ge 3 ]; do wait -n; done
        ( ensure_venv "$name" "$core" "$pyver" ${req:+"$ROOT/$req"} >"$WORK/venv-$name.log" 2>&1 ) &
        pids+=($!); names+=("$name")
    done
    local i failed=0
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            echo "could not build the venv ${names[$i]}:"; cat "$WORK/venv-${names[$i]}.log"; failed=1
        fi
    done
    return $failed
}
ensure_system_packages
log "virtual environments"
prepare_venvs || exit 1
for lane in "${LANES[@]}"; do
    read -r series _ <<<"$lane"
    install_getpip_shim "$ROOT/.venv-$series"
    export "V${series//./}=$ROOT/.venv-$series"
done
export VTOOLS216="$ROOT/.venv-tools-2.16" VTOOLS221="$ROOT/.venv-tools"
build_collection
export ROOT BUILD BUILD_PARENT OLDEST NEWEST

# Longest first: the oldest and newest lanes (with integration), molecule, then the rest.
scripts=()
for script in "$ROOT"/scripts/test.d/*.sh; do
    [ -e "$script" ] || continue
    if want_step "$(basename "$script" .sh)"; then scripts+=("$script"); fi
done
ordered_lanes=()
for lane in "${LANES[@]}"; do
    read -r series _ <<<"$lane"
    if [ "$series" = "$OLDEST" ] || [ "$series" = "$NEWEST" ]; then ordered_lanes=("$lane" "${ordered_lanes[@]}")
    else ordered_lanes+=("$lane"); fi
done
run_lanes() {
    local lane series py
    for lane in "$@"; do
        read -r series py <<<"$lane"
        if wants_lane "$series"; then job "lane-$series" lane "$series" "$py"; fi
    done
}
run_step() { cd "$BUILD" && step "$1" bash "$2"; }  # a test.d step, from the steps' copy
if wants sanity || wants units || wants integration; then
    run_lanes "${ordered_lanes[@]:0:2}"
fi
for script in "${scripts[@]}"; do  # molecule first among the steps
    if [ "$(basename "$script")" = molecule.sh ]; then job molecule run_step molecule "$script"; fi
done
if wants sanity || wants units || wants integration; then
    run_lanes "${ordered_lanes[@]:2}"
fi
for script in "${scripts[@]}"; do
    name="$(basename "$script" .sh)"
    if [ "$name" != molecule ]; then job "$name" run_step "$name" "$script"; fi
done
wait

passed=$(grep -c '^ok ' "$RESULTS"); failed=$(grep -c '^FAILED ' "$RESULTS")
echo
grep '^ok ' "$RESULTS" | sed 's/^ok /passed step: /'
grep '^FAILED ' "$RESULTS" | sed 's/^FAILED /failed step: /'
echo "took $(( (SECONDS - SUITE_START) / 60 )) min $(( (SECONDS - SUITE_START) % 60 )) s with $JOBS jobs at once"
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
