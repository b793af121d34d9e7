#!/usr/bin/env bash
# Integration test of bluecat_session against the BlueCat emulator (real HTTP on 127.0.0.1).
set -eux
cd "$(dirname "$0")"
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start bluecat --config "$PWD/emulator.json"

ansible-playbook main.yml -e @"$EMU_VARS" "$@"

# -vvvv: no password, and no Basic form of one, anywhere in the output.
set +x
log="$EMU_TMP/vvvv.log"
ansible-playbook secrets.yml -e @"$EMU_VARS" -vvvv >"$log" 2>&1 || { tail -n 50 "$log"; exit 1; }
user="$(sed -n 's/^bc_username: *//p' vars.yml)"
secrets=()
for key in bc_password bc_wrong_password; do
    password="$(sed -n "s/^$key: *//p" vars.yml)"
    [ "${#password}" -ge 20 ] || { echo "$key missing from vars.yml"; exit 1; }
    secrets+=("$password" "$(printf '%s:%s' "$user" "$password" | base64)")
done
grep -q 'PLAY RECAP' "$log" || { echo "the -vvvv run left no output to check"; exit 1; }
# The module results must be in the log (else the grep below proves nothing).
grep -q '"expires_in": ' "$log" || { echo "no bluecat_session result in the -vvvv output"; exit 1; }
hits=0
for secret in "${secrets[@]}"; do
    if grep -nF -- "$secret" "$log" >/dev/null; then
        echo "LEAK: a secret (${#secret} characters) appears in the -vvvv output"
        hits=$((hits + 1))
    fi
done
[ "$hits" -eq 0 ]
echo "secrets check passed: ${#secrets[@]} secrets, $(wc -l <"$log") lines of -vvvv output"
