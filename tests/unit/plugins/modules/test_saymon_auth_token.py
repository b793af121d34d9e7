# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""saymon_auth_token through AnsibleModule (run_module), HTTP faked with requests_mock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils import _http as http
from ansible_collections.apiauth.sessions.plugins.module_utils._module import SECRET_PARAM_MASK
from ansible_collections.apiauth.sessions.plugins.modules import saymon_auth_token as module

ROOT = 'https://saymon.test'
API = ROOT + '/node/api'
PASSWORD = 'Pw-module-unit-9Zk#saymon'
ARGS = {'url': ROOT, 'username': 'admin', 'password': PASSWORD}
ADMIN_ID = '5e21b752308c3c66d64e0a01'
ALICE_ID = '5e21b752308c3c66d64e0a02'
OLD = '11111111-2222-4333-8444-555555555555'
NEW = '99999999-8888-4777-8666-555555555555'


def user(uid=ADMIN_ID, login='admin', token=None):
    return {'id': uid, 'login': login, 'authenticationToken': token, 'permissions': ['manage-users']}


def refused():
    return {'status_code': 401, 'json': {'code': 'Unauthorized',
                                         'message': '{"errorCode":3,"message":"Invalid API token."}'}}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ('URL', 'USERNAME', 'PASSWORD', 'USER_ID', 'VALIDATE_CERTS', 'CA_PATH', 'TIMEOUT'):
        monkeypatch.delenv('SAYMON_' + name, raising=False)
    monkeypatch.setattr(http.time, 'sleep', lambda seconds: None)


@pytest.fixture
def api(requests_mock):
    """Routes shared by the tests; each test adds or overrides what it needs."""
    class Api(object):
        current = requests_mock.get(API + '/users/current', json=user())
        by_token = requests_mock.get(API + '/users/current?api-token=' + OLD, **refused())
        create = requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, text='"%s"\n' % NEW)
        delete = requests_mock.delete(API + '/users/%s/auth-token' % ADMIN_ID, text='')
        alice = requests_mock.get(API + '/users/' + ALICE_ID, json=user(ALICE_ID, 'alice'))
        create_alice = requests_mock.post(API + '/users/%s/auth-token' % ALICE_ID, text='"%s"' % NEW)
        delete_alice = requests_mock.delete(API + '/users/%s/auth-token' % ALICE_ID, text='')
    Api.mock = requests_mock
    return Api


def no_secret(result):
    text = json.dumps(result)
    assert PASSWORD not in text
    assert 'YWRtaW46' not in text  # base64 of "admin:", the start of the Basic credential


# -- present ---------------------------------------------------------------------------------
def test_present_creates_for_the_logged_in_user(run_module, api):
    result = run_module(module, ARGS)
    assert result['changed'] is True
    assert result['auth_token'] == NEW and result['params'] == {'api-token': NEW}
    assert result['user_id'] == ADMIN_ID and result['login'] == 'admin'
    assert api.current.called and api.create.call_count == 1
    no_secret(result)
    assert result['invocation']['module_args']['password'] == SECRET_PARAM_MASK


def test_present_creates_for_another_user_id(run_module, api):
    result = run_module(module, dict(ARGS, user_id=ALICE_ID))
    assert result['changed'] is True and result['login'] == 'alice' and result['user_id'] == ALICE_ID
    assert api.create_alice.call_count == 1 and not api.create.called and not api.current.called


def test_present_keeps_a_valid_token_and_never_shows_it(run_module, api):
    # A SAYMON token never expires: the user's own, given and kept, is not printed back.
    api.mock.get(API + '/users/current?api-token=' + OLD, json=user(token=OLD))
    result = run_module(module, dict(ARGS, auth_token=OLD))
    assert result['changed'] is False and result['created'] is False
    assert OLD not in json.dumps(result)
    assert result['auth_token'] not in (None, OLD) and result['params'] == {'api-token': result['auth_token']}
    assert result['invocation']['module_args']['auth_token'] == SECRET_PARAM_MASK
    assert not api.create.called
    # Validated with the token alone: no Basic login for a kept token.
    assert all('Authorization' not in r.headers for r in api.mock.request_history)


def test_present_keeps_a_valid_token_without_password(run_module, api):
    api.mock.get(API + '/users/current?api-token=' + OLD, json=user(ALICE_ID, 'alice', token=OLD))
    result = run_module(module, {'url': ROOT, 'auth_token': OLD})
    assert result['changed'] is False and result['login'] == 'alice'


def test_present_replaces_a_token_that_was_replaced(run_module, api):
    result = run_module(module, dict(ARGS, auth_token=OLD))
    assert result['changed'] is True and result['auth_token'] == NEW
    assert api.by_token.called and api.create.call_count == 1


def test_present_refuses_a_token_of_another_user(run_module, api):
    api.mock.get(API + '/users/current?api-token=' + OLD, json=user(ALICE_ID, 'alice', token=OLD))
    result = run_module(module, dict(ARGS, auth_token=OLD), fails=True)
    assert 'belongs to user alice' in result['msg'] and OLD not in result['msg']
    assert not api.create.called
    result = run_module(module, dict(ARGS, auth_token=OLD, user_id=ADMIN_ID), fails=True)
    assert 'not to %s' % ADMIN_ID in result['msg']


def test_present_detects_token_authentication_switched_off(run_module, api):
    api.mock.get(API + '/users/current', json=user(token=OLD))
    api.mock.get(API + '/users/current?api-token=' + OLD, **refused())  # registered last: matched first
    result = run_module(module, dict(ARGS, auth_token=OLD), fails=True)
    assert 'switched off' in result['msg']
    assert not api.create.called


def test_present_invalid_token_without_password(run_module, api):
    result = run_module(module, {'url': ROOT, 'auth_token': OLD}, fails=True)
    assert 'username and password are needed to create a new one' in result['msg']


def test_present_check_mode_creates_nothing_and_returns_no_token(run_module, api):
    result = run_module(module, ARGS, check_mode=True)
    assert result['changed'] is True and result['auth_token'] is None and result['params'] == {}
    assert result['user_id'] == ADMIN_ID and 'check mode' in result['msg']
    assert not api.create.called


def test_present_check_mode_keeps_a_valid_token(run_module, api):
    api.mock.get(API + '/users/current?api-token=' + OLD, json=user(token=OLD))
    result = run_module(module, dict(ARGS, auth_token=OLD), check_mode=True)
    assert result['changed'] is False and result['created'] is False and OLD not in json.dumps(result)


def test_present_without_manage_users(run_module, api):
    api.mock.post(API + '/users/%s/auth-token' % ADMIN_ID, status_code=403,
                  json={'code': 'Forbidden', 'message': 'Access denied.'})
    result = run_module(module, ARGS, fails=True)
    assert 'manage-users' in result['msg'] and result['status'] == 403
    no_secret(result)


def test_wrong_password(run_module, api):
    api.mock.get(API + '/users/current', status_code=401,
                 json={'code': 'InvalidCredentials', 'message': '{"errorCode":3,"message":"Invalid login or password."}'})
    result = run_module(module, ARGS, fails=True)
    assert 'wrong username or password' in result['msg'] and result['error_code'] == 'InvalidCredentials'
    no_secret(result)


def test_unknown_user_id(run_module, api):
    missing = '5e21b752308c3c66d64effff'
    api.mock.get(API + '/users/' + missing, status_code=404, json={'code': 'NotFound', 'message': 'No such user.'})
    result = run_module(module, dict(ARGS, user_id=missing), fails=True)
    assert missing in result['msg'] and 'no user with id' in result['msg']


# -- absent ----------------------------------------------------------------------------------
def test_absent_twice(run_module, api):
    api.mock.get(API + '/users/' + ALICE_ID, [{'json': user(ALICE_ID, 'alice', token=OLD)},
                                              {'json': user(ALICE_ID, 'alice')}])
    first = run_module(module, dict(ARGS, user_id=ALICE_ID, state='absent'))
    assert first['changed'] is True and first['auth_token'] is None and first['login'] == 'alice'
    second = run_module(module, dict(ARGS, user_id=ALICE_ID, state='absent'))
    assert second['changed'] is False
    assert api.delete_alice.call_count == 1


def test_absent_self_without_token_is_unchanged(run_module, api):
    result = run_module(module, dict(ARGS, state='absent'))
    assert result['changed'] is False and not api.delete.called


def test_absent_check_mode_deletes_nothing(run_module, api):
    api.mock.get(API + '/users/current', json=user(token=OLD))
    result = run_module(module, dict(ARGS, state='absent'), check_mode=True)
    assert result['changed'] is True and not api.delete.called
    api.mock.get(API + '/users/current', json=user())
    assert run_module(module, dict(ARGS, state='absent'), check_mode=True)['changed'] is False


def test_absent_with_the_given_token(run_module, api):
    api.mock.get(API + '/users/current?api-token=' + OLD, json=user(token=OLD))
    result = run_module(module, dict(ARGS, auth_token=OLD, state='absent'))
    assert result['changed'] is True and api.delete.call_count == 1
    assert 'Authorization' in api.delete.last_request.headers


def test_absent_with_a_replaced_token_spares_the_new_one(run_module, api):
    api.mock.get(API + '/users/current', json=user(token=NEW))
    api.mock.get(API + '/users/current?api-token=' + OLD, **refused())
    result = run_module(module, dict(ARGS, auth_token=OLD, state='absent'))
    assert result['changed'] is False and not api.delete.called
    assert 'no longer the token' in result['msg']


def test_absent_with_token_and_no_password(run_module, api):
    api.mock.get(API + '/users/current?api-token=' + OLD, json=user(token=OLD))
    result = run_module(module, {'url': ROOT, 'auth_token': OLD, 'state': 'absent'})
    assert result['changed'] is True
    assert api.delete.last_request.qs == {'api-token': [OLD]}
    api.mock.get(API + '/users/current?api-token=' + OLD, **refused())
    assert run_module(module, {'url': ROOT, 'auth_token': OLD, 'state': 'absent'})['changed'] is False


def test_absent_when_the_server_hides_the_token_deletes(run_module, api):
    api.mock.get(API + '/users/current', json={'id': ADMIN_ID, 'login': 'admin'})
    assert run_module(module, dict(ARGS, state='absent'))['changed'] is True
    assert api.delete.called


# -- input -----------------------------------------------------------------------------------
@pytest.mark.parametrize('args, needle', [
    ({'url': ''}, 'no url was given'),
    ({'url': 'ftp://saymon.test'}, 'must start with https://'),
    ({'url': ROOT + '/node/api'}, 'without /node/api'),
    ({'user_id': ''}, 'is not a SAYMON user id'),
    ({'user_id': 'alice bob'}, 'is not a SAYMON user id'),
    ({'user_id': '../users'}, 'is not a SAYMON user id'),
    ({'timeout': -1}, 'timeout must be'),
])
def test_bad_input_fails_before_any_request(run_module, requests_mock, args, needle):
    result = run_module(module, dict(ARGS, **args), fails=True)
    assert needle in result['msg']
    assert not requests_mock.called
    no_secret(result)


def test_non_numeric_saymon_id_is_fine(run_module, api):
    api.mock.get(API + '/users/abcDEF_12', json=user('abcDEF_12', 'svc'))
    api.mock.post(API + '/users/abcDEF_12/auth-token', text='"%s"' % NEW)
    assert run_module(module, dict(ARGS, user_id='abcDEF_12'))['user_id'] == 'abcDEF_12'


def test_connection_options_from_the_environment(run_module, api, monkeypatch):
    monkeypatch.setenv('SAYMON_URL', ROOT)
    monkeypatch.setenv('SAYMON_USERNAME', 'admin')
    monkeypatch.setenv('SAYMON_PASSWORD', PASSWORD)
    result = run_module(module, {})
    assert result['changed'] is True and result['auth_token'] == NEW
    assert api.current.last_request.headers['Authorization'].startswith('Basic ')
    no_secret(result)


def test_validate_certs_off_warns(run_module, api):
    result = run_module(module, dict(ARGS, validate_certs=False))
    # 2.19+ returns structured warnings: look for the text anywhere in them.
    assert 'verification is off' in json.dumps(result.get('warnings'))


def test_refused_login_still_warns_that_tls_verification_is_off(run_module, requests_mock):
    # The credentials already went out unverified: the user must hear it on failure too.
    requests_mock.get(API + '/users/current', **refused())
    result = run_module(module, dict(ARGS, validate_certs=False), fails=True)
    assert 'TLS certificate verification is off' in json.dumps(result.get('warnings'))
    assert PASSWORD not in json.dumps(result)
