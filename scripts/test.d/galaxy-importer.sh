#!/usr/bin/env bash
# Test step "galaxy-importer": galaxy-importer, what Galaxy and Automation Hub run on an upload,
# on the artifact `ansible-galaxy collection build` makes (docs of every plugin, ansible-lint
# production profile, flake8, changelog, tags, no sanity ignore file), with the settings of
# galaxy-importer.cfg beside this script. Any warning or error fails the step.
# Run by scripts/test.sh (bash scripts/test.sh galaxy-importer) from $BUILD with ROOT BUILD.
set -uo pipefail
build="$BUILD"
source "$ROOT/scripts/env.sh"
BUILD="$build"
ensure_venv release 2.19 3.11 "$ROOT/requirements-release.txt" || exit 1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$VENV/bin/ansible-galaxy" collection build --output-path "$work/dist" "$BUILD" >/dev/null || exit 1
tarball="$(ls "$work"/dist/apiauth-sessions-*.tar.gz)"
cd "$work" || exit 1  # galaxy-importer writes importer_result.json here
PATH="$VENV/bin:$PATH" GALAXY_IMPORTER_CONFIG="$ROOT/scripts/test.d/galaxy-importer.cfg" \
    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$work/ansible-tmp" \
    "$VENV/bin/python" -m galaxy_importer.main "$tarball" >"$work/importer.log" 2>&1
rc=$?
cat "$work/importer.log"
problems="$(grep -cE '^(WARNING|ERROR)' "$work/importer.log")"
echo "galaxy-importer: $(basename "$tarball"), $(du -k "$tarball" | cut -f1) KiB," \
     "$(tar -tzf "$tarball" | grep -vc '/$') files; $problems warning(s) or error(s), exit code $rc"
[ "$rc" -eq 0 ] && [ "$problems" -eq 0 ] && grep -q 'Importer processing completed successfully' "$work/importer.log"
