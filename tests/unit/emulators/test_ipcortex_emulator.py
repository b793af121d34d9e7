# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IPCortex emulator over real HTTP on 127.0.0.1, and the client against it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'emulators'))

from base import EmulatorServer  # noqa: E402
from ipcortex import IpcortexEmulator  # noqa: E402

from ansible_collections.apiauth.sessions.plugins.module_utils import ipcortex as client_mod  # noqa: E402
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError  # noqa: E402

KEY = 'alice-auth-key-0123456789abcdef'


@pytest.fixture
def server():
    srv = EmulatorServer(IpcortexEmulator()).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def post(server, path, body=None, **kw):
    return requests.post(server.root + path, json=body if body is not None else {}, timeout=5, **kw)


def login(server, username='alice', password='alice-secret-password', cookie=None):
    headers = {'Cookie': 'Red60urne=%s' % cookie} if cookie else {}
    return post(server, '/rest/auth/', {'auth': {'type': 'auth', 'username': username, 'password': password}},
                headers=headers)


def stats(server):
    return requests.get(server.root + '/_emulator/stats', timeout=5).json()


def test_login_answer_has_every_vendor_field(server):
    reply = login(server)
    assert reply.status_code == 200
    body = reply.json()
    assert body['result'] == 'success'
    assert set(body['user']) == {'id', 'login', 'name', 'company', 'home', 'session', 'perms'}
    assert reply.cookies['Red60urne'] == body['user']['session']
    assert reply.headers['Set-Cookie'] == 'Red60urne=%s; path=/' % body['user']['session']
    assert stats(server)['logins'] == 1 and stats(server)['live_sessions'] == 1


def test_failures_are_200_with_result_fail(server):
    reply = login(server, password='wrong')
    assert reply.status_code == 200 and reply.json()['result'] == 'fail'
    assert 'Set-Cookie' not in reply.headers
    reply = post(server, '/rest/auth/', {'auth': {'type': 'auth', 'key': 'nope'}})
    assert reply.status_code == 200 and reply.json()['result'] == 'fail'
    assert stats(server)['failed_logins'] == 1 and stats(server)['failed_keys'] == 1


def test_login_with_live_cookie_keeps_that_session(server):
    first = login(server).json()['user']['session']
    again = login(server, 'bob', 'bob-secret-password', cookie=first).json()['user']
    assert again['session'] == first and again['login'] == 'bob'
    assert stats(server)['live_sessions'] == 1
    fresh = login(server).json()['user']['session']
    assert fresh != first and stats(server)['live_sessions'] == 2


def test_protected_endpoint_and_logout(server):
    sid = login(server).json()['user']['session']
    cookie = {'Cookie': 'Red60urne=%s' % sid}
    read = post(server, '/rest/pbx/read/extension', {'columns': ['extension']}, headers=cookie).json()
    assert read == {'result': 'success', 'values': [{'extension': '201'}, {'extension': '202'}],
                    'numrows': 2}  # the vendor's read answers carry numrows
    assert post(server, '/rest/pbx/read/extension').json()['result'] == 'fail'
    created = post(server, '/rest/pbx/create/extension', {'values': {'extension': '301', 'name': 'Lab'}},
                   headers=cookie).json()
    assert created['result'] == 'success' and stats(server)['changes'] == 1
    assert post(server, '/rest/auth/logout', {'auth': {'type': 'auth'}}, headers=cookie).json()['result'] == 'success'
    assert post(server, '/rest/auth/logout', {'auth': {'type': 'auth'}}, headers=cookie).json()['result'] == 'fail'
    assert post(server, '/rest/pbx/read/extension', headers=cookie).json()['result'] == 'fail'
    assert stats(server)['logouts'] == 1 and stats(server)['live_sessions'] == 0


def test_both_key_forms(server):
    body = post(server, '/rest/pbx/read/extension', {'auth': {'type': 'auth', 'key': KEY}}).json()
    assert body['result'] == 'success'
    header = {'Authorization': 'token auth=%s' % KEY}
    assert post(server, '/rest/pbx/read/extension', headers=header).json()['result'] == 'success'
    who = post(server, '/rest/auth/', headers=header)
    assert who.json()['user']['login'] == 'alice' and 'session' not in who.json()['user']
    assert 'Set-Cookie' not in who.headers
    assert stats(server)['live_sessions'] == 0


def test_permission_needed_to_change(server):
    sid = login(server, 'bob', 'bob-secret-password').json()['user']['session']
    reply = post(server, '/rest/pbx/create/extension', {'values': {'extension': '9'}},
                 headers={'Cookie': 'Red60urne=%s' % sid}).json()
    assert reply == {'result': 'fail', 'message': 'Permission denied'}


def test_expiry_and_ttl(server):
    sid = login(server).json()['user']['session']
    requests.post(server.root + '/_emulator/expire', json={'sessions': [sid]}, timeout=5)
    assert post(server, '/rest/auth/', headers={'Cookie': 'Red60urne=%s' % sid}).json()['result'] == 'fail'
    requests.post(server.root + '/_emulator/config', json={'session_ttl': 0.001}, timeout=5)
    sid = login(server).json()['user']['session']
    server.emulator.now = lambda: 1e12  # far in the future: the idle TTL has passed
    assert post(server, '/rest/auth/', headers={'Cookie': 'Red60urne=%s' % sid}).json()['result'] == 'fail'


def test_client_against_emulator(server):
    params = {'url': server.root, 'username': 'alice', 'password': 'alice-secret-password'}
    client = client_mod.IpcortexClient(params)
    sid, answer = client.login()
    # The jar of the same client now holds a cookie; a second login must still make a new session.
    sid2 = client.login()[0]
    assert sid != sid2 and answer['user']['login'] == 'alice'
    assert client.check_session(sid)['user']['session'] == sid
    assert client.logout(sid) is True and client.logout(sid) is False
    assert client.check_session(sid) is None
    for transport in ('body', 'header'):
        key_client = client_mod.IpcortexClient({'url': server.root, 'api_key': KEY, 'api_key_transport': transport})
        assert key_client.validate_key()['user']['login'] == 'alice'
    with pytest.raises(ApiError) as caught:
        client_mod.IpcortexClient({'url': server.root, 'api_key': 'wrong-key-xyz'}).validate_key()
    assert 'refused the api_key' in str(caught.value)
    opened = client_mod.Ipcortex.open_session(params)
    assert client_mod.Ipcortex.end_session(params, opened['handle']) is True
    assert stats(server)['live_sessions'] == 1  # sid2
