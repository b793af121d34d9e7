#!/usr/bin/env bash
# Start or stop the API emulators (tests/emulators/serve.py) for a molecule scenario.
#   emulator.sh start DIR SYSTEMS CONFIG_JSON [MAX_SECONDS]   state in DIR/emulator.json
#   emulator.sh stop DIR                                      stops the one started in DIR
# serve.py stops by itself after MAX_SECONDS, so an interrupted run leaves nothing behind.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVE="$HERE/../../../tests/emulators/serve.py"
PY="${EMU_PYTHON:-python3}"
action="$1"; dir="$2"

stop() {
    [ -s "$dir/emulator.pid" ] || return 0
    local pid
    pid="$(cat "$dir/emulator.pid")"
    # Only our own serve.py: a pid file outliving its process may name another one by now.
    if grep -q 'serve.py' "/proc/$pid/cmdline" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$dir/emulator.pid" "$dir/emulator.json"
}

case "$action" in
    start)
        stop
        mkdir -p "$dir"
        nohup "$PY" "$SERVE" --systems "$3" --config "$4" --state "$dir/emulator.json" \
            --max-seconds "${5:-900}" >"$dir/emulator.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/emulator.pid"
        for _ in $(seq 1 100); do
            [ -s "$dir/emulator.json" ] && { cat "$dir/emulator.json"; exit 0; }
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        echo "the emulators did not start:" >&2
        cat "$dir/emulator.log" >&2
        exit 1
        ;;
    stop) stop ;;
    *) echo "usage: $0 start DIR SYSTEMS CONFIG_JSON [MAX_SECONDS] | stop DIR" >&2; exit 2 ;;
esac
