#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: itsmng_session
short_description: Open, reuse or end an ITSM-NG / GLPI API session
version_added: 1.0.0
description:
  - With O(state=present), opens a session with C(initSession) (user token, or username and
    password, with an App-Token where the server needs one), or reuses O(session_token) while it
    is still valid, and returns the session token and the headers the next tasks need.
  - With O(state=absent), ends the session O(session_token) with C(killSession). A session that is
    already gone is fine and reported unchanged.
extends_documentation_fragment:
  - apiauth.sessions.itsmng
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.in_process
  - apiauth.sessions.itsmng.attributes
options:
  state:
    description:
      - V(present) opens (or reuses) a session, V(absent) ends it.
    type: str
    choices: [present, absent]
    default: present
  session_token:
    description:
      - A session token returned by an earlier task. With O(state=present) it is reused while it is
        valid, and replaced by a new session (credentials needed) when it is not. Required with
        O(state=absent).
    type: str
  get_full_session:
    description:
      - Also return the full session data (profiles, entities, user) as RV(session).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details:
      - O(state=present) logs in even in check mode, so that later tasks can read the server and
        predict their own change.
      - O(state=absent) ends the session in check mode too, because in a check run that session was
        opened by the check run itself; a C(--check) run leaves no session open on the server. It
        reports C(changed) as a real run would.
  diff_mode:
    support: none
author:
  - apiauth.sessions maintainers (@apiauth)
'''

EXAMPLES = r'''
- name: Open a session with a user token and an App-Token
  apiauth.sessions.itsmng_session:
    url: https://itsm.example.com/apirest.php
    app_token: "{{ vault_itsmng_app_token }}"
    user_token: "{{ vault_itsmng_user_token }}"
  register: itsm

- name: Use it with ansible.builtin.uri
  ansible.builtin.uri:
    url: https://itsm.example.com/apirest.php/Computer
    headers: "{{ itsm.headers | combine({'App-Token': vault_itsmng_app_token}) }}"

- name: Reuse the session if it is still valid, else log in again
  apiauth.sessions.itsmng_session:
    url: https://itsm.example.com/apirest.php
    username: glpi
    password: "{{ vault_itsmng_password }}"
    session_token: "{{ itsm.session_token }}"

- name: End the session
  apiauth.sessions.itsmng_session:
    url: https://itsm.example.com/apirest.php
    app_token: "{{ vault_itsmng_app_token }}"
    session_token: "{{ itsm.session_token }}"
    state: absent
'''

RETURN = r'''
session_token:
  description: The session token, usable as it is (also when an existing session was reused).
  returned: state=present
  type: str
  sample: 83af7e620c83a50a18d3eac2f6ed05a3
headers:
  description: Headers for M(ansible.builtin.uri); add your own C(App-Token) where the server needs it.
  returned: state=present
  type: dict
  sample: {"Session-Token": "83af7e620c83a50a18d3eac2f6ed05a3"}
reused:
  description: Whether the given O(session_token) was still valid and kept.
  returned: state=present
  type: bool
session:
  description: The full session data (C(glpiID), C(glpiname), C(glpiactiveprofile), C(glpiactiveentities)...).
  returned: state=present and O(get_full_session=true)
  type: dict
'''

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import Itsmng, ItsmngClient, session_result

ARGUMENT_SPEC = Itsmng.argument_spec(
    state=dict(type='str', default='present', choices=['present', 'absent']),
    session_token=dict(type='str', no_log=True),
    get_full_session=dict(type='bool', default=False),
)
CONSTRAINTS = dict(required_if=[('state', 'absent', ['session_token'])])
REVEAL = ('session_token',)


def run(params, check_mode=False, diff=False, warn=ignore):
    client = ItsmngClient(params, session_token=params['session_token'])
    with reporting(client, warn):
        if params['state'] == 'present':
            return present(client, params['get_full_session'])
        # Also in check mode: the session a check run opened must not outlive it.
        return dict(changed=client.kill())


def present(client, full):
    if client.session_token:
        if client.alive():
            result = dict(changed=False, reused=True, **session_result(client))
            if full:
                result['session'] = client.full_session()
            return result
        if not client.has_credentials():
            raise ApiError(client.product, 'the session_token given is expired or was ended, and no credentials '
                                           'were given to open a new one; give user_token or username and password.',
                           code='ERROR_SESSION_TOKEN_INVALID')
    # A login happens in check mode too: it is what lets later tasks predict their change.
    data = client.login(full_session=full)
    result = dict(changed=True, reused=False, **session_result(client))
    if full:
        result['session'] = data.get('session', {})
    return result


SESSIONS = Itsmng  # the system whose sessions tracked() names


def tracked(params, result):
    """What this run changed on the server, for the run's session cleanup: (opened, ended) handles."""
    if params['state'] == 'absent':
        return None, {'session_token': params['session_token']}
    if result.get('reused'):
        return None, None
    return {'session_token': result['session_token']}, None


def main():
    module_main(ARGUMENT_SPEC, run, reveal=REVEAL, **CONSTRAINTS)


if __name__ == '__main__':
    main()
