#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ipcortex_session
short_description: Log in to an IPCortex Communication System, check an Auth Key, or log out
version_added: 1.0.0
description:
  - With O(state=present) and O(username)/O(password), logs in with C(POST /rest/auth/) as a new
    session and returns the session cookie C(Red60urne) and the user, ready for the tasks that follow.
  - With O(state=present) and O(session), keeps that session when it is still live (and belongs to
    O(username) when given); otherwise logs in again when O(username)/O(password) are given.
  - With O(state=present) and O(api_key), checks the Auth Key and returns its user. A key is
    stateless, so nothing is opened and nothing changes.
  - With O(state=absent), logs out the session named by O(session) (C(POST /rest/auth/logout)).
author:
  - apiauth.sessions maintainers (@apiauth)
requirements:
  - requests
extends_documentation_fragment:
  - apiauth.sessions.ipcortex
  - apiauth.sessions.in_process
attributes:
  check_mode:
    support: full
    description:
      - O(state=present) logs in even in check mode, so that later tasks can read the server and
        predict their own changes.
      - O(state=absent) logs out in check mode too, because in a check run that session was opened by the
        check run itself; a C(--check) run leaves no session open on the server. It reports C(changed) as a
        real run would.
  diff_mode:
    support: none
    description:
      - A session has nothing to show as a diff.
options:
  state:
    description:
      - V(present) logs in (or keeps a live O(session), or checks O(api_key)); V(absent) logs out O(session).
    type: str
    choices: [present, absent]
    default: present
  session:
    description:
      - The value of the C(Red60urne) session cookie, as returned by an earlier O(state=present).
      - Required with O(state=absent). With O(state=present), a live session is kept instead of
        logging in again.
    type: str
notes:
  - A login never sends a C(Red60urne) cookie; the server would otherwise change that existing
    session instead of making a new one.
  - Whether a session is live is asked with C(POST /rest/auth/) carrying only the cookie; an
    authenticated session needs no further authentication, and every user may call it.
  - The session lifetime is not documented by the vendor; a session may end on the server side
    at any time, which O(state=absent) reports as unchanged.
  - The O(api_key) is never returned. Put C(no_log=true) on any task of yours that sends the key
    (for example in an C(Authorization) header), or build that header with the C(apiauth.sessions.token) lookup.
seealso:
  - name: IPCortex REST authentication
    description: The vendor's page on session login, logout and Auth Keys.
    link: https://developer.ipcortex.co.uk/gs/rest/authentication/
'''

EXAMPLES = r'''
- name: Log in
  apiauth.sessions.ipcortex_session:
    url: https://pbx.example.com
    username: ops
    password: "{{ vault_ipcortex_password }}"
  delegate_to: localhost
  register: ipc

- name: Read the extensions with the session cookie
  ansible.builtin.uri:
    url: https://pbx.example.com/rest/pbx/read/extension
    method: POST
    body_format: json
    body: {}
    headers: "{{ ipc.headers }}"
  delegate_to: localhost

- name: Log out, also in a --check run
  apiauth.sessions.ipcortex_session:
    url: https://pbx.example.com
    state: absent
    session: "{{ ipc.session }}"
  delegate_to: localhost

- name: Check an Auth Key sent as a header (IPCortex 6.3.10+)
  apiauth.sessions.ipcortex_session:
    url: https://pbx.example.com
    api_key: "{{ vault_ipcortex_key }}"
    api_key_transport: header
  delegate_to: localhost
  register: keycheck
'''

RETURN = r'''
session:
  description: The session id, the value of the C(Red60urne) cookie. Short-lived; returned usable.
  returned: state=present with username/password or a live session
  type: str
  sample: 2f0c6c1e8d9b4a7e9e3f5a1b2c3d4e5f
headers:
  description: The headers that carry the session, for M(ansible.builtin.uri).
  returned: state=present with username/password or a live session
  type: dict
  sample: {"Cookie": "Red60urne=2f0c6c1e8d9b4a7e9e3f5a1b2c3d4e5f"}
user:
  description: The user of the session or of the Auth Key, as the server describes it (without the session id).
  returned: state=present
  type: dict
  sample:
    id: 123
    login: ops
    name: Operations
    company: example
    home: example
    perms: {admin: company}
reused:
  description: Whether the O(session) given was live and kept (no new login).
  returned: state=present with username/password or a session
  type: bool
'''

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.ipcortex import (
    SYSTEM, Ipcortex, IpcortexClient, auth_mode, cookie_headers, no_credentials_error, public_user,
)

ARGUMENT_SPEC = Ipcortex.argument_spec(
    state=dict(type='str', default='present', choices=['present', 'absent']),
    session=dict(type='str', no_log=True),
)
REVEAL = ('session',)
SESSIONS = Ipcortex  # the system whose sessions tracked() names


def check_input(params):
    """The authentication mode; every input error is raised before the first request."""
    mode = auth_mode(params)
    if params['state'] == 'absent' and not params['session']:
        raise ApiError(SYSTEM, 'state=absent needs session (the Red60urne value returned by state=present); '
                               'an api_key is stateless and has nothing to log out.')
    if params['state'] == 'present' and mode is None and not params['session']:
        raise no_credentials_error()
    if mode == 'key' and params['state'] == 'present' and params['session']:
        raise ApiError(SYSTEM, 'session and api_key do not go together: an Auth Key is stateless; leave '
                               'session out (or log in with username/password).')
    return mode


def run(params, check_mode=False, diff=False, warn=ignore):
    mode = check_input(params)
    client = IpcortexClient(params)
    with reporting(client, warn):
        if params['state'] == 'absent':
            # Also in check mode: the session a check run opened must not outlive it.
            return dict(changed=client.logout(params['session']))
        if mode == 'key':
            # Nothing is opened; the key itself is never returned.
            return dict(changed=False, user=public_user(client.validate_key().get('user')))
        return present(params, client, mode)


def present(params, client, mode):
    given = params['session']
    if given:
        answer = client.check_session(given)
        owner = public_user((answer or {}).get('user'))
        if answer and (not params['username'] or owner.get('login') in (None, params['username'])):
            return dict(changed=False, reused=True, session=given, user=owner, headers=cookie_headers(given))
        if mode is None:
            raise ApiError(SYSTEM, 'the session given is no longer live at %s (logged out or expired) and no '
                                   'username/password was given to log in again.' % client.where)
    session, answer = client.login()
    return dict(changed=True, reused=False, session=session, user=public_user(answer.get('user')),
                headers=cookie_headers(session))


def tracked(params, result):
    """What this run changed on the server, for the run's session cleanup: (opened, ended) handles."""
    if params['state'] == 'absent':
        return None, {'session': params['session']}
    if not result.get('changed'):
        return None, None
    return {'session': result['session']}, None


def main():
    module_main(ARGUMENT_SPEC, run, reveal=REVEAL)


if __name__ == '__main__':
    main()
