#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: itsmng_session_info
short_description: Read what an ITSM-NG / GLPI session holds
version_added: 1.0.0
description:
  - Returns the user's profiles and entities, the active profile and the active entities of a
    session, and with O(full_session=true) the whole session data. Changes nothing.
extends_documentation_fragment:
  - apiauth.sessions.itsmng
  - apiauth.sessions.itsmng.session
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.in_process
  - apiauth.sessions.itsmng.attributes
options:
  full_session:
    description:
      - Also return the full session data (C(getFullSession)) as RV(session).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details:
      - Reads only; the same in check mode.
  diff_mode:
    support: none
author:
  - apiauth.sessions maintainers (@apiauth)
'''

EXAMPLES = r'''
- name: What can this session do?
  apiauth.sessions.itsmng_session_info:
    url: https://itsm.example.com/apirest.php
    session_token: "{{ itsm.session_token }}"
  register: info

- name: Show the active profile
  ansible.builtin.debug:
    msg: "{{ info.active_profile.name }} on {{ info.active_entities.ids }}"
'''

RETURN = r'''
profiles:
  description: The user's profiles, each with the entities it is assigned on.
  returned: success
  type: list
  elements: dict
  sample: [{"id": 4, "name": "Super-Admin", "entities": [{"id": 0, "name": "Root entity", "is_recursive": 1}]}]
active_profile:
  description: The active profile (C(id), C(name), C(interface)).
  returned: success
  type: dict
  sample: {"id": 4, "name": "Super-Admin", "interface": "central"}
entities:
  description: The entities the active profile reaches, with decoded complete names.
  returned: success
  type: list
  elements: dict
  sample: [{"id": 1, "name": "Child A", "complete_name": "Root entity > Child A"}]
active_entities:
  description: The active entity (C(id)), whether sub-entities are included (C(recursive)) and all active ids (C(ids)).
  returned: success
  type: dict
  sample: {"id": 0, "recursive": true, "ids": [0, 1, 2, 3]}
session:
  description: The full session data.
  returned: O(full_session=true)
  type: dict
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

from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import (
    SESSION_SPEC, Itsmng, ItsmngClient, relogin_result,
)

ARGUMENT_SPEC = Itsmng.argument_spec(full_session=dict(type='bool', default=False), **SESSION_SPEC)


def run(params, check_mode=False, diff=False, warn=ignore):
    client = ItsmngClient(params, session_token=params['session_token'])
    with reporting(client, warn):
        active = client.active_profile()
        result = dict(
            changed=False,
            profiles=client.my_profiles(),
            active_profile={'id': active.get('id'), 'name': active.get('name'), 'interface': active.get('interface')},
            entities=client.my_entities(recursive=True),
            active_entities=client.active_entities(),
        )
        if params['full_session']:
            result['session'] = client.full_session()
        result.update(relogin_result(client))
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
