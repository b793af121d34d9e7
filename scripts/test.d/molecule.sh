#!/usr/bin/env bash
# Molecule: `molecule test` for every scenario of extensions/molecule (one per lifecycle role,
# and lifecycle_failure) against the API emulators on 127.0.0.1, then a secrets check over
# everything they printed at -vvvv. Run by scripts/test.sh from $BUILD (the built collection).
set -uo pipefail
source "$ROOT/scripts/env.sh"
ensure_venv tools 2.21 3.13 "$ROOT/requirements-tools.txt" || exit 1
cd "$BUILD" || exit 1

export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT"  # the built collection, nothing installed elsewhere
export ANSIBLE_VERBOSITY=4                        # for the secrets check below
export ANSIBLE_NOCOLOR=1 NO_COLOR=1 ANSIBLE_FORCE_COLOR=0
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

passed=0; failed=0
scenarios=()
for file in extensions/molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$file")")"); done
[ ${#scenarios[@]} -gt 0 ] || { echo "no molecule scenario found" >&2; exit 1; }

for scenario in "${scenarios[@]}"; do
    start=$SECONDS
    # A private working directory: molecule's default (~/.ansible/tmp/molecule.<hash of the
    # folder name "sessions">.<scenario>) is shared by every copy of the collection, so two
    # runs at once (two developers, or CI) would stop each other's emulators.
    if MOLECULE_EPHEMERAL_DIRECTORY="$logs/work-$scenario" \
            molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1; then
        passed=$((passed + 1)); echo "ok: $scenario ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1)); echo "FAILED: $scenario ($((SECONDS - start)) s); its failures and summary:"
        grep -n -A 40 -E '^fatal:|FAILED!|^ERROR!|\[ERROR\]' "$logs/$scenario.log" | head -n 200
        grep -v '^[[:space:]]*$' "$logs/$scenario.log" | tail -n 15
    fi
    # Should molecule's own cleanup not have run, stop the emulator it started (by its pid).
    extensions/molecule/shared/emulator.sh stop "$logs/work-$scenario"
done

# Long-lived secrets (molecule_secrets in shared/vars/main.yml) must appear in no output at any
# verbosity. An empty secret list or an empty log would prove nothing: both fail the check.
outputs=("$logs"/*.log)
secrets="$(python -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["molecule_secrets"]))' \
    extensions/molecule/shared/vars/main.yml)" || exit 1
if [ "$(printf '%s\n' "$secrets" | grep -c .)" -lt 5 ]; then
    echo "FAILED: secrets check: no secrets read from extensions/molecule/shared/vars/main.yml"; failed=$((failed + 1))
elif ! grep -q -- 'ESTABLISH LOCAL CONNECTION FOR USER' "${outputs[@]}"; then
    echo "FAILED: secrets check: the logs hold no -vvvv output"; failed=$((failed + 1))
elif printf '%s\n' "$secrets" | grep -l -F --file=- -- "${outputs[@]}"; then
    echo "FAILED: secrets check: a secret was printed in the log(s) above"; failed=$((failed + 1))
else
    passed=$((passed + 1)); echo "ok: no secret in $(cat "${outputs[@]}" | wc -c) bytes of -vvvv output"
fi

echo "molecule: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
