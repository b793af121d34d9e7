# shellcheck shell=bash
# Sourced by integration targets (runme.sh), molecule and the demo: start emulators on
# 127.0.0.1, expose their addresses, stop them on exit.
#
#   source "$(collection_root)/tests/emulators/lib.sh"
#   emulators_start itsmng,bluecat [--flavour glpi10] [--tls] [--config FILE]
#   ansible-playbook play.yml -e @"$EMU_VARS"      # vars: emu.<system>.url / .admin / .ca
#
# Also sets ANSIBLE_INVENTORY to a localhost inventory with the running Python.

EMU_DIR_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

emulators_start() {
    local systems="$1"; shift
    local extra=()
    EMU_TMP="$(mktemp -d)"
    while [ $# -gt 0 ]; do
        case "$1" in
            --tls) extra+=(--tls "$EMU_TMP/ca") ;;
            *) extra+=("$1") ;;
        esac
        shift
    done
    local py="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3 || command -v python)}"
    "$py" "$EMU_DIR_HERE/serve.py" --systems "$systems" --state "$EMU_TMP/state.json" \
        --max-seconds "${EMU_MAX_SECONDS:-1800}" "${extra[@]}" >"$EMU_TMP/serve.log" 2>&1 &
    EMU_PID=$!
    trap emulators_stop EXIT
    for _ in $(seq 1 100); do
        [ -s "$EMU_TMP/state.json" ] && break
        kill -0 "$EMU_PID" 2>/dev/null || { cat "$EMU_TMP/serve.log" >&2; return 1; }
        sleep 0.1
    done
    [ -s "$EMU_TMP/state.json" ] || { echo "emulators did not start" >&2; cat "$EMU_TMP/serve.log" >&2; return 1; }
    EMU_VARS="$EMU_TMP/vars.json"
    "$py" -c 'import json,sys; print(json.dumps({"emu": json.load(open(sys.argv[1]))}))' \
        "$EMU_TMP/state.json" >"$EMU_VARS"
    printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$py" >"$EMU_TMP/inventory"
    export ANSIBLE_INVENTORY="$EMU_TMP/inventory" EMU_VARS EMU_TMP EMU_PID
}

# emulator_url SYSTEM [url|admin|root|ca]
emulator_url() {
    local py="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3 || command -v python)}"
    "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' \
        "$EMU_TMP/state.json" "$1" "${2:-url}"
}

emulators_stop() {
    if [ -n "${EMU_PID:-}" ]; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
        EMU_PID=
    fi
    [ -n "${EMU_TMP:-}" ] && rm -rf "$EMU_TMP"
    EMU_TMP=
}

# The collection root when run by ansible-test (targets are copied to a temp dir).
collection_root() {
    echo "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/apiauth/sessions"
}
