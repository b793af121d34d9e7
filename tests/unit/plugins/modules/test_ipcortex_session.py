# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ipcortex_session run in-process (run_module fixture) over faked HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.apiauth.sessions.plugins.modules import ipcortex_session

URL = 'https://pbx.example.com'
AUTH = URL + '/rest/auth/'
LOGOUT = URL + '/rest/auth/logout'
PASSWORD = 'Module-Pa55word-d00d-77'
KEY = 'module-auth-key-5eed-9876543210'
SESSION = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
USER = {'id': 7, 'login': 'ops', 'name': 'Operations', 'company': 'acme', 'home': 'acme', 'session': SESSION,
        'perms': {'admin': 'company'}}


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for name in ('URL', 'USERNAME', 'PASSWORD', 'API_KEY', 'API_KEY_TRANSPORT', 'VALIDATE_CERTS', 'CA_PATH',
                 'TIMEOUT'):
        monkeypatch.delenv('IPCORTEX_' + name, raising=False)


def assert_masked_invocation(result, name):
    # run_module asks ansible-core 2.21+ for the invocation echo too (INJECT_INVOCATION).
    assert result['invocation']['module_args'][name] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def login_ok(requests_mock, session=SESSION):
    requests_mock.post(AUTH, json={'result': 'success', 'user': dict(USER, session=session)},
                       headers={'Set-Cookie': 'Red60urne=%s; path=/' % session})


def test_password_login(run_module, requests_mock):
    login_ok(requests_mock)
    result = run_module(ipcortex_session, {'url': URL, 'username': 'ops', 'password': PASSWORD})
    assert result['changed'] is True
    assert result['session'] == SESSION
    assert result['headers'] == {'Cookie': 'Red60urne=%s' % SESSION}
    assert result['user'] == {k: v for k, v in USER.items() if k != 'session'}
    assert result['reused'] is False
    assert PASSWORD not in json.dumps(result)
    assert_masked_invocation(result, 'password')
    assert 'Cookie' not in requests_mock.last_request.headers


def test_check_mode_present_still_logs_in(run_module, requests_mock):
    login_ok(requests_mock)
    result = run_module(ipcortex_session, {'url': URL, 'username': 'ops', 'password': PASSWORD}, check_mode=True)
    assert result['changed'] is True and result['session'] == SESSION
    assert requests_mock.call_count == 1


@pytest.mark.parametrize('transport', ['body', 'header'])
def test_key(run_module, requests_mock, transport):
    requests_mock.post(AUTH, json={'result': 'success', 'user': {k: v for k, v in USER.items() if k != 'session'}})
    result = run_module(ipcortex_session, {'url': URL, 'api_key': KEY, 'api_key_transport': transport})
    assert result['changed'] is False
    assert result['user']['login'] == 'ops'
    assert 'session' not in result and 'headers' not in result
    assert KEY not in json.dumps(result)
    sent = requests_mock.last_request
    if transport == 'header':
        assert sent.headers['Authorization'] == 'token auth=%s' % KEY and sent.json() == {}
    else:
        assert sent.json() == {'auth': {'type': 'auth', 'key': KEY}} and 'Authorization' not in sent.headers


def test_bad_key(run_module, requests_mock):
    requests_mock.post(AUTH, json={'result': 'fail'})
    result = run_module(ipcortex_session, {'url': URL, 'api_key': KEY}, fails=True)
    assert 'refused the api_key' in result['msg']
    assert KEY not in json.dumps(result)


def test_bad_password(run_module, requests_mock):
    requests_mock.post(AUTH, json={'result': 'fail'})
    result = run_module(ipcortex_session, {'url': URL, 'username': 'ops', 'password': PASSWORD}, fails=True)
    assert 'wrong username or password' in result['msg']
    assert PASSWORD not in json.dumps(result)


def test_absent_twice(run_module, requests_mock):
    requests_mock.post(LOGOUT, [{'json': {'result': 'success'}}, {'json': {'result': 'fail'}}])
    args = {'url': URL, 'state': 'absent', 'session': SESSION}
    assert run_module(ipcortex_session, args)['changed'] is True
    assert run_module(ipcortex_session, args)['changed'] is False
    assert requests_mock.last_request.headers['Cookie'] == 'Red60urne=%s' % SESSION


@pytest.mark.parametrize('answer, changed', [('success', True), ('fail', False)])
def test_absent_check_mode_logs_out_as_a_real_run(run_module, requests_mock, answer, changed):
    # A check run opened the session (state=present logs in in check mode): it must not outlive the run.
    logout = requests_mock.post(LOGOUT, json={'result': answer})
    result = run_module(ipcortex_session, {'url': URL, 'state': 'absent', 'session': SESSION}, check_mode=True)
    assert result['changed'] is changed
    assert logout.call_count == 1


def test_present_keeps_a_live_session_usable(run_module, requests_mock):
    requests_mock.post(AUTH, json={'result': 'success', 'user': USER})
    result = run_module(ipcortex_session, {'url': URL, 'session': SESSION, 'username': 'ops', 'password': PASSWORD})
    assert result['changed'] is False and result['reused'] is True
    # The session was a no_log input; it must come back usable, not as ********.
    assert result['session'] == SESSION
    assert result['headers'] == {'Cookie': 'Red60urne=%s' % SESSION}
    assert_masked_invocation(result, 'session')
    assert requests_mock.call_count == 1


def test_present_logs_in_again_when_session_gone(run_module, requests_mock):
    requests_mock.post(AUTH, [
        {'json': {'result': 'fail'}},
        {'json': {'result': 'success', 'user': dict(USER, session='new-session-123')},
         'headers': {'Set-Cookie': 'Red60urne=new-session-123; path=/'}},
    ])
    result = run_module(ipcortex_session, {'url': URL, 'session': SESSION, 'username': 'ops', 'password': PASSWORD})
    assert result['changed'] is True and result['session'] == 'new-session-123'
    history = requests_mock.request_history
    assert history[0].headers['Cookie'] == 'Red60urne=%s' % SESSION
    assert 'Cookie' not in history[1].headers  # the fresh login carries no cookie


def test_present_session_of_another_user_is_not_kept(run_module, requests_mock):
    requests_mock.post(AUTH, [{'json': {'result': 'success', 'user': dict(USER, login='someone')}},
                              {'json': {'result': 'success', 'user': dict(USER, session='mine-456')},
                               'headers': {'Set-Cookie': 'Red60urne=mine-456; path=/'}}])
    result = run_module(ipcortex_session, {'url': URL, 'session': SESSION, 'username': 'ops', 'password': PASSWORD})
    assert result['changed'] is True and result['session'] == 'mine-456'


def test_present_dead_session_without_credentials(run_module, requests_mock):
    requests_mock.post(AUTH, json={'result': 'fail'})
    result = run_module(ipcortex_session, {'url': URL, 'session': SESSION}, fails=True)
    assert 'no longer live' in result['msg']
    assert SESSION not in json.dumps(result)


@pytest.mark.parametrize('args, needle', [
    ({'url': URL, 'username': 'ops', 'password': PASSWORD, 'api_key': KEY}, 'either username/password or api_key'),
    ({'url': URL}, 'no credentials'),
    ({'url': URL, 'username': 'ops'}, 'go together'),
    ({'url': '', 'username': 'ops', 'password': PASSWORD}, 'no url'),
    ({'username': 'ops', 'password': PASSWORD}, 'no url'),
    ({'url': URL + '/rest/auth/', 'username': 'ops', 'password': PASSWORD}, 'server root'),
    ({'url': 'https://ops:%s@pbx.example.com' % PASSWORD, 'username': 'ops', 'password': PASSWORD},
     'url must carry no user name or password'),
    ({'url': URL, 'state': 'absent'}, 'state=absent needs session'),
    ({'url': URL, 'api_key': KEY, 'session': SESSION}, 'session and api_key'),
])
def test_bad_input_fails_before_any_request(run_module, requests_mock, args, needle):
    result = run_module(ipcortex_session, args, fails=True)
    assert needle in result['msg']
    assert requests_mock.call_count == 0
    text = json.dumps(result)
    assert PASSWORD not in text and KEY not in text


def test_env_fallbacks(run_module, requests_mock, monkeypatch):
    monkeypatch.setenv('IPCORTEX_URL', URL)
    monkeypatch.setenv('IPCORTEX_API_KEY', KEY)
    monkeypatch.setenv('IPCORTEX_API_KEY_TRANSPORT', 'header')
    requests_mock.post(AUTH, json={'result': 'success', 'user': USER})
    result = run_module(ipcortex_session, {})
    assert result['user']['login'] == 'ops'
    assert requests_mock.last_request.headers['Authorization'] == 'token auth=%s' % KEY


def test_validate_certs_off_warns(run_module, requests_mock):
    login_ok(requests_mock)
    result = run_module(ipcortex_session, {'url': URL, 'username': 'ops', 'password': PASSWORD,
                                           'validate_certs': False})
    # ansible-core 2.19+ returns warnings as structured events: look at their text.
    assert 'TLS certificate verification is off' in json.dumps(result['warnings'])
