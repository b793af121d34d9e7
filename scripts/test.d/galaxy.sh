#!/usr/bin/env bash
# Test step "galaxy": `ansible-galaxy collection build` makes an artifact that installs with
# `ansible-galaxy collection install`, and the installed collection works (its docs load and a
# module runs against the ITSM-NG emulator), with the oldest ansible-core supported (2.16).
# Run by scripts/test.sh from $BUILD.
set -euo pipefail
bin="$V216/bin"  # the oldest ansible-core supported installs and runs the artifact
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin/ansible-galaxy" collection build --output-path "$work/dist" "$BUILD"
tarball="$(ls "$work"/dist/apiauth-sessions-*.tar.gz)"
# Nothing of the developer's machine in the artifact.
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv[^/]*|\.git|tests/output|__pycache__)/' ; then
    echo "the artifact carries files it must not" >&2; exit 1
fi
"$bin/ansible-galaxy" collection install --offline -p "$work/collections" "$tarball"
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
"$bin/ansible-galaxy" collection list apiauth.sessions | grep -q 'apiauth.sessions'
"$bin/ansible-doc" apiauth.sessions.itsmng_session >/dev/null
"$bin/ansible-doc" -t lookup apiauth.sessions.token >/dev/null

export ANSIBLE_TEST_PYTHON_INTERPRETER="$bin/python"
source "$BUILD/tests/emulators/lib.sh"
emulators_start itsmng
trap 'emulators_stop; rm -rf "$work"' EXIT  # emulators_start set its own trap
cat >"$work/play.yml" <<'PLAY'
- name: The installed collection opens and ends a session
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/apiauth.sessions.itsmng:
      url: "{{ emu.itsmng.url }}"
      app_token: mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b
  tasks:
    - name: Open
      apiauth.sessions.itsmng_session:
        user_token: V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA
      register: s
    - name: End
      apiauth.sessions.itsmng_session:
        session_token: "{{ s.session_token }}"
        state: absent
      register: e
    - name: Both happened
      ansible.builtin.assert:
        that: [s is changed, e is changed]
PLAY
"$bin/ansible-playbook" "$work/play.yml" -e @"$EMU_VARS"
echo "galaxy: $(basename "$tarball") built, installed and used"
