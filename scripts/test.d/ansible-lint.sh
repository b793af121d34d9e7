#!/usr/bin/env bash
# ansible-lint, production profile (.ansible-lint), over the roles and playbooks of the built
# collection. Run by scripts/test.sh from $BUILD; offline (nothing installed, no version check).
set -uo pipefail
source "$ROOT/scripts/env.sh"
ensure_venv tools 2.21 3.13 "$ROOT/requirements-tools.txt" || exit 1
cd "$BUILD" || exit 1

export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT" ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1 NO_COLOR=1
paths=()
for dir in roles playbooks; do [ -d "$dir" ] && paths+=("$dir"); done
[ ${#paths[@]} -gt 0 ] || { echo "ansible-lint: no roles/ or playbooks/ to lint" >&2; exit 1; }
ansible-lint --offline -c .ansible-lint "${paths[@]}"
