#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: bluecat_session
short_description: Open, reuse or end a BlueCat Address Manager RESTful v2 API session
version_added: 1.0.0
description:
  - O(state=present) logs in with C(POST /api/v2/sessions) and returns the session's C(apiToken)
    and the ready-made C(Authorization) header for the tasks that follow.
  - Given a previous session (O(session_id) and O(api_token)) that the server still accepts
    (C(GET /api/v2/sessions/current)) and that has at least O(min_validity) seconds left,
    O(state=present) keeps it instead of logging in again.
  - O(state=absent) logs the session out with C(PATCH /api/v2/sessions/{id}), setting its
    C(state) to C(LOGGED_OUT). A session already logged out or expired is fine.
author:
  - apiauth.sessions maintainers (@apiauth)
requirements:
  - requests
notes:
  - Run it on the controller (C(delegate_to=localhost) or C(connection=local)), where
    credentials injected by AWX/AAP and the C(BLUECAT_*) environment variables are.
  - The returned O(api_token) and C(headers) are short-lived secrets usable as they are; the
    password is never returned or shown.
  - Check mode still logs in for O(state=present) (so later tasks can read the server), and for
    O(state=absent) only checks whether the session is alive, without ending it.
extends_documentation_fragment:
  - apiauth.sessions.bluecat
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: O(state=present) logs in even in check mode; O(state=absent) only reports.
  diff_mode:
    support: none
  platform:
    platforms: all
  action_group:
    description: Use C(group/apiauth.sessions.bluecat) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - apiauth.sessions.bluecat
options:
  state:
    description:
      - V(present) opens a session, or keeps the one given if it is still valid.
      - V(absent) ends the session given by O(session_id) and O(api_token).
    type: str
    choices: [present, absent]
    default: present
  session_id:
    description:
      - Id of an existing session (RV(session_id) of an earlier run). Goes with O(api_token).
    type: int
  api_token:
    description:
      - C(apiToken) of the session O(session_id) (RV(api_token) of an earlier run).
    type: str
  min_validity:
    description:
      - With O(state=present), a given session with fewer seconds than this left before its
        C(apiTokenExpirationDateTime) is replaced by a new one.
    type: int
    default: 60
'''

EXAMPLES = r'''
- name: Log in to Address Manager
  apiauth.sessions.bluecat_session:
    url: https://bam.example.com
    username: api
    password: "{{ vault_bluecat_password }}"
  delegate_to: localhost
  register: bam

- name: Use the session
  ansible.builtin.uri:
    url: https://bam.example.com/api/v2/configurations
    headers: "{{ bam.headers }}"
  delegate_to: localhost

- name: Keep the session while it is valid for at least 5 more minutes, else log in again
  apiauth.sessions.bluecat_session:
    url: https://bam.example.com
    username: api
    password: "{{ vault_bluecat_password }}"
    session_id: "{{ bam.session_id }}"
    api_token: "{{ bam.api_token }}"
    min_validity: 300
  delegate_to: localhost
  register: bam

- name: Log out (connection options from BLUECAT_URL, BLUECAT_USERNAME)
  apiauth.sessions.bluecat_session:
    state: absent
    session_id: "{{ bam.session_id }}"
    api_token: "{{ bam.api_token }}"
  delegate_to: localhost
  check_mode: false
'''

RETURN = r'''
session_id:
  description: Id of the session.
  returned: always
  type: int
  sample: 62
api_token:
  description: The session's C(apiToken) (short-lived).
  returned: when O(state=present)
  type: str
  sample: /LOcpzfqKXgvt3PH0xYNhFqTewfnF5SNz7Fh/ST8
headers:
  description: The C(Authorization) header for every later request, ready for C(ansible.builtin.uri).
  returned: when O(state=present)
  type: dict
  sample: {"Authorization": "Basic YXBpOi9MT2NwemZxS1hndnQzUEgweFlOaEZxVGV3Zm5GNVNOejdGaC9TVDg="}
expires_at:
  description: The token's expiry as the server wrote it (C(apiTokenExpirationDateTime), ISO 8601); null when unknown.
  returned: when O(state=present)
  type: str
  sample: "2023-01-21T21:40:48Z"
expires_in:
  description: Seconds left before RV(expires_at) when the module ran; null when unknown.
  returned: when O(state=present)
  type: int
  sample: 86399
username:
  description: The user the session belongs to.
  returned: when O(state=present)
  type: str
  sample: api
session:
  description:
    - The C(UserSession) as the server returned it, without C(apiToken) and C(basicAuthenticationCredentials).
    - With O(state=absent), the logged-out session, or empty when it was already gone or in check mode.
  returned: always
  type: dict
  sample: {"id": 62, "type": "UserSession", "state": "LOGGED_IN", "readOnly": false,
           "remoteAddress": "192.168.217.248", "loginDateTime": "2023-01-20T21:40:48Z", "logoutDateTime": null,
           "apiTokenExpirationDateTime": "2023-01-21T21:40:48Z", "user": {"id": 100893, "type": "User", "name": "api"}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.apiauth.sessions.plugins.module_utils.bluecat import (
    Bluecat,
    SESSION_FIELDS, SYSTEM, BluecatClient, about_to_expire, seconds_left,
)
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError, exit_revealing, fail_from


def public(session):
    """The UserSession without its secrets (and without HAL links)."""
    out = dict((k, session[k]) for k in SESSION_FIELDS if k in (session or {}))
    if isinstance(out.get('user'), dict):
        out['user'] = dict((k, v) for k, v in out['user'].items() if k != '_links')
    return out


def present(module, client):
    p = module.params
    session = None
    if p['session_id'] is not None:
        client.use_session(p['session_id'], p['api_token'])
        current = client.current()
        if current is None:
            why = 'is no longer valid'
        elif current.get('id') is not None and str(current.get('id')) != str(p['session_id']):
            why = 'is not the session its api_token belongs to'
            module.warn('%s: api_token belongs to session %s, not to session_id %s; logging in again.'
                        % (SYSTEM, current.get('id'), p['session_id']))
        elif about_to_expire(client.expires_at, p['min_validity']):
            why = 'has less than min_validity=%s seconds left' % p['min_validity']
        else:
            session = current
        if session is None and not (client.username and client.password):
            raise client.http.error('%s: session %s %s and no password was given to log in again; set username '
                                    'and password (or BLUECAT_USERNAME and BLUECAT_PASSWORD).'
                                    % (SYSTEM, p['session_id'], why))
    changed = session is None
    if changed:
        client.expires_at = None
        session = client.login()
    left = seconds_left(client.expires_at)
    return dict(changed=changed, session_id=client.session_id, api_token=client.api_token,
                headers=client.headers, username=client.session_user,
                expires_at=session.get('apiTokenExpirationDateTime'),
                expires_in=None if left is None else int(left), session=public(session))


def absent(module, client):
    p = module.params
    if p['session_id'] is None:
        raise client.http.error('%s: state=absent needs session_id and api_token (from an earlier bluecat_session '
                                'task) to know which session to end.' % SYSTEM)
    client.use_session(p['session_id'], p['api_token'])
    if module.check_mode:
        current = client.current()
        if current is not None and str(current.get('id', p['session_id'])) != str(p['session_id']):
            raise client.http.error('%s: api_token belongs to session %s, not to session_id %s; give the pair '
                                    'returned by the same bluecat_session task.'
                                    % (SYSTEM, current.get('id'), p['session_id']))
        return dict(changed=current is not None, session_id=p['session_id'], session={})
    ended = client.logout()
    return dict(changed=ended is not None, session_id=p['session_id'], session=public(ended or {}))


def main():
    module = AnsibleModule(
        argument_spec=Bluecat.argument_spec(
            state=dict(type='str', default='present', choices=['present', 'absent']),
            session_id=dict(type='int'),
            api_token=dict(type='str', no_log=True),
            min_validity=dict(type='int', default=60),
        ),
        supports_check_mode=True,
    )
    p = module.params
    # Checked before any request: half a session cannot be used or ended.
    if p['api_token'] and p['session_id'] is None:
        module.fail_json(msg='%s: a session given without its id: api_token needs session_id too (both from the '
                             'result of an earlier bluecat_session task), or give neither to log in.' % SYSTEM)
    if p['session_id'] is not None and not p['api_token']:
        module.fail_json(msg='%s: session_id %s was given without its api_token; give both (from the result of an '
                             'earlier bluecat_session task), or neither to log in.' % (SYSTEM, p['session_id']))
    if p['min_validity'] < 0:
        module.fail_json(msg='%s: min_validity must be zero or a positive number of seconds.' % SYSTEM)
    try:
        client = BluecatClient(p)
        result = present(module, client) if p['state'] == 'present' else absent(module, client)
        for warning in client.warnings:
            module.warn(warning)
    except ApiError as exc:
        fail_from(module, exc)
    exit_revealing(module, reveal=[result.get('api_token')], **result)


if __name__ == '__main__':
    main()
