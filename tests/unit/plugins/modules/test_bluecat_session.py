# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bluecat_session through AnsibleModule (run_module), HTTP faked with requests_mock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import time

import pytest

from ansible_collections.apiauth.sessions.plugins.modules import bluecat_session

ROOT = 'https://bam.test'
SESSIONS = ROOT + '/api/v2/sessions'
CURRENT = ROOT + '/api/v2/sessions/current'
PASSWORD = 'Bc-module-Pw-2d8c41f0'
OLD = 'OldTokenOldTokenOldTokenOldTokenOldToken'
NEW = 'NewTokenNewTokenNewTokenNewTokenNewToken'
ARGS = {'url': ROOT, 'username': 'api', 'password': PASSWORD}


def iso(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def basic(token):
    return base64.b64encode(('api:' + token).encode()).decode()


def user_session(sid, token=None, ttl=86400, **extra):
    body = {'id': sid, 'type': 'UserSession', 'state': 'LOGGED_IN', 'readOnly': False,
            'apiTokenExpirationDateTime': iso(time.time() + ttl), 'remoteAddress': '10.0.0.1',
            'loginDateTime': iso(time.time()), 'logoutDateTime': None, 'response': None,
            'user': {'id': 3, 'type': 'User', 'name': 'api', '_links': {'self': {'href': '/api/v2/users/3'}}},
            '_links': {'self': {'href': '/api/v2/sessions/%s' % sid}}}
    if token:
        body.update(apiToken=token, basicAuthenticationCredentials=basic(token))
    body.update(extra)
    return body


def unauthorized():
    return {'status_code': 401, 'json': {'status': 401, 'reason': 'Unauthorized',
                                         'code': 'InvalidAuthorizationToken', 'message': 'invalid'}}


@pytest.fixture
def login(requests_mock):
    return requests_mock.post(SESSIONS, status_code=201, json=user_session(7, NEW))


def test_present_logs_in(run_module, login):
    result = run_module(bluecat_session, ARGS)
    assert result['changed'] is True
    assert result['session_id'] == 7 and result['api_token'] == NEW and result['username'] == 'api'
    assert result['headers'] == {'Authorization': 'Basic ' + basic(NEW)}
    assert 86000 < result['expires_in'] <= 86400 and result['expires_at'].endswith('Z')
    assert 'apiToken' not in result['session'] and 'basicAuthenticationCredentials' not in result['session']
    assert result['session']['user'] == {'id': 3, 'type': 'User', 'name': 'api'}
    assert '_links' not in result['session']
    assert PASSWORD not in json.dumps(result)
    assert login.call_count == 1


def test_present_reuses_a_valid_session(run_module, requests_mock, login):
    check = requests_mock.get(CURRENT, json=user_session(5))
    result = run_module(bluecat_session, dict(ARGS, session_id=5, api_token=OLD))
    assert result['changed'] is False
    assert result['session_id'] == 5
    # api_token is a no_log input: it must still come back usable, not as ********.
    assert result['api_token'] == OLD
    assert result['headers'] == {'Authorization': 'Basic ' + basic(OLD)}
    assert check.last_request.headers['Authorization'] == 'Basic ' + basic(OLD)
    assert login.call_count == 0
    # ...and it is not echoed in the invocation.
    assert OLD not in json.dumps(result.get('invocation', {}))
    assert PASSWORD not in json.dumps(result)


def test_present_reuse_works_without_password(run_module, requests_mock):
    requests_mock.get(CURRENT, json=user_session(5))
    result = run_module(bluecat_session, {'url': ROOT, 'username': 'api', 'session_id': '5', 'api_token': OLD})
    assert result['changed'] is False and result['api_token'] == OLD


@pytest.mark.parametrize('ttl,min_validity,changed', [(30, 60, True), (90, 60, False), (3600, 7200, True)])
def test_present_replaces_a_session_about_to_expire(run_module, requests_mock, login, ttl, min_validity, changed):
    requests_mock.get(CURRENT, json=user_session(5, ttl=ttl))
    result = run_module(bluecat_session, dict(ARGS, session_id=5, api_token=OLD, min_validity=min_validity))
    assert result['changed'] is changed
    assert result['api_token'] == (NEW if changed else OLD)
    assert login.call_count == (1 if changed else 0)


def test_present_replaces_an_invalid_session(run_module, requests_mock, login):
    requests_mock.get(CURRENT, **unauthorized())
    result = run_module(bluecat_session, dict(ARGS, session_id=5, api_token=OLD))
    assert result['changed'] is True and result['session_id'] == 7 and result['api_token'] == NEW


def test_present_token_of_another_session_logs_in_with_a_warning(run_module, requests_mock, login):
    requests_mock.get(CURRENT, json=user_session(6))
    result = run_module(bluecat_session, dict(ARGS, session_id=5, api_token=OLD))
    assert result['changed'] is True and result['session_id'] == 7
    assert 'not to session_id 5' in json.dumps(result['warnings'])  # plain or structured (2.19+)


def test_present_invalid_session_without_password(run_module, requests_mock):
    requests_mock.get(CURRENT, **unauthorized())
    result = run_module(bluecat_session, {'url': ROOT, 'username': 'api', 'session_id': 5, 'api_token': OLD},
                        fails=True)
    assert 'session 5 is no longer valid and no password was given' in result['msg']
    assert OLD not in result['msg']


def test_present_in_check_mode_still_logs_in(run_module, login):
    result = run_module(bluecat_session, ARGS, check_mode=True)
    assert result['changed'] is True and result['api_token'] == NEW
    assert login.call_count == 1


def test_absent_logs_out(run_module, requests_mock):
    patch = requests_mock.patch(SESSIONS + '/5', json=user_session(5, state='LOGGED_OUT',
                                                                   logoutDateTime='2024-01-01T00:00:00Z'))
    result = run_module(bluecat_session, {'url': ROOT, 'username': 'api', 'state': 'absent',
                                          'session_id': 5, 'api_token': OLD})
    assert result['changed'] is True and result['session']['state'] == 'LOGGED_OUT'
    assert patch.last_request.headers['Content-Type'] == 'application/merge-patch+json'
    assert patch.last_request.json() == {'state': 'LOGGED_OUT'}
    assert 'api_token' not in result


def test_absent_already_gone_is_unchanged(run_module, requests_mock):
    requests_mock.patch(SESSIONS + '/5', **unauthorized())
    result = run_module(bluecat_session, dict(ARGS, state='absent', session_id=5, api_token=OLD))
    assert result['changed'] is False


@pytest.mark.parametrize('answer,changed', [({'json': user_session(5)}, True), (unauthorized(), False)])
def test_absent_in_check_mode_logs_out_as_a_real_run(run_module, requests_mock, answer, changed):
    # A check run opened the session (state=present logs in in check mode): it must not outlive the run.
    patch = requests_mock.patch(SESSIONS + '/5', **answer)
    result = run_module(bluecat_session, dict(ARGS, state='absent', session_id=5, api_token=OLD), check_mode=True)
    assert result['changed'] is changed
    assert patch.call_count == 1


def test_absent_needs_a_session(run_module, requests_mock):
    result = run_module(bluecat_session, dict(ARGS, state='absent'), fails=True)
    assert 'state=absent needs session_id and api_token' in result['msg']
    assert requests_mock.call_count == 0


@pytest.mark.parametrize('args,needle', [
    ({'api_token': OLD}, 'a session given without its id'),
    ({'session_id': 5}, 'session_id 5 was given without its api_token'),
    ({'state': 'absent', 'api_token': OLD}, 'a session given without its id'),
    ({'url': ROOT + '/api/v2'}, 'url must be the server root'),
    ({'url': None}, 'no url was given'),
    ({'min_validity': -1}, 'min_validity'),
])
def test_bad_input_fails_before_any_request(run_module, requests_mock, monkeypatch, args, needle):
    monkeypatch.delenv('BLUECAT_URL', raising=False)
    result = run_module(bluecat_session, dict(ARGS, **args), fails=True)
    assert needle in result['msg']
    assert result['msg'].startswith('BlueCat Address Manager: ')
    assert requests_mock.call_count == 0
    assert OLD not in json.dumps(result) and PASSWORD not in json.dumps(result)


def test_wrong_password_is_clear(run_module, requests_mock):
    requests_mock.post(SESSIONS, status_code=401, json={'status': 401, 'reason': 'Unauthorized',
                                                        'code': 'InvalidCredentials', 'message': 'Invalid'})
    result = run_module(bluecat_session, ARGS, fails=True)
    assert 'username or password was refused' in result['msg']
    assert result['status'] == 401 and result['error_code'] == 'InvalidCredentials'
    assert PASSWORD not in json.dumps(result)


def test_connection_options_from_the_environment(run_module, login, monkeypatch):
    monkeypatch.setenv('BLUECAT_URL', ROOT)
    monkeypatch.setenv('BLUECAT_USERNAME', 'api')
    monkeypatch.setenv('BLUECAT_PASSWORD', PASSWORD)
    monkeypatch.setenv('BLUECAT_READ_ONLY', 'true')
    result = run_module(bluecat_session, {})
    assert result['changed'] is True
    assert login.last_request.json() == {'username': 'api', 'password': PASSWORD, 'readOnly': True}
    assert PASSWORD not in json.dumps(result)


def test_refused_login_still_warns_that_tls_verification_is_off(run_module, requests_mock):
    # The credentials already went out unverified: the user must hear it on failure too.
    requests_mock.post(SESSIONS, status_code=401, json={'status': 401, 'reason': 'Unauthorized',
                                                        'code': 'InvalidCredentials', 'message': 'bad'})
    result = run_module(bluecat_session, dict(ARGS, validate_certs=False), fails=True)
    assert 'TLS certificate verification is off' in json.dumps(result.get('warnings'))
    assert PASSWORD not in json.dumps(result)
