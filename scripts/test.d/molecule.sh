#!/usr/bin/env bash
# Molecule: `molecule test` for every scenario of extensions/molecule (one per lifecycle role,
# and lifecycle_failure) against the API emulators on 127.0.0.1, on the oldest and the newest
# ansible-core (2.16 and 2.21), then a secrets check over everything they printed at -vvvv.
# Run by scripts/test.sh from $BUILD (the built collection), with the tool venvs it prepared
# (VTOOLS216, VTOOLS221); run alone, it builds them.
set -uo pipefail
source "$ROOT/scripts/env.sh"
venvs=()
for spec in "VTOOLS216 tools-2.16 2.16 3.10" "VTOOLS221 tools 2.21 3.13"; do
    read -r given name core py <<<"$spec"
    if [ -n "${!given:-}" ]; then
        venvs+=("${!given}")
    else
        ensure_venv "$name" "$core" "$py" "$ROOT/requirements-tools.txt" || exit 1
        venvs+=("$VENV")
    fi
done
cd "$BUILD" || exit 1

export ANSIBLE_COLLECTIONS_PATH="$BUILD_PARENT"  # the built collection, nothing installed elsewhere
export ANSIBLE_VERBOSITY=4                        # for the secrets check below
export ANSIBLE_NOCOLOR=1 NO_COLOR=1 ANSIBLE_FORCE_COLOR=0
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

passed=0; failed=0
scenarios=()
for file in extensions/molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$file")")"); done
[ ${#scenarios[@]} -gt 0 ] || { echo "no molecule scenario found" >&2; exit 1; }

for venv in "${venvs[@]}"; do
    core="$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')" || exit 1
    for scenario in "${scenarios[@]}"; do
        start=$SECONDS
        run="$scenario-$core"
        # A private working directory: molecule's default (~/.ansible/tmp/molecule.<hash of the
        # folder name "sessions">.<scenario>) is shared by every copy of the collection, so two
        # runs at once (two developers, or CI) would stop each other's emulators.
        if PATH="$venv/bin:$PATH" MOLECULE_EPHEMERAL_DIRECTORY="$logs/work-$run" \
                molecule test -s "$scenario" >"$logs/$run.log" 2>&1; then
            passed=$((passed + 1)); echo "ok: $scenario, ansible-core $core ($((SECONDS - start)) s)"
        else
            failed=$((failed + 1))
            echo "FAILED: $scenario, ansible-core $core ($((SECONDS - start)) s); its failures and summary:"
            grep -n -A 40 -E '^fatal:|FAILED!|^ERROR!|\[ERROR\]' "$logs/$run.log" | head -n 200
            grep -v '^[[:space:]]*$' "$logs/$run.log" | tail -n 15
        fi
        # Should molecule's own cleanup not have run, stop the emulator it started (by its pid).
        extensions/molecule/shared/emulator.sh stop "$logs/work-$run"
    done
done

# Long-lived secrets (molecule_secrets in shared/vars/main.yml) must appear in no output at any
# verbosity. An empty secret list or an empty log would prove nothing: both fail the check.
outputs=("$logs"/*.log)
secrets="$("${venvs[0]}/bin/python" -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["molecule_secrets"]))' \
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
