#!/usr/bin/env bash
# TLS: every module and the lookup against the four emulators serving HTTPS with a test CA.
set -eux
source "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions/tests/emulators/lib.sh"
emulators_start itsmng,bluecat,saymon,ipcortex --tls

OUT="${OUTPUT_DIR:-$(mktemp -d)}"
PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
{
    echo '[systems]'
    for system in itsmng bluecat saymon ipcortex; do echo "$system"; done
    echo '[systems:vars]'
    echo 'ansible_connection=local'
    echo "ansible_python_interpreter=$PY"
} >"$OUT/tls.inventory"
# Another CA, unrelated to the emulators': the wrong ca_path of T4, and REQUESTS_CA_BUNDLE for
# the whole run (AWX execution environments set it), which must not override ca_path or
# validate_certs=false.
"$PY" -c 'import sys, trustme; trustme.CA().cert_pem.write_to_path(sys.argv[1])' "$OUT/other-ca.pem"
export REQUESTS_CA_BUNDLE="$OUT/other-ca.pem" CURL_CA_BUNDLE="$OUT/other-ca.pem" ANSIBLE_FORKS=4

ansible-playbook tls.yml -i "$OUT/tls.inventory" -e @"$EMU_VARS" -e other_ca="$OUT/other-ca.pem" "$@" \
    2>&1 | tee "$OUT/tls.log"
[ "${PIPESTATUS[0]}" = 0 ]

# The warning of validate_certs=false reaches the output, for every module and the lookup.
# (ansible-core before 2.19 wraps warnings at 80 columns: the logs are read as one line.)
set +x
tr -s ' \n' '  ' <"$OUT/tls.log" >"$OUT/tls.flat"
for name in 'ITSM-NG / GLPI' 'BlueCat Address Manager' 'SAYMON' 'IPCortex'; do
    grep -q "WARNING\]: $name: TLS certificate verification is off for https://127.0.0.1:" "$OUT/tls.flat" \
        || { echo "no TLS warning from the $name module in the output" >&2; exit 1; }
done
for name in 'ITSM-NG' 'BlueCat Address Manager' 'SAYMON' 'IPCortex'; do
    grep -q "WARNING\]: apiauth.sessions.token: TLS certificate verification is off for $name" "$OUT/tls.flat" \
        || { echo "no TLS warning from the lookup ($name) in the output" >&2; exit 1; }
done
echo 'TLS warnings: present for the four modules and the lookup'
set -x

# Failures only: a refused login with validate_certs=false still warns; a certificate for
# another host name is said with the host name. A server of its own, stopped with the test.
"$PY" wrong_host.py "$OUT" 300 &
WRONG_PID=$!
trap 'kill "$WRONG_PID" 2>/dev/null || true; emulators_stop' EXIT
for _ in $(seq 50); do [ -s "$OUT/wrong-host.port" ] && break; sleep 0.1; done
ansible-playbook tls_failures.yml -i "$OUT/tls.inventory" -e @"$EMU_VARS" \
    -e wrong_ca="$OUT/wrong-host-ca.pem" -e wrong_port="$(cat "$OUT/wrong-host.port")" "$@" \
    2>&1 | tee "$OUT/tls_failures.log"
[ "${PIPESTATUS[0]}" = 0 ]
set +x
tr -s ' \n' '  ' <"$OUT/tls_failures.log" >"$OUT/tls_failures.flat"
for name in 'ITSM-NG / GLPI' 'BlueCat Address Manager' 'SAYMON' 'IPCortex'; do
    grep -q "WARNING\]: $name: TLS certificate verification is off for https://127.0.0.1:" "$OUT/tls_failures.flat" \
        || { echo "no TLS warning from the failing $name module in the output" >&2; exit 1; }
done
echo 'TLS warnings: present when the call fails too'
