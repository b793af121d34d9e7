#!/usr/bin/env bash
# ITSM-NG modules over real HTTP against the emulator, once as ITSM-NG 1.4 and once as GLPI 10.
set -eux
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"

for flavour in itsmng glpi10; do
    emulators_start itsmng --flavour "$flavour"
    for play in session profiles_entities password_reset errors; do
        ansible-playbook "$play.yml" -e @"$EMU_VARS" -e flavour="$flavour" "$@"
    done
    emulators_stop
done

# HTTPS: the certificate check, ca_path, and validate_certs=false with its warning.
emulators_start itsmng --tls
ansible-playbook tls.yml -e @"$EMU_VARS" "$@"
emulators_stop

# Secrets: every module, failing calls included, at -vvvv; no long-lived secret anywhere in the
# output, and the session token only in the results of the tasks that opened or reused it.
emulators_start itsmng
out="$(mktemp -d)"
ansible-playbook secrets.yml -vvvv -e @"$EMU_VARS" -e out_dir="$out" >"$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
python check_secrets.py "$out/run.log" "$out/session_token" \
    --secret 'Sx-itsm-Pw-4d1f0c8e' --secret V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA \
    --secret mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b --secret 'Sx-new-Pw-93b7aa21' \
    --allowed-task 'open a session' --allowed-task 'reuse the session'
rm -rf "$out"
emulators_stop

# The README's example, run with --check as a new user would (with the callback the README
# enables in ansible.cfg): it must leave no session open.
emulators_start itsmng
work="$(mktemp -d)"
python readme_check.py "$(collection_root)/README.md" "$(emulator_url itsmng url)" "$work/example.yml"
ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup ansible-playbook "$work/example.yml" --check -e @vars.yml -e @"$EMU_VARS" \
    -e vault_app_token='{{ app_token }}' -e vault_user_token='{{ user_token }}' "$@"
ansible-playbook readme_check_stats.yml -e @"$EMU_VARS" "$@"
rm -rf "$work"
emulators_stop

# Sessions the module opened and no task ended (meta end_play) are ended by the callback.
emulators_start itsmng
ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup ansible-playbook end_play.yml -e @"$EMU_VARS" "$@"
ansible-playbook end_play_stats.yml -e @"$EMU_VARS" "$@"
emulators_stop
