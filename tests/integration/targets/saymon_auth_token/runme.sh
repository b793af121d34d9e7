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

# Credentials in the controller's environment, as AWX injects them (read quietly: set -x
# would print the value).
{ set +x; } 2>/dev/null
export SAYMON_USERNAME=admin
SAYMON_PASSWORD="$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["saymon_pw"]["admin"])' "$WORK/secrets.json")"
export SAYMON_PASSWORD
set -x

# Secrets: a -vvvv run of the module in every outcome must not show a password or Basic credential.
rc=0
ansible-playbook secrets.yml -vvvv -e @"$EMU_VARS" -e @"$WORK/secrets.json" >"$WORK/vvvv.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then tail -n 80 "$WORK/vvvv.log"; exit "$rc"; fi
# The log is the real thing: it holds the module's results (run in the worker process, the
# connection being local) and the token it returned usable.
grep -q '"api-token": "[0-9a-f-]\{36\}"' "$WORK/vvvv.log"
# Tokens come back usable in results, yet every invocation echo keeps the no_log auth_token masked.
"$py" - "$WORK/vvvv.log" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding='utf-8', errors='replace').read().splitlines()
uuid = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
masked = echoes = 0
for i, line in enumerate(lines):
    if line.strip() != '"module_args": {':
        continue
    end = line[:len(line) - len(line.lstrip())] + '}'
    block = []
    for other in lines[i + 1:i + 200]:
        if other.startswith(end):
            break
        block.append(other)
    echoes += 1
    text = '\n'.join(block)
    assert not uuid.search(text), 'a token in an invocation echo:\n' + text
    masked += '"auth_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in text
# ansible-core 2.19 prints the invocation at -vvvv; 2.20+ no longer does (nothing to check then).
assert masked >= 2 or not echoes, 'expected the masked auth_token in the invocation echoes, found %d' % masked
print('invocation echoes checked: %d, %d with auth_token masked' % (echoes, masked))
PY
hits="$(grep -c -F -f "$WORK/needles" "$WORK/vvvv.log" || true)"
if [ "$hits" != "0" ]; then echo "FAIL: $hits line(s) of the -vvvv log show a password or Basic credential" >&2; exit 1; fi
echo "secrets check: 0 hits in $(wc -l <"$WORK/vvvv.log") lines of -vvvv output"
