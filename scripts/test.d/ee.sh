#!/usr/bin/env bash
# Test step "ee": an AWX / AAP execution environment with this collection. Builds the
# collection tarball, runs `ansible-builder create` on docs/awx/execution-environment.yml (no
# container engine needed), and checks the context: Containerfile, the collection tarball,
# and the Python requirements the image build would install (requests, jmespath), found by
# running the context's own introspect script as the build does.
# Run by scripts/test.sh (bash scripts/test.sh ee) from $BUILD with ROOT BUILD BUILD_PARENT.
set -euo pipefail
build="$BUILD" build_parent="$BUILD_PARENT"
source "$ROOT/scripts/env.sh"
BUILD="$build" BUILD_PARENT="$build_parent"  # the runner's, not env.sh's defaults
ensure_venv awx 2.21 3.13 "$ROOT/requirements-awx.txt"
cd "$BUILD"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$VENV/bin/ansible-galaxy" collection build --output-path "$work/dist" "$BUILD" >/dev/null
mkdir "$work/ee"
cp docs/awx/execution-environment.yml "$work/ee/"
cp "$work"/dist/apiauth-sessions-*.tar.gz "$work/ee/apiauth-sessions.tar.gz"
"$VENV/bin/ansible-builder" create -f "$work/ee/execution-environment.yml" -c "$work/context" \
    --output-filename Containerfile
"$VENV/bin/python" tests/awx/check_ee_context.py "$work/context" "$work"
