# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SAYMON emulator answers as the vendor API documentation and docs/saymon.md say (real HTTP on 127.0.0.1)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'emulators'))

from base import EmulatorServer  # noqa: E402
from saymon import SaymonEmulator  # noqa: E402

ADMIN = ('admin', 'admin-S4ymon-emulator-pw')
ALICE = ('alice', 'alice-S4ymon-emulator-pw')
ADMIN_ID = '5e21b752308c3c66d64e0a01'
ALICE_ID = '5e21b752308c3c66d64e0a02'
BOB_ID = '5e21b752308c3c66d64e0a03'


@pytest.fixture
def emu():
    server = EmulatorServer(SaymonEmulator()).start()
    yield server
    server.shutdown()
    server.server_close()


def api(server, path):
    return server.url + '/node/api' + path


def stats(server):
    return requests.get(server.root + '/_emulator/stats', timeout=5).json()


def nested(response):
    body = response.json()
    return body['code'], json.loads(body['message'])


def create(server, uid, auth=ADMIN):
    return requests.post(api(server, '/users/%s/auth-token' % uid), auth=auth, timeout=5)


def test_token_is_a_quoted_json_string_and_authenticates(emu):
    response = create(emu, ALICE_ID)
    assert response.status_code == 200
    assert response.headers['Content-Type'].startswith('application/json')
    assert response.text.startswith('"') and response.text.endswith('"')
    token = response.json()
    me = requests.get(api(emu, '/users/current'), params={'api-token': token}, timeout=5).json()
    assert me['login'] == 'alice' and me['authenticationToken'] == token
    objects = requests.get(api(emu, '/objects'), params={'api-token': token}, timeout=5)
    assert objects.status_code == 200 and isinstance(objects.json(), list)
    body = stats(emu)
    assert body['tokens_created'] == 1 and body['tokens'][ALICE_ID] is True
    assert token not in json.dumps(body)  # stats never show token values


def test_a_new_token_replaces_the_old(emu):
    old = create(emu, BOB_ID).json()
    new = create(emu, BOB_ID).json()
    assert old != new
    refused = requests.get(api(emu, '/objects'), params={'api-token': old}, timeout=5)
    assert refused.status_code == 401
    assert nested(refused) == ('Unauthorized', {'errorCode': 3, 'message': 'Invalid API token.'})
    assert requests.get(api(emu, '/objects'), params={'api-token': new}, timeout=5).status_code == 200


def test_delete_token_empties_the_field(emu):
    token = create(emu, ALICE_ID).json()
    response = requests.delete(api(emu, '/users/%s/auth-token' % ALICE_ID), auth=ADMIN, timeout=5)
    assert response.status_code == 200 and response.content == b''
    user = requests.get(api(emu, '/users/' + ALICE_ID), auth=ADMIN, timeout=5).json()
    assert user['authenticationToken'] is None
    assert requests.get(api(emu, '/objects'), params={'api-token': token}, timeout=5).status_code == 401
    requests.delete(api(emu, '/users/%s/auth-token' % ALICE_ID), auth=ADMIN, timeout=5)
    assert stats(emu)['tokens_deleted'] == 1  # deleting nothing deletes nothing


def test_error_bodies(emu):
    wrong = requests.get(api(emu, '/users/current'), auth=('admin', 'nope'), timeout=5)
    assert wrong.status_code == 401
    assert nested(wrong) == ('InvalidCredentials', {'errorCode': 3, 'message': 'Invalid login or password.'})
    anonymous = requests.get(api(emu, '/users/current'), timeout=5)
    assert nested(anonymous) == ('Unauthorized', {'errorCode': 3, 'message': 'Not logged in.'})
    forbidden = create(emu, ALICE_ID, auth=ALICE)  # even one's own token needs manage-users
    assert forbidden.status_code == 403 and forbidden.json()['code'] == 'Forbidden'
    assert 'manage-users' in forbidden.json()['message']
    other = requests.get(api(emu, '/users/' + BOB_ID), auth=ALICE, timeout=5)
    assert other.status_code == 403
    own = requests.get(api(emu, '/users/' + ALICE_ID), auth=ALICE, timeout=5)
    assert own.status_code == 200 and own.json()['login'] == 'alice'
    missing = create(emu, '5e21b752308c3c66d64effff')
    assert missing.status_code == 404 and missing.json()['code'] == 'NotFound'
    assert requests.get(emu.url + '/nothing', timeout=5).json()['code'] == 'ResourceNotFound'
    assert stats(emu)['tokens_created'] == 0


def test_logins_count_successful_basic_authentications(emu):
    requests.get(api(emu, '/users/current'), auth=ADMIN, timeout=5)
    requests.get(api(emu, '/users/current'), auth=('admin', 'nope'), timeout=5)
    assert stats(emu)['logins'] == 1


def test_token_authentication_can_be_switched_off(emu):
    token = create(emu, ADMIN_ID).json()
    requests.post(emu.root + '/_emulator/config', json={'token_auth_enabled': False}, timeout=5)
    assert requests.get(api(emu, '/objects'), params={'api-token': token}, timeout=5).status_code == 401
    # The token is still the user's: only its use is refused. A config change keeps tokens.
    assert requests.get(api(emu, '/users/current'), auth=ADMIN, timeout=5).json()['authenticationToken'] == token
    requests.post(emu.root + '/_emulator/config', json={'token_auth_enabled': True}, timeout=5)
    assert requests.get(api(emu, '/objects'), params={'api-token': token}, timeout=5).status_code == 200


def test_restart_keeps_tokens_expire_drops_them(emu):
    token = create(emu, ADMIN_ID).json()
    requests.post(emu.root + '/_emulator/restart', timeout=5)
    assert requests.get(api(emu, '/objects'), params={'api-token': token}, timeout=5).status_code == 200
    requests.post(emu.root + '/_emulator/expire', timeout=5)
    assert requests.get(api(emu, '/objects'), params={'api-token': token}, timeout=5).status_code == 401
    assert stats(emu)['tokens'][ADMIN_ID] is False


def test_changes_counted_on_post_objects(emu):
    token = create(emu, ADMIN_ID).json()
    made = requests.post(api(emu, '/objects'), params={'api-token': token}, json={'name': 'db-01'}, timeout=5)
    assert made.status_code == 200 and made.json()['name'] == 'db-01'
    bad = requests.post(api(emu, '/objects'), params={'api-token': token}, data='{oops',
                        headers={'Content-Type': 'application/json'}, timeout=5)
    assert bad.status_code == 400 and bad.json()['code'] == 'InvalidContent'
    denied = requests.post(api(emu, '/objects'), auth=('bob', 'bob-S4ymon-emulator-pw'), json={'name': 'x'}, timeout=5)
    assert denied.status_code == 403
    assert stats(emu)['changes'] == 1
    names = [o['name'] for o in requests.get(api(emu, '/objects'), auth=ADMIN, timeout=5).json()]
    assert 'db-01' in names


def test_cookie_sessions(emu):
    response = requests.post(api(emu, '/users/session'), json={'login': 'alice', 'password': ALICE[1]}, timeout=5)
    sid = response.json()
    assert response.cookies['sid'] == sid
    me = requests.get(api(emu, '/users/current'), cookies={'sid': sid}, timeout=5)
    assert me.json()['login'] == 'alice'
    token = create(emu, BOB_ID).json()
    by_token = requests.post(api(emu, '/users/session'), json={'auth-token': token}, timeout=5)
    assert by_token.status_code == 200
    wrong = requests.post(api(emu, '/users/session'), json={'login': 'alice', 'password': 'x'}, timeout=5)
    assert wrong.json()['code'] == 'InvalidCredentials'
    requests.post(emu.root + '/_emulator/restart', timeout=5)  # drops cookie sessions
    gone = requests.get(api(emu, '/users/current'), cookies={'sid': sid}, timeout=5)
    assert nested(gone) == ('Unauthorized', {'errorCode': 3, 'message': 'Session expired.'})
    again = requests.post(api(emu, '/users/session'), json={'login': 'alice', 'password': ALICE[1]}, timeout=5).json()
    assert requests.delete(api(emu, '/users/session'), cookies={'sid': again}, timeout=5).status_code == 200
    body = stats(emu)
    assert body['logouts'] == 1 and body['sessions'] == 0


def test_reset_forgets_tokens_and_seeded_tokens_apply_once(emu):
    seeded = '0f0f0f0f-1111-4222-8333-444444444444'
    requests.post(emu.root + '/_emulator/config', json={'users': {'carol': {
        'id': '5e21b752308c3c66d64e0a04', 'password': 'carol-pw-long-enough', 'token': seeded}}}, timeout=5)
    assert requests.get(api(emu, '/users/current'), params={'api-token': seeded}, timeout=5).json()['login'] == 'carol'
    requests.delete(api(emu, '/users/5e21b752308c3c66d64e0a04/auth-token'), auth=ADMIN, timeout=5)
    requests.post(emu.root + '/_emulator/config', json={'token_auth_enabled': True}, timeout=5)
    assert requests.get(api(emu, '/objects'), params={'api-token': seeded}, timeout=5).status_code == 401
    create(emu, ADMIN_ID)
    requests.post(emu.root + '/_emulator/reset', timeout=5)
    body = stats(emu)
    assert body['tokens_created'] == 0 and not any(body['tokens'].values()) and 'carol' not in body['user_ids']
