#!/usr/bin/env bash
# ansible-lint, production profile (.ansible-lint), over the whole collection as a user runs it:
# `ansible-lint` from the root, no path, no collection path set. ansible-lint makes the
# collection itself resolvable; it installs nothing else and checks for no newer schema.
# Run by scripts/test.sh from $BUILD (a copy of the repository).
set -uo pipefail
source "$ROOT/scripts/env.sh"
ensure_venv tools 2.21 3.13 "$ROOT/requirements-tools.txt" || exit 1
cd "$BUILD" || exit 1

export PATH="$VENV/bin:$PATH"
export ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1 NO_COLOR=1
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
ansible-lint
