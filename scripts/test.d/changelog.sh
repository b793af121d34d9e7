#!/usr/bin/env bash
# Test step "changelog": the release notes stay releasable.
#  1. `antsibull-changelog lint` (every fragment of changelogs/fragments) and lint-changelog-yaml.
#  2. A fragment for every change since the last release: the last release is the last commit
#     that changed CHANGELOG.rst (only `antsibull-changelog release` writes it). If plugins/ or
#     roles/ differ from that commit (committed or not), changelogs/fragments must hold at least
#     one fragment. Needs the git history of the repository (a full clone).
#  3. `antsibull-changelog release` on a throwaway copy: CHANGELOG.rst gets a section for the
#     version of galaxy.yml, and every module, plugin and role belongs to a release, that is,
#     carries the version_added of the release that brought it.
# Run by scripts/test.sh (bash scripts/test.sh changelog) from $BUILD with ROOT BUILD BUILD_PARENT.
set -uo pipefail
build="$BUILD"
source "$ROOT/scripts/env.sh"
BUILD="$build"
ensure_venv release 2.19 3.11 "$ROOT/requirements-release.txt" || exit 1
export PATH="$VENV/bin:$PATH"
failed=()

log "changelog: lint"
(cd "$BUILD" && antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml) \
    || failed+=(lint)

log "changelog: a fragment for the changes since the last release"
fragment_check() {
    local release changed fragments
    release="$(git -C "$ROOT" log -1 --format=%H -- CHANGELOG.rst 2>/dev/null)"
    if [ -z "$release" ]; then
        echo "no commit changed CHANGELOG.rst: the check needs the repository's git history (a full clone)"
        return 1
    fi
    changed="$( { git -C "$ROOT" diff --name-only "$release" -- plugins roles
                  git -C "$ROOT" ls-files --others --exclude-standard -- plugins roles; } | sort -u)"
    fragments="$(find "$ROOT/changelogs/fragments" -maxdepth 1 -type f \( -name '*.yml' -o -name '*.yaml' \) 2>/dev/null | wc -l)"
    echo "last release: $(git -C "$ROOT" log -1 --format='%h (%ad)' --date=short "$release"); " \
        "$(printf '%s' "$changed" | grep -c .) file(s) of plugins/ and roles/ changed since; $fragments fragment(s)"
    if [ -n "$changed" ] && [ "$fragments" -eq 0 ]; then
        echo "plugins/ or roles/ changed since the last release and changelogs/fragments is empty:"
        echo "add one: changelogs/fragments/<short-name>.yml, with a section of changelogs/config.yaml"
        return 1
    fi
}
fragment_check || failed+=(fragments)

log "changelog: antsibull-changelog release on a copy"
release_check() {
    local work version
    work="$(mktemp -d)"
    # shellcheck disable=SC2064  # expand now: $work is local
    trap "rm -rf '$work'" RETURN
    mkdir -p "$work/ansible_collections/apiauth"
    cp -a "$BUILD" "$work/ansible_collections/apiauth/sessions"
    cd "$work/ansible_collections/apiauth/sessions" || return 1
    version="$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')"
    antsibull-changelog release || return 1
    grep -q "^v$version\$" CHANGELOG.rst || { echo "CHANGELOG.rst has no section v$version"; return 1; }
    python - <<'PY'
# Every plugin, module and role ansible-doc knows must be listed in a release of changelog.yaml.
import sys
import yaml

cache = yaml.safe_load(open('changelogs/.plugin-cache.yaml'))
releases = yaml.safe_load(open('changelogs/changelog.yaml'))['releases']
listed = set()
for release in releases.values():
    for kind in ('plugins', 'objects'):
        for ptype, items in (release.get(kind) or {}).items():
            listed.update((ptype, item['name']) for item in items)
    listed.update(('module', item['name']) for item in release.get('modules') or [])
missing = []
for kind in ('plugins', 'objects'):
    for ptype, items in cache[kind].items():
        for name, item in items.items():
            if (ptype, name) not in listed:
                missing.append('%s %s (version_added: %s)' % (ptype, name, item.get('version_added')))
if missing:
    print('in no release of the changelog (version_added missing or never released):')
    print('\n'.join('  ' + m for m in sorted(missing)))
    sys.exit(1)
print('changelog: %d plugins, modules and roles, each in the release that brought it; CHANGELOG.rst has v%s'
      % (len(listed), yaml.safe_load(open('galaxy.yml'))['version']))
PY
}
release_check || failed+=(release)

[ ${#failed[@]} -eq 0 ] || { echo "changelog: failed: ${failed[*]}"; exit 1; }
