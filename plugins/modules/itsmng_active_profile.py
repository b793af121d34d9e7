#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: itsmng_active_profile
short_description: Make a profile the active profile of an ITSM-NG / GLPI session
version_added: 1.0.0
description:
  - Switches the active profile of a session (C(changeActiveProfile)) to the profile named by id or
    by name, among the profiles of the user (C(getMyProfiles)). Does nothing when it is already active.
  - A profile the user does not have fails before any change, listing the user's profiles.
extends_documentation_fragment:
  - apiauth.sessions.itsmng
  - apiauth.sessions.itsmng.session
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.in_process
  - apiauth.sessions.itsmng.attributes
options:
  profile:
    description:
      - The profile to activate, by id (V(4)) or by name (V(Super-Admin); exact match first, then
        case-insensitive).
    type: str
    required: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - apiauth.sessions maintainers (@apiauth)
'''

EXAMPLES = r'''
- name: Work as Technician in this session
  apiauth.sessions.itsmng_active_profile:
    url: https://itsm.example.com/apirest.php
    app_token: "{{ vault_itsmng_app_token }}"
    session_token: "{{ itsm.session_token }}"
    profile: Technician

- name: Switch by id
  apiauth.sessions.itsmng_active_profile:
    url: https://itsm.example.com/apirest.php
    session_token: "{{ itsm.session_token }}"
    profile: 4
'''

RETURN = r'''
profile:
  description: The active profile after the task.
  returned: success
  type: dict
  sample: {"id": 6, "name": "Technician"}
previous_profile:
  description: The active profile before the task.
  returned: success
  type: dict
  sample: {"id": 4, "name": "Super-Admin"}
session_token:
  description: The new session token, only when the given session had expired and the module logged in again.
  returned: when relogged_in
  type: str
headers:
  description: Headers of the new session, only when the module logged in again.
  returned: when relogged_in
  type: dict
relogged_in:
  description: The given session had expired and a new one was opened with the credentials given.
  returned: when relogged_in
  type: bool
'''

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import (
    PRODUCT, SESSION_SPEC, Itsmng, ItsmngClient, describe, find_profile, relogin_result,
)

ARGUMENT_SPEC = Itsmng.argument_spec(profile=dict(type='str', required=True), **SESSION_SPEC)


def short(profile):
    return {'id': int(profile.get('id')), 'name': profile.get('name')}


def run(params, check_mode=False, diff=False, warn=ignore):
    wanted = (params['profile'] or '').strip()
    if not wanted:
        raise ApiError(PRODUCT, 'profile must not be empty; give a profile id or name.')
    client = ItsmngClient(params, session_token=params['session_token'])
    with reporting(client, warn):
        profiles = client.my_profiles()
        target = find_profile(profiles, wanted)
        if target is None:
            raise ApiError(client.product, 'the user has no profile "%s"; their profiles are: %s.'
                           % (wanted, describe(profiles)))
        before = short(client.active_profile())
        after = short(target)
        changed = before['id'] != after['id']
        if changed and not check_mode:
            client.change_profile(after['id'])
        result = dict(changed=changed, profile=after, previous_profile=before, **relogin_result(client))
    if diff:
        result['diff'] = {'before': {'profile': before}, 'after': {'profile': after}}
    return result


SESSIONS = Itsmng  # the system whose sessions tracked() names


def tracked(params, result):
    """What this run changed on the server, for the run's session cleanup: (opened, ended) handles."""
    if result.get('relogged_in'):
        return {'session_token': result['session_token']}, None
    return None, None


def main():
    module_main(ARGUMENT_SPEC, run)


if __name__ == '__main__':
    main()
