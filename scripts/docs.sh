#!/usr/bin/env bash
# Build the documentation site: module, lookup, callback and role pages (antsibull-docs, from
# the plugins' own DOCUMENTATION/EXAMPLES/RETURN and the roles' meta/argument_specs.yml) and
# the guides of docs/ (Markdown), into one Sphinx site. Strict: the collection docs are linted
# first, and any antsibull-docs error or Sphinx warning fails the build.
#
#   bash scripts/docs.sh [OUTPUT_DIR]     (default docs/_build; the site is OUTPUT_DIR/html)
#
# Tools come from a venv of their own (.venv-docs, requirements-docs.txt). Offline.
set -euo pipefail
given_build="${BUILD:-}" given_parent="${BUILD_PARENT:-}"
source "$(dirname "$0")/env.sh"
ensure_venv docs 2.21 3.13 "$ROOT/requirements-docs.txt"
if [ -n "$given_build" ] && [ -f "$given_build/galaxy.yml" ]; then
    BUILD="$given_build" BUILD_PARENT="$given_parent"   # the test runner's copy
else
    build_collection                                     # a fresh copy of the working tree
fi
out="$(mkdir -p "${1:-$ROOT/docs/_build}" && cd "${1:-$ROOT/docs/_build}" && pwd)"
export ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT" PATH="$VENV/bin:$PATH"

log "docs: lint the collection docs (markup, references to plugins and options)"
antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent \
    --disallow-unknown-collection-refs "$BUILD"

log "docs: render the plugin and role pages"
src="$out/src"
rm -rf "$src" "$out/html" "$out/doctrees"
mkdir -p "$src/collection"
chmod og-w "$src/collection"  # antsibull-docs wants its output directory writable only by itself
antsibull-docs --config-file "$ROOT/docs/site/antsibull-docs.cfg" collection --use-current \
    --squash-hierarchy --fail-on-error --cleanup everything --dest-dir "$src/collection" apiauth.sessions

log "docs: the guides"
cp "$ROOT/docs/site/conf.py" "$ROOT/docs/site/index.rst" "$src/"
"$VENV/bin/python" - "$ROOT/docs/site/ansible-docs.inv.txt" "$src/ansible-docs.inv" <<'PY'
# The intersphinx inventory (v2: four header lines, then the zlib-compressed entries).
import sys, zlib
lines = [l for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
with open(sys.argv[2], 'wb') as out:
    out.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              b'# The remainder of this file is compressed using zlib.\n')
    out.write(zlib.compress(''.join(lines).encode('utf-8')))
PY
mkdir -p "$src/guides/awx"
cp "$ROOT"/docs/*.md "$src/guides/"
# the AWX guide with the files it links to (credential types, EE definition)
rsync -a --exclude '*.tar.gz' "$ROOT/docs/awx/" "$src/guides/awx/"

log "docs: build the site (warnings are errors)"
sphinx-build -q -W --keep-going -n -b html -d "$out/doctrees" "$src" "$out/html"
echo "docs: $out/html/index.html"
