#!/usr/bin/env bash
# The benchmarks: bash tests/bench/run.sh [--quick] [--full] [--repeat N] [--no-doc] [--keep]
# Builds (or reuses) the ansible-core 2.19 venv and a copy of the collection, then runs
# tests/bench/run.py, which starts the ITSM-NG emulator on 127.0.0.1, prints the tables and
# rewrites the figures section of docs/performance.md, then tests/bench/act.py (the act step three
# ways: request module, uri with the lookup's headers, uri with init and kill by hand), which
# rewrites its own section there. Not part of the test suite.
set -euo pipefail
STARTED="$(date +%s)"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# A build directory of its own, so that a test run at the same time is not disturbed.
export APIAUTH_BUILD_DIR="${APIAUTH_BUILD_DIR:-${TMPDIR:-/tmp}/apiauth-bench-$(id -u)}"
source "$HERE/../../scripts/env.sh"
ensure_system_packages
ensure_venv 2.19 2.19 3.11
build_collection
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]; then COMMIT="$COMMIT with local changes"; fi
status=0
"$VENV/bin/python" "$BUILD/tests/bench/run.py" --collections "$BUILD_PARENT" \
    --doc "$ROOT/docs/performance.md" --started "$STARTED" --commit "$COMMIT" "$@" || status=$?
# The act step three ways in the same run: the request module, uri with the lookup's headers, uri with
# a hand-written init and kill (its own section of docs/performance.md).
QUICK=()
DOC=(--doc "$ROOT/docs/performance.md")
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=(--quick) ;;
        --no-doc) DOC=() ;;
    esac
done
"$VENV/bin/python" "$BUILD/tests/bench/act.py" --collections "$BUILD_PARENT" "${DOC[@]}" "${QUICK[@]}" || status=$?
exit "$status"
