#!/usr/bin/env bash
# saymon_auth_token against the SAYMON emulator over real HTTP on 127.0.0.1.
set -eux
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"

py="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
WORK="$(mktemp -d)"
# Fresh, distinctive passwords per run (a hit in the -vvvv log cannot be a coincidence). They
# are written to files only, so that `set -x` never prints them: the emulator's config, the
# playbooks' vars, and the list of strings the log must not contain (password, user:password
# and the base64 Basic credential of each user).
"$py" - "$WORK" <<'PY'
import base64, json, os, secrets, sys
work = sys.argv[1]
pw = {login: '%s-Saymon-%s' % (login, secrets.token_hex(12)) for login in ('admin', 'alice', 'bob')}
with open(os.path.join(work, 'emulator.json'), 'w') as f:
    json.dump({'saymon': {'users': {login: {'password': p} for login, p in pw.items()}}}, f)
with open(os.path.join(work, 'secrets.json'), 'w') as f:
    json.dump({'saymon_pw': pw}, f)
with open(os.path.join(work, 'needles'), 'w') as f:
    for login, p in pw.items():
        pair = '%s:%s' % (login, p)
        f.write('\n'.join([p, pair, base64.b64encode(pair.encode()).decode()]) + '\n')
PY

emulators_start saymon --config "$WORK/emulator.json"
trap 'emulators_stop; rm -rf "$WORK"' EXIT

ansible-playbook main.yml -e @"$EMU_VARS" -e @"$WORK/secrets.json" "$@"

# Secrets: a -vvvv run of the module in every outcome must not show a password or Basic credential.
rc=0
ansible-playbook secrets.yml -vvvv -e @"$EMU_VARS" -e @"$WORK/secrets.json" >"$WORK/vvvv.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then tail -n 80 "$WORK/vvvv.log"; exit "$rc"; fi
# The log is the real thing: it holds the module's runs and the token it returned usable.
grep -q 'apiauth.sessions.saymon_auth_token' "$WORK/vvvv.log"
grep -q '"api-token": "[0-9a-f-]\{36\}"' "$WORK/vvvv.log"
hits="$(grep -c -F -f "$WORK/needles" "$WORK/vvvv.log" || true)"
if [ "$hits" != "0" ]; then echo "FAIL: $hits line(s) of the -vvvv log show a password or Basic credential" >&2; exit 1; fi
echo "secrets check: 0 hits in $(wc -l <"$WORK/vvvv.log") lines of -vvvv output"
