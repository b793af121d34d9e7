#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: saymon_auth_token
short_description: Create, keep or delete the API token of a SAYMON user
version_added: 1.0.0
description:
  - Makes sure a SAYMON user has an API token to pass as the C(api-token) query parameter
    in the tasks that follow (O(state=present)), or has none (O(state=absent)).
  - SAYMON keeps one token per user. C(POST /node/api/users/:id/auth-token) makes a new one and
    B(replaces) the old, which stops working wherever it is used. So give the token of an earlier
    run in O(auth_token) to keep it while it is valid; without O(auth_token), every run with
    O(state=present) creates a new token.
  - To reuse whatever token a user already has without ever replacing it, use the
    P(apiauth.sessions.token#lookup) lookup instead.
author:
  - apiauth.sessions maintainers (@apiauth)
extends_documentation_fragment:
  - apiauth.sessions.saymon
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.in_process
requirements:
  - requests
attributes:
  check_mode:
    support: full
    details:
      - A new token replaces the user's old one, so check mode never creates or deletes a token.
        It reports C(changed) as a real run would, and returns no token when it would have created one.
  diff_mode:
    support: none
  platform:
    platforms: all
  action_group:
    description: Use C(group/apiauth.sessions.saymon) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - apiauth.sessions.saymon
notes:
  - "Run it on the controller (C(delegate_to: localhost) or C(connection: local)): credentials
    injected by AWX/AAP as environment variables reach the controller only."
  - Do not pass O(password) through the task keyword C(environment); Ansible prints that
    environment at C(-vvvv). Set E(SAYMON_PASSWORD) in the controller's environment (as AWX/AAP
    credentials do) or pass O(password) from a vault.
  - Creating and deleting a token need the C(manage-users) permission on the O(username) account,
    also for its own token.
  - Checking O(auth_token) needs no password when the token is valid and belongs to the intended user.
options:
  state:
    description:
      - V(present) creates a token for the user unless O(auth_token) is still a valid token of that
        user, in which case it is returned unchanged.
      - V(absent) deletes the user's token. With O(auth_token), only that token is deleted, and only
        while it is still the user's token; without it, whatever token the user has.
    type: str
    choices: [present, absent]
    default: present
  auth_token:
    description:
      - A token from an earlier run (for example RV(auth_token) saved in a vault or a fact).
      - With O(state=present) it is kept while SAYMON still accepts it for the user; a token that was
        deleted or replaced is detected and a new one is created.
      - It must belong to O(user_id) (or, without O(user_id), to O(username) when given); a token of
        another user is refused.
    type: str
'''

EXAMPLES = r'''
- name: Get an API token for the automation user
  apiauth.sessions.saymon_auth_token:
    url: https://saymon.example.com
    username: automation
    password: "{{ vault_saymon_password }}"
  delegate_to: localhost
  register: saymon

- name: Use it as the api-token query parameter
  ansible.builtin.uri:
    url: "https://saymon.example.com/node/api/objects?{{ saymon.params | ansible.builtin.urlencode }}"
  delegate_to: localhost

- name: Keep the token of an earlier run while it is valid (a new one only if it was replaced)
  apiauth.sessions.saymon_auth_token:
    url: https://saymon.example.com
    username: automation
    password: "{{ vault_saymon_password }}"
    auth_token: "{{ saved_saymon_token }}"
  delegate_to: localhost
  register: saymon

- name: Create a token for another user (needs manage-users)
  apiauth.sessions.saymon_auth_token:
    url: https://saymon.example.com
    username: admin
    password: "{{ vault_saymon_admin_password }}"
    user_id: 5e21b752308c3c66d64e072c
  delegate_to: localhost
  register: monitoring_token

- name: Delete the token when it is no longer wanted
  apiauth.sessions.saymon_auth_token:
    url: https://saymon.example.com
    username: admin
    password: "{{ vault_saymon_admin_password }}"
    user_id: "{{ monitoring_token.user_id }}"
    state: absent
  delegate_to: localhost

- name: Credentials from the environment (SAYMON_URL, SAYMON_USERNAME, SAYMON_PASSWORD)
  apiauth.sessions.saymon_auth_token:
  delegate_to: localhost
'''

RETURN = r'''
auth_token:
  description:
    - The API token this task created, usable as it is.
    - A token given in O(auth_token) and kept is returned masked (SAYMON tokens never expire, so
      the collection never prints one the user already has); use the variable it came from.
    - V(null) with O(state=absent), and in check mode when a token would have been created.
  returned: always
  type: str
  sample: a5f946dc-4c21-4ccd-b78b-f0a5fce94f4d
created:
  description: Whether this task created a new token (which then replaced the user's old one, if any).
  returned: always
  type: bool
  sample: true
params:
  description:
    - Query parameters for the next requests, a dictionary with the one key C(api-token) whose value is
      RV(auth_token); empty when there is no token.
  returned: always
  type: dict
  sample: {"api-token": "a5f946dc-4c21-4ccd-b78b-f0a5fce94f4d"}
user_id:
  description: Id of the user the token belongs to.
  returned: always
  type: str
  sample: 5e21b752308c3c66d64e072c
login:
  description: Login of that user.
  returned: always
  type: str
  sample: automation
msg:
  description: What was done, in one sentence.
  returned: always
  type: str
  sample: Created a new API token for user automation (5e21b752308c3c66d64e072c).
'''

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.saymon import (
    SYSTEM, TOKEN_PARAM, Saymon, SaymonClient, token_fingerprint,
)

ARGUMENT_SPEC = Saymon.argument_spec(
    state=dict(type='str', default='present', choices=['present', 'absent']),
    auth_token=dict(type='str', no_log=True),
)


def reveal_created(result):
    """A token this task created is handed back usable. The user's own token, given in auth_token and
    kept, stays masked in the result: it never expires, and the user has it already."""
    return ('auth_token',) if result.get('created') else ()


REVEAL = reveal_created
SESSIONS = Saymon  # the system whose tokens tracked() names
_HIDDEN = object()


def owner_check(client, owner):
    """A valid token must belong to the intended user: user_id, else the username's account."""
    if client.user_id is not None:
        ok = owner['id'] == client.user_id
    else:
        ok = client.username is None or owner.get('login') == client.username
    if not ok:
        raise ApiError(SYSTEM, 'auth_token belongs to user %s (%s), not to %s. Give that user\'s token, '
                               'or set user_id to the user the token is for.'
                       % (owner.get('login'), owner['id'], client.user_id or client.username))


def result(changed, user, token, msg, created=False):
    return dict(changed=changed, created=created, auth_token=token, params={TOKEN_PARAM: token} if token else {},
                user_id=user['id'], login=user.get('login'), msg=msg)


def who(user):
    return '%s (%s)' % (user.get('login'), user['id'])


def present(client, token, check_mode):
    if token:
        owner = client.token_owner(token)
        if owner is not None:
            owner_check(client, owner)
            return result(False, owner, token, 'The given API token of user %s is valid; kept.' % who(owner))
        if not client.has_credentials:
            raise ApiError(SYSTEM, '%s refuses auth_token (deleted, replaced, or token authentication is off), '
                                   'and username and password are needed to create a new one.'
                           % client.where)
    user = client.user(client.user_id)
    if token and user.get('authenticationToken') == token:
        raise ApiError(SYSTEM, '%s refuses the api-token parameter although auth_token is the current token of '
                               'user %s: token authentication is probably switched off on the server. Turn it on '
                               'in the SAYMON configuration, or authenticate otherwise.' % (client.where, who(user)))
    if check_mode:
        return result(True, user, None, 'Would create a new API token for user %s (check mode: none created, '
                                        'so none returned).' % who(user))
    new = client.create_token(user['id'])
    return result(True, user, new, 'Created a new API token for user %s.' % who(user), created=True)


def absent(client, token, check_mode):
    owner = client.token_owner(token) if token else None
    if owner is not None:
        owner_check(client, owner)
        user, has = owner, True
    elif token and not client.has_credentials:
        return dict(changed=False, created=False, auth_token=None, params={}, user_id=client.user_id, login=None,
                    msg='SAYMON refuses the given API token: it is already deleted or replaced.')
    else:
        user = client.user(client.user_id)
        shown = user.get('authenticationToken', _HIDDEN)
        if token:
            has = shown == token  # refused and yet current: token authentication is off, delete it still
        elif shown is _HIDDEN:
            has = True  # the server does not show it: delete to be sure (reported as a change)
        else:
            has = bool(shown)
    if not has:
        what = 'the given API token is no longer the token of' if token else 'there is no API token for'
        return result(False, user, None, 'Nothing to delete: %s user %s.' % (what, who(user)))
    if check_mode:
        return result(True, user, None, 'Would delete the API token of user %s (check mode).' % who(user))
    # Without a password, the token authenticates its own deletion.
    client.delete_token(user['id'], token=None if client.has_credentials else token)
    return result(True, user, None, 'Deleted the API token of user %s.' % who(user))


def run(params, check_mode=False, diff=False, warn=ignore):
    token = params['auth_token'] or None
    client = SaymonClient(params)
    with reporting(client, warn):
        act = present if params['state'] == 'present' else absent
        return act(client, token, check_mode)


def tracked(params, result):
    """What this run changed on the server, for the run's cleanup: (created, deleted) token handles."""
    if not result.get('changed') or not result.get('user_id'):
        return None, None
    if params['state'] == 'absent':
        ended = {'user_id': result['user_id'], 'created': True}
        if params['auth_token']:
            ended['token_sha256'] = token_fingerprint(params['auth_token'])
        return None, ended
    return {'user_id': result['user_id'], 'created': True, 'token_sha256': token_fingerprint(result['auth_token'])}, None


def main():
    module_main(ARGUMENT_SPEC, run, reveal=REVEAL)


if __name__ == '__main__':
    main()
