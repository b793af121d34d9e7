# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IPCortex client over faked HTTP (requests_mock)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils import ipcortex
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError

URL = 'https://pbx.example.com'
AUTH = URL + '/rest/auth/'
LOGOUT = URL + '/rest/auth/logout'
PASSWORD = 'Unit-Pa55word-c0ffee-42'
KEY = 'unit-auth-key-7e57ab1e-0123456789'
SESSION = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
USER = {'id': 123, 'login': 'ops', 'name': 'Operations', 'company': 'acme', 'home': 'acme',
        'session': SESSION, 'perms': {'admin': 'company'}}


def params(**kw):
    base = {'url': URL, 'validate_certs': True, 'ca_path': None, 'timeout': 5, 'username': None, 'password': None,
            'api_key': None, 'api_key_transport': 'body'}
    base.update(kw)
    return base


def pw_params(**kw):
    return params(username='ops', password=PASSWORD, **kw)


def login_ok(requests_mock, session=SESSION, cookie=True, user=None):
    headers = {'Set-Cookie': '%s=%s; path=/' % (ipcortex.COOKIE, session)} if cookie else {}
    requests_mock.post(AUTH, json={'result': 'success', 'user': user or dict(USER, session=session)}, headers=headers)


# -- options and documentation ---------------------------------------------------------------
def test_argument_spec_secrets_and_env():
    spec = ipcortex.Ipcortex.argument_spec(state=dict(type='str'))
    assert spec['password']['no_log'] is True and spec['api_key']['no_log'] is True
    assert 'no_log' not in spec['username']
    assert spec['api_key']['fallback'][1] == ['IPCORTEX_API_KEY']
    assert spec['api_key_transport']['choices'] == ['body', 'header']
    assert spec['api_key_transport']['default'] == 'body'
    assert 'state' in spec


@pytest.mark.parametrize('kw, expected', [
    ({'username': 'ops', 'password': 'x'}, 'password'),
    ({'api_key': 'k'}, 'key'),
    ({}, None),
])
def test_auth_mode(kw, expected):
    assert ipcortex.auth_mode(params(**kw)) == expected


@pytest.mark.parametrize('kw, needle', [
    ({'username': 'ops', 'password': PASSWORD, 'api_key': KEY}, 'either username/password or api_key'),
    ({'password': PASSWORD, 'api_key': KEY}, 'either username/password or api_key'),
    ({'username': 'ops'}, 'go together'),
    ({'password': PASSWORD}, 'go together'),
])
def test_auth_mode_refuses(kw, needle):
    with pytest.raises(ApiError) as caught:
        ipcortex.auth_mode(params(**kw))
    assert needle in str(caught.value)
    assert PASSWORD not in str(caught.value) and KEY not in str(caught.value)


@pytest.mark.parametrize('url, needle', [
    ('', 'no url'),
    ('https://pbx.example.com/rest', 'server root'),
    ('ftp://pbx.example.com', 'https://'),
])
def test_bad_url_refused_before_any_request(requests_mock, url, needle):
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient(pw_params(url=url))
    assert needle in str(caught.value)
    assert requests_mock.call_count == 0


# -- login -------------------------------------------------------------------------------------
def test_login_sends_credentials_and_no_cookie(requests_mock):
    login_ok(requests_mock)
    client = ipcortex.IpcortexClient(pw_params())
    client.http.session.cookies.set(ipcortex.COOKIE, 'stale-session-from-before')  # must not be sent
    session, answer = client.login()
    assert session == SESSION
    assert answer['user']['login'] == 'ops'
    sent = requests_mock.last_request
    assert sent.method == 'POST'
    assert sent.json() == {'auth': {'type': 'auth', 'username': 'ops', 'password': PASSWORD}}
    assert 'Cookie' not in sent.headers
    assert sent.headers['Content-Type'] == 'application/json'


def test_login_prefers_cookie_over_body(requests_mock):
    login_ok(requests_mock, session='from-cookie-111', user=dict(USER, session='from-body-222'))
    session = ipcortex.IpcortexClient(pw_params()).login()[0]
    assert session == 'from-cookie-111'


def test_login_falls_back_to_user_session(requests_mock):
    login_ok(requests_mock, cookie=False)
    session = ipcortex.IpcortexClient(pw_params()).login()[0]
    assert session == SESSION


def test_login_without_any_session_is_an_error(requests_mock):
    requests_mock.post(AUTH, json={'result': 'success', 'user': {'id': 1, 'login': 'ops'}})
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient(pw_params()).login()
    assert 'no Red60urne session cookie' in str(caught.value)


def test_login_fail_with_http_200(requests_mock):
    requests_mock.post(AUTH, status_code=200, json={'result': 'fail'})
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient(pw_params()).login()
    msg = str(caught.value)
    assert 'wrong username or password' in msg and "'ops'" in msg and URL in msg
    assert PASSWORD not in msg
    assert caught.value.status == 200


def test_server_message_is_redacted(requests_mock):
    requests_mock.post(AUTH, json={'result': 'fail', 'message': 'password %s refused' % PASSWORD})
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient(pw_params()).login()
    msg = str(caught.value)
    assert 'The server said: password ******** refused' in msg
    assert PASSWORD not in msg


@pytest.mark.parametrize('status, body, ctype, needle', [
    (404, 'Not Found', 'text/plain', 'server root'),
    (502, '<html>Bad Gateway</html>', 'text/html', 'HTTP 502 (server error)'),
    (200, '<html><body>Login</body></html>', 'text/html', 'an HTML page'),
    (200, '{"result": "succ', 'application/json', 'not valid JSON'),
    (200, '{"ok": true}', 'application/json', 'no "result" field'),
    (200, '[1, 2]', 'application/json', 'no "result" field'),
    (401, '', 'text/plain', 'HTTP 401 with an empty body'),
])
def test_unexpected_answers(requests_mock, status, body, ctype, needle):
    requests_mock.post(AUTH, status_code=status, text=body, headers={'Content-Type': ctype})
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient(pw_params()).login()
    assert needle in str(caught.value)
    assert 'IPCortex' in str(caught.value)


def test_login_is_not_retried_on_5xx(requests_mock):
    requests_mock.post(AUTH, status_code=503, text='busy')
    with pytest.raises(ApiError):
        ipcortex.IpcortexClient(pw_params()).login()
    assert requests_mock.call_count == 1  # a login is not read-only: never sent twice


# -- keys --------------------------------------------------------------------------------------
def test_key_in_body(requests_mock):
    requests_mock.post(AUTH, json={'result': 'success', 'user': dict(USER, session=None)})
    answer = ipcortex.IpcortexClient(params(api_key=KEY)).validate_key()
    assert answer['user']['login'] == 'ops'
    sent = requests_mock.last_request
    assert sent.json() == {'auth': {'type': 'auth', 'key': KEY}}
    assert 'Authorization' not in sent.headers and 'Cookie' not in sent.headers


def test_key_as_header(requests_mock):
    requests_mock.post(AUTH, json={'result': 'success', 'user': USER})
    ipcortex.IpcortexClient(params(api_key=KEY, api_key_transport='header')).validate_key()
    sent = requests_mock.last_request
    assert sent.headers['Authorization'] == 'token auth=%s' % KEY
    assert KEY not in sent.text


@pytest.mark.parametrize('transport, hint', [('body', False), ('header', True)])
def test_bad_key(requests_mock, transport, hint):
    requests_mock.post(AUTH, json={'result': 'fail', 'message': 'bad key %s' % KEY})
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient(params(api_key=KEY, api_key_transport=transport)).validate_key()
    msg = str(caught.value)
    assert 'refused the api_key' in msg
    assert KEY not in msg
    assert ('6.3.10' in msg) is hint


# -- session check and logout -------------------------------------------------------------------
def test_check_session_live_and_gone(requests_mock):
    requests_mock.post(AUTH, [{'json': {'result': 'success', 'user': USER}}, {'json': {'result': 'fail'}}])
    client = ipcortex.IpcortexClient(params())
    assert client.check_session(SESSION)['user']['login'] == 'ops'
    sent = requests_mock.last_request
    assert sent.headers['Cookie'] == 'Red60urne=%s' % SESSION
    assert sent.json() == {}  # no credentials: a check, not a login
    assert client.check_session(SESSION) is None


@pytest.mark.parametrize('reply, expected', [
    ({'json': {'result': 'success'}}, True),
    ({'json': {'result': 'fail'}}, False),
    ({'text': ''}, True),
])
def test_logout(requests_mock, reply, expected):
    requests_mock.post(LOGOUT, **reply)
    assert ipcortex.IpcortexClient(params()).logout(SESSION) is expected
    sent = requests_mock.last_request
    assert sent.json() == {'auth': {'type': 'auth'}}
    assert sent.headers['Cookie'] == 'Red60urne=%s' % SESSION


def test_session_is_redacted_from_errors(requests_mock):
    requests_mock.post(LOGOUT, status_code=500, text='boom')
    client = ipcortex.IpcortexClient(params())
    assert client.redact('x %s y' % SESSION) == 'x %s y' % SESSION  # not yet known
    with pytest.raises(ApiError):
        client.logout(SESSION)
    assert SESSION not in client.redact('cookie %s' % SESSION)


def test_connection_refused_is_one_clear_sentence():
    client = ipcortex.IpcortexClient(pw_params(url='http://127.0.0.1:9', timeout=2))
    with pytest.raises(ApiError) as caught:
        client.login()
    assert 'cannot connect to http://127.0.0.1:9/rest/auth/' in str(caught.value)


# -- lookup hooks --------------------------------------------------------------------------------
def test_lookup_open_password_and_close(requests_mock):
    login_ok(requests_mock)
    opened = ipcortex.Ipcortex.open_session(pw_params())
    assert opened['token'] == SESSION
    assert opened['headers'] == {'Cookie': 'Red60urne=%s' % SESSION}
    assert opened['handle'] == {'session': SESSION}
    assert opened['full']['user']['login'] == 'ops'
    assert opened['params'] == {} and opened['expires_at'] is None
    json.dumps(opened['handle'])
    requests_mock.post(LOGOUT, [{'json': {'result': 'success'}}, {'json': {'result': 'fail'}}])
    assert ipcortex.Ipcortex.end_session(params(), opened['handle']) is True
    assert ipcortex.Ipcortex.end_session(params(), opened['handle']) is False


def test_lookup_open_key(requests_mock):
    requests_mock.post(AUTH, json={'result': 'success', 'user': USER})
    opened = ipcortex.Ipcortex.open_session(params(api_key=KEY, api_key_transport='header'))
    assert opened['token'] == KEY
    assert opened['headers'] == {'Authorization': 'token auth=%s' % KEY}
    assert opened['handle'] == {}
    calls = requests_mock.call_count
    assert ipcortex.Ipcortex.end_session(params(), opened['handle']) is False
    assert requests_mock.call_count == calls


def test_lookup_open_without_credentials(requests_mock):
    with pytest.raises(ApiError) as caught:
        ipcortex.Ipcortex.open_session(params())
    assert 'no credentials' in str(caught.value)
    assert requests_mock.call_count == 0
