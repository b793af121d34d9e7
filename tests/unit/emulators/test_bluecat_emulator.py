# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The BlueCat emulator in-process over real HTTP on 127.0.0.1: it must answer as the vendor's
RESTful v2 documentation and its example say (docs/bluecat.md), since the integration tests trust it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import calendar
import os
import re
import sys
import time

import pytest
import requests

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'emulators')
sys.path.insert(0, os.path.abspath(HERE))

from base import EmulatorServer  # noqa: E402  pylint: disable=wrong-import-position
from bluecat import BluecatEmulator  # noqa: E402  pylint: disable=wrong-import-position

PASSWORD = 'Emu-Bc-Pw-5e0b77a1'
# Every field of the vendor's example answer (seed 002).
SEED_FIELDS = {'id', 'type', 'apiToken', 'apiTokenExpirationDateTime', 'basicAuthenticationCredentials', 'state',
               'remoteAddress', 'readOnly', 'loginDateTime', 'logoutDateTime', 'response', 'user', 'authenticator',
               '_links'}
ISO_Z = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
MERGE = {'Content-Type': 'application/merge-patch+json'}


@pytest.fixture
def emu():
    emulator = BluecatEmulator({'users': {'alice': {'password': PASSWORD, 'id': 42},
                                          'bob': {'password': PASSWORD + 'b', 'id': 43}}})
    server = EmulatorServer(emulator).start()
    emulator.root = server.root
    yield emulator
    server.shutdown()
    server.server_close()


def login(emu, user='alice', password=PASSWORD, **extra):
    body = dict({'username': user, 'password': password}, **extra)
    return requests.post(emu.root + '/api/v2/sessions', json=body, timeout=5)


def auth(session):
    return {'Authorization': 'Basic ' + session['basicAuthenticationCredentials']}


def stats(emu):
    return requests.get(emu.root + '/_emulator/stats', timeout=5).json()


def assert_error(response, status, code=None):
    assert response.status_code == status
    assert response.headers['Content-Type'].startswith('application/json')
    body = response.json()
    assert set(body) == {'status', 'reason', 'code', 'message'} and body['status'] == status
    if code:
        assert body['code'] == code


def test_login_answers_as_the_vendor_example(emu):
    before = time.time()
    response = login(emu)
    assert response.status_code == 201
    assert response.headers['Content-Type'] == 'application/hal+json'
    body = response.json()
    assert set(body) == SEED_FIELDS
    assert body['type'] == 'UserSession' and body['state'] == 'LOGGED_IN' and body['readOnly'] is False
    assert re.match(r'^[A-Za-z0-9+/]{40}$', body['apiToken'])
    assert base64.b64decode(body['basicAuthenticationCredentials']).decode() == 'alice:' + body['apiToken']
    assert ISO_Z.match(body['apiTokenExpirationDateTime']) and ISO_Z.match(body['loginDateTime'])
    expiry = calendar.timegm(time.strptime(body['apiTokenExpirationDateTime'], '%Y-%m-%dT%H:%M:%SZ'))
    assert before + 86400 - 2 <= expiry <= time.time() + 86400
    assert body['remoteAddress'] == '127.0.0.1' and body['logoutDateTime'] is None and body['response'] is None
    assert body['user']['name'] == 'alice' and body['user']['id'] == 42 and body['user']['type'] == 'User'
    assert body['_links']['self']['href'] == '/api/v2/sessions/%s' % body['id']
    assert login(emu).json()['id'] == body['id'] + 1
    assert login(emu, readOnly=True).json()['readOnly'] is True
    assert stats(emu)['logins'] == 3 and stats(emu)['live_sessions'] == 3


def test_login_refusals(emu):
    assert_error(login(emu, password='nope'), 401, 'InvalidCredentials')
    assert_error(login(emu, user='nobody'), 401, 'InvalidCredentials')
    assert_error(requests.post(emu.root + '/api/v2/sessions', json={'username': 'alice'}, timeout=5), 400)
    assert_error(requests.post(emu.root + '/api/v2/sessions', data='username=alice', timeout=5,
                               headers={'Content-Type': 'application/x-www-form-urlencoded'}), 415)
    assert_error(requests.post(emu.root + '/api/v2/sessions', data='{"user', timeout=5,
                               headers={'Content-Type': 'application/json'}), 400)
    counters = stats(emu)
    assert counters['failed_logins'] == 2 and counters['logins'] == 0 and counters['live_sessions'] == 0


def test_protected_endpoints_need_basic_credentials(emu):
    session = login(emu).json()
    url = emu.root + '/api/v2/configurations'
    ok = requests.get(url, headers=auth(session), timeout=5)
    assert ok.status_code == 200
    assert ok.json() == {'count': 1, 'data': [{'id': 1, 'name': 'Main', 'type': 'Configuration'}]}
    assert_error(requests.get(url, timeout=5), 401, 'InvalidAuthorizationToken')
    bad = base64.b64encode(b'alice:' + b'x' * 40).decode()
    assert_error(requests.get(url, headers={'Authorization': 'Basic ' + bad}, timeout=5), 401)
    wrong_user = base64.b64encode(('bob:' + session['apiToken']).encode()).decode()
    assert_error(requests.get(url, headers={'Authorization': 'Basic ' + wrong_user}, timeout=5), 401)
    assert_error(requests.get(url, headers={'Authorization': 'Bearer ' + session['apiToken']}, timeout=5), 401)
    # The password itself is not an apiToken.
    with_password = base64.b64encode(('alice:' + PASSWORD).encode()).decode()
    assert_error(requests.get(url, headers={'Authorization': 'Basic ' + with_password}, timeout=5), 401)


def test_current_session(emu):
    session = login(emu).json()
    current = requests.get(emu.root + '/api/v2/sessions/current', headers=auth(session), timeout=5)
    assert current.status_code == 200
    body = current.json()
    assert body['id'] == session['id'] and body['state'] == 'LOGGED_IN'
    assert body['apiTokenExpirationDateTime'] == session['apiTokenExpirationDateTime']
    assert 'apiToken' not in body and 'basicAuthenticationCredentials' not in body


def test_logout(emu):
    alice = login(emu).json()
    bob = login(emu, 'bob', PASSWORD + 'b').json()
    url = emu.root + '/api/v2/sessions/%s' % alice['id']
    body = {'state': 'LOGGED_OUT'}
    assert_error(requests.patch(url, json=body, headers=auth(alice), timeout=5), 415)
    assert_error(requests.patch(url, json={'state': 'LOGGED_IN'}, timeout=5, headers=dict(MERGE, **auth(alice))), 400)
    assert_error(requests.patch(url, json=body, headers=dict(MERGE, **auth(bob)), timeout=5), 403)
    assert_error(requests.patch(emu.root + '/api/v2/sessions/999', json=body, timeout=5,
                                headers=dict(MERGE, **auth(alice))), 404)
    assert stats(emu)['logouts'] == 0
    done = requests.patch(url, json=body, headers=dict(MERGE, **auth(alice)), timeout=5)
    assert done.status_code == 200 and done.json()['state'] == 'LOGGED_OUT'
    assert ISO_Z.match(done.json()['logoutDateTime'])
    assert_error(requests.patch(url, json=body, headers=dict(MERGE, **auth(alice)), timeout=5), 401)
    assert_error(requests.get(emu.root + '/api/v2/sessions/current', headers=auth(alice), timeout=5), 401)
    counters = stats(emu)
    assert counters['logouts'] == 1 and counters['live_sessions'] == 1


def test_expiry_idle_and_admin_expire(emu, monkeypatch):
    session = login(emu).json()
    url = emu.root + '/api/v2/sessions/current'
    assert requests.get(url, headers=auth(session), timeout=5).status_code == 200
    assert requests.post(emu.root + '/_emulator/expire', json={}, timeout=5).json()['live_sessions'] == 0
    assert_error(requests.get(url, headers=auth(session), timeout=5), 401, 'InvalidAuthorizationToken')

    requests.post(emu.root + '/_emulator/config', json={'token_ttl': 100, 'idle_timeout': 50}, timeout=5)
    session = login(emu).json()
    start = time.time()
    monkeypatch.setattr(emu, 'now', lambda: start + 49)
    assert requests.get(url, headers=auth(session), timeout=5).status_code == 200  # resets the idle clock
    monkeypatch.setattr(emu, 'now', lambda: start + 98)
    assert requests.get(url, headers=auth(session), timeout=5).status_code == 200
    monkeypatch.setattr(emu, 'now', lambda: start + 101)
    assert_error(requests.get(url, headers=auth(session), timeout=5), 401)  # past the announced expiry
    session = login(emu).json()
    monkeypatch.setattr(emu, 'now', lambda: start + 101 + 50)
    assert_error(requests.get(url, headers=auth(session), timeout=5), 401)  # idle


def test_configurations_count_changes(emu):
    session = login(emu).json()
    url = emu.root + '/api/v2/configurations'
    created = requests.post(url, json={'name': 'Lab'}, headers=auth(session), timeout=5)
    assert created.status_code == 201 and created.json()['name'] == 'Lab'
    assert_error(requests.post(url, json={'name': 'Lab'}, headers=auth(session), timeout=5), 409)
    assert_error(requests.post(url, json={}, headers=auth(session), timeout=5), 400)
    found = requests.get(url, params={'filter': "name:eq('Lab')"}, headers=auth(session), timeout=5).json()
    assert found['count'] == 1
    read_only = login(emu, readOnly=True).json()
    assert_error(requests.post(url, json={'name': 'X'}, headers=auth(read_only), timeout=5), 403)
    item = url + '/%s' % created.json()['id']
    assert requests.delete(item, headers=auth(session), timeout=5).status_code == 204
    assert_error(requests.get(item, headers=auth(session), timeout=5), 404)
    counters = stats(emu)
    assert counters['changes'] == 2 and counters['configurations'] == ['Main']
    requests.post(emu.root + '/_emulator/reset', json={}, timeout=5)
    assert stats(emu)['changes'] == 0 and stats(emu)['live_sessions'] == 0


def test_faults_are_inherited(emu):
    requests.post(emu.root + '/_emulator/faults', json={'faults': [{'kind': 'html', 'path': 'sessions'}]}, timeout=5)
    response = login(emu)
    assert response.status_code == 200 and 'html' in response.headers['Content-Type']
    assert login(emu).status_code == 201
