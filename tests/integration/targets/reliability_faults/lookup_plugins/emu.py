# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper for the reliability_* targets: drive an emulator's /_emulator/ admin endpoints
from the controller, without a module run per call (a module run costs ~0.5 s, this ~5 ms).

    lookup('emu', 'faults', system='itsmng', body=[{...}])   replace the fault list; returns a mark
    lookup('emu', 'expire'|'restart'|'reset', system=...)    the admin action; returns a mark
    lookup('emu', 'config', system=..., body={...})           deep-merge configuration; returns a mark
    lookup('emu', 'mark', system=...)                         time and counters now
    lookup('emu', 'since', system=..., body=mark)             what happened since a mark: seconds,
                                                              counter and per-endpoint differences
    lookup('emu', 'stats', system=...)                        the raw stats

The admin URL comes from the `emu` variable that tests/emulators/lib.sh writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: emu
short_description: Drive the API emulators' admin endpoints (tests only)
description: See the module docstring.
options:
  _terms:
    description: The action.
    required: true
  system:
    description: itsmng, bluecat, saymon or ipcortex.
  body:
    description: Faults list, configuration, or a mark.
'''

import json
import time
import urllib.request

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

COUNTERS_SKIPPED = ('endpoints', 'flavour', 'sessions', 'tokens', 'user_ids', 'password_forget_tokens')
# Counters a system shows only once they are above 0: always present in a difference.
COUNTERS = ('requests', 'logins', 'logouts', 'failed_logins', 'profile_changes', 'entity_changes', 'changes',
            'tokens_created', 'tokens_deleted', 'session_checks', 'key_auths', 'failed_keys', 'refused')


def _call(url, body=None):
    data = None if body is None else json.dumps(body).encode('utf-8')
    request = urllib.request.Request(url, data=data, method='GET' if body is None else 'POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.loads(answer.read().decode('utf-8'))


def _plain(value):
    """Ansible 2.19+ hands lookups tagged/lazy containers: make them plain for json."""
    return json.loads(json.dumps(value, default=str))


def mark(stats):
    return {'t': time.time(), 'stats': stats}


def since(before, stats):
    old = before['stats']
    diff = dict((name, 0) for name in COUNTERS)
    diff.update(seconds=round(time.time() - before['t'], 2), live_sessions=stats.get('live_sessions'))
    for name, value in stats.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name not in COUNTERS_SKIPPED \
                and name != 'live_sessions':
            diff[name] = value - (old.get(name) or 0)
    endpoints = dict((k, v - (old.get('endpoints') or {}).get(k, 0)) for k, v in stats.get('endpoints', {}).items())
    diff['endpoints'] = dict((k, v) for k, v in endpoints.items() if v)
    return diff


class LookupModule(LookupBase):

    def run(self, terms, variables=None, system=None, body=None, **kwargs):
        action = terms[0]
        if action == 'time':
            return [time.time()]
        try:
            admin = variables['emu'][system]['admin']
        except (KeyError, TypeError):
            raise AnsibleLookupError('emu: no emulator for system %r (pass -e @"$EMU_VARS")' % (system,))
        body = _plain(body) if body is not None else None
        try:
            if action == 'stats':
                return [_call(admin + '/stats')]
            if action == 'mark':
                return [mark(_call(admin + '/stats'))]
            if action == 'since':
                return [since(body, _call(admin + '/stats'))]
            if action == 'faults':
                return [mark(_call(admin + '/faults', {'faults': body or []}))]
            if action in ('expire', 'restart', 'reset', 'config'):
                return [mark(_call(admin + '/' + action, body or {}))]
        except OSError as exc:
            raise AnsibleLookupError('emu: %s %s failed: %s' % (system, action, exc))
        raise AnsibleLookupError('emu: unknown action %r' % (action,))
