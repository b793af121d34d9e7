#!/usr/bin/env bash
# Test step "complexity": no function in plugins/ above cyclomatic complexity 15 (flake8's
# mccabe check, C901). flake8 comes with galaxy-importer in the release venv (galaxy-importer
# runs it on every upload), so this step adds no tool of its own.
# Run by scripts/test.sh (bash scripts/test.sh complexity) from $BUILD with ROOT BUILD.
set -uo pipefail
build="$BUILD"
source "$ROOT/scripts/env.sh"
BUILD="$build"
ensure_venv release 2.19 3.11 "$ROOT/requirements-release.txt" || exit 1
cd "$BUILD" || exit 1
"$VENV/bin/python" -m flake8 --isolated --select=C901 --max-complexity=15 plugins/
rc=$?
echo "complexity: $(find plugins -name '*.py' | wc -l) files of plugins/, no function above 15: $([ "$rc" -eq 0 ] && echo yes || echo no)"
exit "$rc"
