#!/usr/bin/env bash
# The module path over a real non-local connection: the same ITSM-NG tasks run once on
# localhost (connection local: in the worker process) and once on a host reached with ssh
# (OpenSSH's sshd, started here on 127.0.0.1 with its own keys in a temp dir: Debian package
# openssh-server, ssh client from openssh-client). The results must be the same, the ssh run
# must really be module processes, and no long-lived secret may show at -vvvv.
set -eux
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"

py="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
SSHD="$(command -v sshd || echo /usr/sbin/sshd)"
[ -x "$SSHD" ] || { echo "sshd not found: install openssh-server (and openssh-client)" >&2; exit 1; }

WORK="$(mktemp -d)"
SSHD_PID=
stop_all() {
    if [ -n "$SSHD_PID" ]; then kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; fi
    emulators_stop
    rm -rf "$WORK"
}
trap stop_all EXIT

# sshd: its own host key, one client key, on a free high port of 127.0.0.1 only.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client_key"
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
chmod 700 "$WORK"
PORT="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$WORK/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $PORT
HostKey $WORK/host_key
AuthorizedKeysFile $WORK/authorized_keys
PidFile $WORK/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers $(id -un)
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
CONF
# sshd started as root wants its privilege separation directory.
if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd; fi
"$SSHD" -D -e -f "$WORK/sshd_config" </dev/null >/dev/null 2>"$WORK/sshd.log" &
SSHD_PID=$!
for _ in $(seq 1 50); do
    "$py" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PORT" 2>/dev/null && break
    kill -0 "$SSHD_PID" 2>/dev/null || { cat "$WORK/sshd.log" >&2; exit 1; }
    sleep 0.1
done

emulators_start itsmng
trap stop_all EXIT  # emulators_start set its own
# No ssh master left behind when the test ends (it would outlive sshd by ControlPersist).
export ANSIBLE_SSH_ARGS='-C -o ControlMaster=no'
cat >"$WORK/inventory" <<INV
localhost ansible_connection=local ansible_python_interpreter=$py
sshhost ansible_host=127.0.0.1 ansible_port=$PORT ansible_user=$(id -un) ansible_connection=ssh ansible_python_interpreter=$py ansible_ssh_private_key_file=$WORK/client_key ansible_ssh_common_args='-o UserKnownHostsFile=$WORK/known_hosts -o StrictHostKeyChecking=accept-new'
INV
export ANSIBLE_INVENTORY="$WORK/inventory"

ansible-playbook play.yml -e @"$EMU_VARS" -e target=localhost -e out="$WORK/localhost.json" "$@"
rc=0
ansible-playbook play.yml -vvvv -e @"$EMU_VARS" -e target=sshhost -e out="$WORK/sshhost.json" \
    >"$WORK/ssh.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then tail -n 150 "$WORK/ssh.log"; exit "$rc"; fi

set +x
# It really went over ssh, as module processes.
grep -q 'ESTABLISH SSH CONNECTION' "$WORK/ssh.log" || { echo "no ssh connection in the log" >&2; exit 1; }
for module in itsmng_session itsmng_session_info itsmng_active_profile itsmng_active_entities itsmng_password_reset; do
    grep -q "AnsiballZ_$module.py" "$WORK/ssh.log" || { echo "$module did not run as a module over ssh" >&2; exit 1; }
done
# No long-lived secret (user token, App-Token) anywhere in the -vvvv output.
for secret in V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b; do
    if grep -qF -- "$secret" "$WORK/ssh.log"; then echo "a long-lived secret shows in the ssh run's output" >&2; exit 1; fi
done
# The same results both ways (session tokens differ from run to run; ansible-core's own
# bookkeeping keys and the shape of warnings are not the module's).
"$py" - "$WORK/localhost.json" "$WORK/sshhost.json" <<'PY'
import json, sys

TOKENS = ('session_token', 'Session-Token')
SKIP = ('exception', 'warnings', 'deprecations', '_ansible_no_log', '_ansible_parsed', 'ansible_loop_var', 'item',
        'ansible_facts', 'tokens', 'requests')


def seen(value):
    if isinstance(value, dict):
        return dict((k, '<token>' if k in TOKENS and isinstance(v, str) else seen(v))
                    for k, v in value.items() if k not in SKIP)
    if isinstance(value, list):
        return [seen(v) for v in value]
    return value


here, there = (seen(json.load(open(path))) for path in sys.argv[1:3])
if here != there:
    for name in sorted(set(here) | set(there)):
        if here.get(name) != there.get(name):
            print('%s differs:\n  local: %s\n  ssh:   %s' % (name, here.get(name), there.get(name)))
    sys.exit(1)
if not (here['stats']['live_sessions'] == 0 and here['opened']['changed'] and here['refused'].get('failed')):
    sys.exit('unexpected results: %s' % here)
print('same results on both paths: %d tasks' % len(here))
PY
