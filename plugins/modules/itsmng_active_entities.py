#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: itsmng_active_entities
short_description: Choose the active entities of an ITSM-NG / GLPI session
version_added: 1.0.0
description:
  - Makes one entity (by id, short name or complete path), with or without its sub-entities, or all
    the entities of the active profile, the active entities of a session (C(changeActiveEntities)).
    Does nothing when they are already active.
  - Entity names are matched after decoding the HTML entities the server puts in complete names
    (C(&gt;) on ITSM-NG, C(&#62;) on GLPI 10). An ambiguous short name fails, listing the candidates.
extends_documentation_fragment:
  - apiauth.sessions.itsmng
  - apiauth.sessions.itsmng.session
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.in_process
  - apiauth.sessions.itsmng.attributes
options:
  entity:
    description:
      - V(all) for every entity of the active profile, or an entity id (V(1)), short name
        (V(Child A)) or complete path (V(Root entity > Child A)).
    type: str
    required: true
  recursive:
    description:
      - Include the sub-entities of O(entity). Ignored with O(entity=all).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - apiauth.sessions maintainers (@apiauth)
'''

EXAMPLES = r'''
- name: Work in Child A and below
  apiauth.sessions.itsmng_active_entities:
    url: https://itsm.example.com/apirest.php
    session_token: "{{ itsm.session_token }}"
    entity: Root entity > Child A
    recursive: true

- name: Back to every entity of the profile
  apiauth.sessions.itsmng_active_entities:
    url: https://itsm.example.com/apirest.php
    session_token: "{{ itsm.session_token }}"
    entity: all
'''

RETURN = r'''
entity:
  description: The entity made active (C(id), short C(name), C(complete_name)); C(all) when every entity is.
  returned: success
  type: raw
  sample: {"id": 1, "name": "Child A", "complete_name": "Root entity > Child A"}
recursive:
  description: Whether sub-entities are included.
  returned: success
  type: bool
active_entities:
  description: Ids of the active entities after the task (as the server reports them; predicted in check mode).
  returned: success
  type: list
  elements: int
previous:
  description: The active entity, recursion and entity ids before the task.
  returned: success
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

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import (
    PRODUCT, SESSION_SPEC, Itsmng, ItsmngClient, describe, find_entity, relogin_result,
)

ARGUMENT_SPEC = Itsmng.argument_spec(entity=dict(type='str', required=True), recursive=dict(type='bool', default=False),
                                     **SESSION_SPEC)


def descendants(entities, root_id):
    """Ids of root_id and everything below it, from the complete names."""
    by_id = dict((e['id'], e['complete_name']) for e in entities)
    prefix = by_id.get(root_id, '') + ' > '
    return sorted([root_id] + [i for i, name in by_id.items() if name.startswith(prefix)])


def target_of(entities, wanted, recursive, before, product):
    """(target, recursive, expected ids, changed) for the entity asked for."""
    if wanted.lower() == 'all':
        all_ids = sorted(e['id'] for e in entities)
        return 'all', False, all_ids, before['ids'] != all_ids
    target = find_entity(entities, wanted)
    if target is None:
        raise ApiError(product, 'entity "%s" is not one of the entities of the active profile: %s.'
                       % (wanted, describe(entities)))
    expected = descendants(entities, target['id']) if recursive else [target['id']]
    changed = not (before['id'] == target['id'] and before['recursive'] == recursive and before['ids'] == expected)
    return target, recursive, expected, changed


def run(params, check_mode=False, diff=False, warn=ignore):
    wanted = params['entity'].strip() if params['entity'] else ''
    if not wanted:
        raise ApiError(PRODUCT, 'entity must not be empty; give an id, a name, a path or "all".')
    client = ItsmngClient(params, session_token=params['session_token'])
    with reporting(client, warn):
        entities = client.my_entities(recursive=True)
        before = client.active_entities()
        target, recursive, after_ids, changed = target_of(entities, wanted, params['recursive'], before, client.product)
        if changed and not check_mode:
            client.change_entities(None if target == 'all' else target['id'], recursive)
            after_ids = client.active_entities()['ids']
        result = dict(changed=changed, entity=target, recursive=recursive, active_entities=after_ids,
                      previous=before, **relogin_result(client))
    if diff:
        result['diff'] = {'before': {'active_entities': before['ids'], 'recursive': before['recursive']},
                          'after': {'active_entities': after_ids, 'recursive': recursive}}
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
