# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/demo.sh: Python virtual environments from PyPI and
# the collection laid out where ansible-test and ansible-playbook look for it.
# Needs: bash, python3 (3.11) and, for ansible-core 2.21, python3.13 (PATH or pyenv).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Outside the repository: ansible-test lists files with git, and would skip an ignored folder.
BUILD_PARENT="${APIAUTH_BUILD_DIR:-${TMPDIR:-/tmp}/apiauth-sessions-$(printf %s "$ROOT" | sha256sum | cut -c1-8)}"
# shellcheck disable=SC2034  # used by the scripts that source this file
BUILD="$BUILD_PARENT/ansible_collections/apiauth/sessions"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

log() { printf '\n==> %s\n' "$*" >&2; }

# find_python 3.13 -> path of a working interpreter of that version, or nothing.
find_python() {
    local want="$1" c
    for c in "python$want" "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/$want"*/bin/"python$want" \
             "$HOME/.pyenv/versions/$want"*/bin/"python$want" "/usr/bin/python$want" "/usr/local/bin/python$want"; do
        if [ -n "$c" ] && "$c" -c "import sys, venv; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" >/dev/null 2>&1; then
            command -v "$c" 2>/dev/null || echo "$c"
            return 0
        fi
    done
    return 1
}

ensure_system_packages() {
    # rsync and git lay out the collection; shellcheck lets ansible-test sanity check the
    # shell scripts (it skips that test where shellcheck is missing). Install on a bare machine.
    local missing=()
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    command -v git >/dev/null 2>&1 || missing+=(git)
    command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
    # The integration target module_path_ssh starts its own sshd and connects with ssh.
    { command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ]; } || missing+=(openssh-server)
    command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
    if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]} with apt-get"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
            || log "could not install ${missing[*]}; going on without"
    fi
}

# uv (PyPI) builds a venv in seconds where pip takes a minute; it lives in a venv of its own,
# .venv-uv, made once with pip. Prints its path, or nothing where it cannot be installed (then
# pip builds the venvs).
ensure_uv() {
    local uv_venv="$ROOT/.venv-uv" py
    if [ ! -x "$uv_venv/bin/uv" ]; then
        py="$(find_python 3.11 || command -v python3)" || return 0
        { "$py" -m venv "$uv_venv" && "$uv_venv/bin/pip" install -q "uv==0.13.9"; } >/dev/null 2>&1 \
            || { rm -rf "$uv_venv"; return 0; }
    fi
    echo "$uv_venv/bin/uv"
}

# ensure_venv NAME CORE_SERIES PYTHON_VERSION [extra requirement files...] -> sets VENV
# A venv per ansible-core series, and one for the tools (molecule, ansible-lint, docs...).
ensure_venv() {
    local name="$1" core="$2" pyver="$3"; shift 3
    VENV="$ROOT/.venv-$name"
    local py; py="$(find_python "$pyver")" || { echo "Python $pyver not found (needed for ansible-core $core)" >&2; return 1; }
    local next; next="$(echo "$core" | awk -F. '{printf "%d.%d", $1, $2 + 1}')"
    local stamp; stamp="$core|$py|$(cat "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" "$@" 2>/dev/null | sha256sum | cut -c1-16)"
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$stamp" ]; then
        log "creating $VENV (ansible-core $core, $("$py" -V))"
        rm -rf "$VENV"
        local reqs=("ansible-core>=$core,<$next" -r "$ROOT/requirements-dev.txt") f uv
        for f in "$@"; do reqs+=(-r "$f"); done
        uv="$(ensure_uv)"
        if [ -n "$uv" ]; then
            "$uv" venv -q --seed -p "$py" "$VENV" && VIRTUAL_ENV="$VENV" "$uv" pip install -q "${reqs[@]}"
        else
            "$py" -m venv "$VENV" && "$VENV/bin/pip" install -q --upgrade pip && "$VENV/bin/pip" install -q "${reqs[@]}"
        fi || { echo "could not build $VENV" >&2; rm -rf "$VENV"; return 1; }
        echo "$stamp" >"$VENV/.stamp"
    fi
}

# The collection as ansible_collections/apiauth/sessions, a copy of the working tree
# (build_collection [PARENT]: another parent for a second, independent copy).
build_collection() {
    local dest="${1:-$BUILD_PARENT}/ansible_collections/apiauth/sessions"
    mkdir -p "$dest"
    rm -rf "$dest/.ansible"  # ansible-lint's cache from an earlier run: rsync keeps what it excludes
    rsync -a --delete --exclude .git --exclude '/.build' --exclude '/.venv*' --exclude '/.ansible' --exclude 'tests/output' \
        --exclude '__pycache__' "$ROOT/" "$dest/"
}

# ansible-test bootstraps pip in its venvs from a script it downloads from a host this network
# does not reach; it uses a cached copy first. Ours bootstraps pip with ensurepip instead.
install_getpip_shim() {
    local venv="$1" version
    version="$("$venv/bin/python" - <<'PY'
import re, ansible_test, os
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)"
    mkdir -p "$HOME/.ansible/test/cache"
    cat >"$HOME/.ansible/test/cache/get_pip_${version//./_}.py" <<'PY'
# Stand-in for get-pip.py: bootstrap pip with ensurepip, then install what was asked.
import subprocess
import sys
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args))
PY
}
