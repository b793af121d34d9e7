#!/usr/bin/env bash
# Test step "docs": build the documentation site with scripts/docs.sh (strict: lint, then
# antsibull-docs --fail-on-error, then sphinx-build -W) and check that every module, lookup,
# callback and role present has its page with examples, and that the guides are in the site.
# Run by scripts/test.sh (bash scripts/test.sh docs) from $BUILD with ROOT BUILD BUILD_PARENT.
set -euo pipefail
export BUILD BUILD_PARENT
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
bash "$ROOT/scripts/docs.sh" "$out"
"$ROOT/.venv-docs/bin/python" "$ROOT/docs/site/check_site.py" "$BUILD" "$out/html"
