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
  - apiauth.sessions.in_process
attributes:
  check_mode:
    support: full
    details:
      - O(state=present) logs in even in check mode, so that later tasks can read the server.
      - O(state=absent) logs out in check mode too, because in a check run that session was opened by the
        check run itself; a C(--check) run leaves no session open on the server. It reports C(changed) as a
        real run would.
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
    - With O(state=absent), the logged-out session, or empty when it was already gone.
  returned: always
  type: dict
  sample: {"id": 62, "type": "UserSession", "state": "LOGGED_IN", "readOnly": false,
           "remoteAddress": "192.168.217.248", "loginDateTime": "2023-01-20T21:40:48Z", "logoutDateTime": null,
           "apiTokenExpirationDateTime": "2023-01-21T21:40:48Z", "user": {"id": 100893, "type": "User", "name": "api"}}
'''

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.bluecat import (
    SESSION_FIELDS, SYSTEM, Bluecat, BluecatClient, about_to_expire, seconds_left,
)

ARGUMENT_SPEC = Bluecat.argument_spec(
    state=dict(type='str', default='present', choices=['present', 'absent']),
    session_id=dict(type='int'),
    api_token=dict(type='str', no_log=True),
    min_validity=dict(type='int', default=60),
)
REVEAL = ('api_token',)
SESSIONS = Bluecat  # the system whose sessions tracked() names


def public(session):
    """The UserSession without its secrets (and without HAL links)."""
    out = dict((k, session[k]) for k in SESSION_FIELDS if k in (session or {}))
    if isinstance(out.get('user'), dict):
        out['user'] = dict((k, v) for k, v in out['user'].items() if k != '_links')
    return out


def check_input(p):
    """Half a session can be neither used nor ended: refused before any request."""
    if p['api_token'] and p['session_id'] is None:
        raise ApiError(SYSTEM, 'a session given without its id: api_token needs session_id too (both from the '
                               'result of an earlier bluecat_session task), or give neither to log in.')
    if p['session_id'] is not None and not p['api_token']:
        raise ApiError(SYSTEM, 'session_id %s was given without its api_token; give both (from the result of an '
                               'earlier bluecat_session task), or neither to log in.' % p['session_id'])
    if p['min_validity'] < 0:
        raise ApiError(SYSTEM, 'min_validity must be zero or a positive number of seconds.')
    if p['state'] == 'absent' and p['session_id'] is None:
        raise ApiError(SYSTEM, 'state=absent needs session_id and api_token (from an earlier bluecat_session '
                               'task) to know which session to end.')


def run(params, check_mode=False, diff=False, warn=ignore):
    check_input(params)
    client = BluecatClient(params)
    with reporting(client, warn):
        if params['state'] == 'present':
            return present(params, client, warn)
        return absent(params, client)


def reusable(p, client, warn):
    """The session given, if it is still valid for min_validity seconds; else why it is not."""
    client.use_session(p['session_id'], p['api_token'])
    current = client.current()
    if current is None:
        return None, 'is no longer valid'
    if current.get('id') is not None and str(current.get('id')) != str(p['session_id']):
        warn('%s: api_token belongs to session %s, not to session_id %s; logging in again.'
             % (SYSTEM, current.get('id'), p['session_id']))
        return None, 'is not the session its api_token belongs to'
    if about_to_expire(client.expires_at, p['min_validity']):
        return None, 'has less than min_validity=%s seconds left' % p['min_validity']
    return current, None


def present(p, client, warn):
    session = None
    if p['session_id'] is not None:
        session, why = reusable(p, client, warn)
        if session is None and not (client.username and client.password):
            raise client.http.error('session %s %s and no password was given to log in again; set username '
                                    'and password (or BLUECAT_USERNAME and BLUECAT_PASSWORD).'
                                    % (p['session_id'], why))
    changed = session is None
    if changed:
        client.expires_at = None
        session = client.login()
    left = seconds_left(client.expires_at)
    return dict(changed=changed, session_id=client.session_id, api_token=client.api_token,
                headers=client.headers, username=client.session_user,
                expires_at=session.get('apiTokenExpirationDateTime'),
                expires_in=None if left is None else int(left), session=public(session))


def absent(p, client):
    # Also in check mode: the session a check run opened must not outlive it.
    client.use_session(p['session_id'], p['api_token'])
    ended = client.logout()
    return dict(changed=ended is not None, session_id=p['session_id'], session=public(ended or {}))


def tracked(params, result):
    """What this run changed on the server, for the run's session cleanup: (opened, ended) handles.

    The session's id and token; the username comes from the connection options."""
    if params['state'] == 'absent':
        return None, {'session_id': str(params['session_id']), 'api_token': params['api_token']}
    if not result.get('changed'):
        return None, None
    return {'session_id': str(result['session_id']), 'api_token': result['api_token']}, None


def main():
    module_main(ARGUMENT_SPEC, run, reveal=REVEAL)


if __name__ == '__main__':
    main()
