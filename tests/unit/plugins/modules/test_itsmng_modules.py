"""The ITSM-NG modules run in-process (HTTP faked): the contracts their documentation states."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.apiauth.sessions.plugins.modules import (
    itsmng_active_entities, itsmng_active_profile, itsmng_password_reset, itsmng_session, itsmng_session_info,
)

API = 'http://127.0.0.1:8091/apirest.php'
TOKEN = 'UT-mod-8d2f61aa90'
MASK = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
PROFILES = {'myprofiles': [
    {'id': 3, 'name': 'Admin', 'entities': [{'id': 2, 'name': 'Child B', 'is_recursive': 0}]},
    {'id': 4, 'name': 'Super-Admin', 'entities': [{'id': 0, 'name': 'Root entity', 'is_recursive': 1}]},
    {'id': 6, 'name': 'Technician', 'entities': [{'id': 1, 'name': 'Child A', 'is_recursive': 1}]}]}
ENTITIES = {'myentities': [{'id': 1, 'name': 'Root entity &gt; Child A'}, {'id': 2, 'name': 'Root entity &gt; Child B'},
                           {'id': 3, 'name': 'Root entity &gt; Child A &gt; Grandchild A1'},
                           {'id': 0, 'name': 'Root entity'}]}
INVALID = {'status_code': 401, 'json': ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid']}


def args(**kw):
    base = {'url': API, 'user_token': TOKEN}
    base.update(kw)
    return base


def test_login_returns_token_and_headers(run_module, requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 'new-session-1'})
    result = run_module(itsmng_session, args())
    assert result['changed'] is True and result['reused'] is False
    assert result['session_token'] == 'new-session-1'
    assert result['headers'] == {'Session-Token': 'new-session-1'}
    assert result['invocation']['module_args']['user_token'] == MASK


def test_reused_token_comes_back_usable_but_masked_in_invocation(run_module, requests_mock):
    requests_mock.get(API + '/getMyProfiles', json=PROFILES)
    result = run_module(itsmng_session, args(session_token='kept-session-2'))
    assert result['changed'] is False and result['reused'] is True
    assert result['session_token'] == 'kept-session-2'
    assert result['headers'] == {'Session-Token': 'kept-session-2'}
    assert result['invocation']['module_args']['session_token'] == MASK
    assert not requests_mock.request_history[0].path.endswith('initsession')


def test_dead_token_gives_a_new_session(run_module, requests_mock):
    requests_mock.get(API + '/getMyProfiles', **INVALID)
    requests_mock.get(API + '/initSession', json={'session_token': 'fresh-3'})
    result = run_module(itsmng_session, args(session_token='dead-3'))
    assert result['changed'] is True and result['session_token'] == 'fresh-3'


def test_dead_token_without_credentials_fails_clearly(run_module, requests_mock):
    requests_mock.get(API + '/getMyProfiles', **INVALID)
    result = run_module(itsmng_session, {'url': API, 'session_token': 'dead-4'}, fails=True)
    assert 'expired' in result['msg'] and 'dead-4' not in result['msg']


def test_check_mode_present_logs_in_and_absent_ends_that_session(run_module, requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 'chk-5'})
    assert run_module(itsmng_session, args(), check_mode=True)['session_token'] == 'chk-5'
    kill = requests_mock.get(API + '/killSession', [{'text': ''}, INVALID])
    result = run_module(itsmng_session, args(session_token='chk-5', state='absent'), check_mode=True)
    assert result['changed'] is True and kill.call_count == 1
    result = run_module(itsmng_session, args(session_token='chk-5', state='absent'), check_mode=True)
    assert result['changed'] is False


def test_kill_twice(run_module, requests_mock):
    requests_mock.get(API + '/killSession', [{'text': ''}, INVALID])
    assert run_module(itsmng_session, args(session_token='k6', state='absent'))['changed'] is True
    assert run_module(itsmng_session, args(session_token='k6', state='absent'))['changed'] is False


def test_absent_needs_a_token(run_module, requests_mock):
    result = run_module(itsmng_session, args(state='absent'), fails=True)
    assert 'session_token' in result['msg'] and requests_mock.call_count == 0


def profile_server(requests_mock, active=4):
    requests_mock.get(API + '/getMyProfiles', json=PROFILES)
    requests_mock.get(API + '/getActiveProfile', json={'active_profile': {'id': active, 'name': 'x'}})
    return requests_mock.post(API + '/changeActiveProfile', text='')


def test_profile_by_name_with_diff(run_module, requests_mock):
    change = profile_server(requests_mock)
    result = run_module(itsmng_active_profile, args(session_token='sess-xyz-1', profile='technician'), diff=True)
    assert result['changed'] is True and result['profile'] == {'id': 6, 'name': 'Technician'}
    assert result['diff']['before']['profile']['id'] == 4 and change.last_request.json() == {'profiles_id': 6}
    assert 'session_token' not in result  # only a task that opened the session returns it


def test_profile_already_active_is_unchanged(run_module, requests_mock):
    change = profile_server(requests_mock, active=6)
    assert run_module(itsmng_active_profile, args(session_token='sess-xyz-1', profile='6'))['changed'] is False
    assert change.call_count == 0


def test_profile_check_mode_switches_nothing(run_module, requests_mock):
    change = profile_server(requests_mock)
    assert run_module(itsmng_active_profile, args(session_token='sess-xyz-1', profile='3'), check_mode=True)['changed']
    assert change.call_count == 0


def test_missing_profile_lists_the_users_profiles(run_module, requests_mock):
    change = profile_server(requests_mock)
    result = run_module(itsmng_active_profile, args(session_token='sess-xyz-1', profile='Self-Service'), fails=True)
    assert 'Admin (3), Super-Admin (4), Technician (6)' in result['msg'] and change.call_count == 0
    # Nothing in these answers says which product the server is: the message does not guess.
    assert result['msg'].startswith('ITSM-NG / GLPI: the user has no profile "Self-Service"')


def entity_server(requests_mock, active):
    requests_mock.get(API + '/getMyEntities', json=ENTITIES)
    requests_mock.get(API + '/getActiveEntities', json={'active_entity': active})
    return requests_mock.post(API + '/changeActiveEntities', json=True)


AFTER_LOGIN = {'id': 0, 'active_entity_recursive': 1, 'active_entities': [{'id': i} for i in (0, 1, 2, 3)]}


def test_entity_by_path_recursive(run_module, requests_mock):
    change = entity_server(requests_mock, AFTER_LOGIN)
    result = run_module(itsmng_active_entities, args(session_token='sess-xyz-1', entity='Root entity > Child A',
                                                     recursive=True))
    assert result['changed'] is True and change.last_request.json() == {'entities_id': 1, 'is_recursive': True}


def test_all_when_all_active_is_unchanged(run_module, requests_mock):
    change = entity_server(requests_mock, AFTER_LOGIN)
    assert run_module(itsmng_active_entities, args(session_token='sess-xyz-1', entity='all'))['changed'] is False
    assert change.call_count == 0


def test_same_entity_is_unchanged(run_module, requests_mock):
    active = {'id': 1, 'active_entity_recursive': True, 'active_entities': [{'id': 1}, {'id': 3}]}
    change = entity_server(requests_mock, active)
    assert not run_module(itsmng_active_entities, args(session_token='sess-xyz-1', entity='Child A', recursive=True))['changed']
    assert change.call_count == 0


def test_unknown_entity_lists_the_choices(run_module, requests_mock):
    entity_server(requests_mock, AFTER_LOGIN)
    result = run_module(itsmng_active_entities, args(session_token='sess-xyz-1', entity='Nowhere'), fails=True)
    assert 'Root entity > Child A > Grandchild A1 (3)' in result['msg']


def test_non_boolean_recursive_is_refused_before_any_request(run_module, requests_mock):
    result = run_module(itsmng_active_entities, args(session_token='sess-xyz-1', entity='1', recursive='maybe'),
                        fails=True)
    assert 'recursive' in result['msg'] and requests_mock.call_count == 0


def test_info_never_changes(run_module, requests_mock):
    entity_server(requests_mock, AFTER_LOGIN)
    requests_mock.get(API + '/getMyProfiles', json=PROFILES)
    active = {'id': 4, 'name': 'Super-Admin', 'interface': 'central', 'computer': 255}
    requests_mock.get(API + '/getActiveProfile', json={'active_profile': active})
    result = run_module(itsmng_session_info, args(session_token='sess-xyz-1'))
    assert result['changed'] is False and result['active_profile'] == {'id': 4, 'name': 'Super-Admin',
                                                                       'interface': 'central'}
    assert result['active_entities'] == {'id': 0, 'recursive': True, 'ids': [0, 1, 2, 3]}
    assert {'id': 3, 'name': 'Grandchild A1', 'complete_name': 'Root entity > Child A > Grandchild A1'} \
        in result['entities']


def test_password_reset_check_mode_sends_nothing(run_module, requests_mock):
    result = run_module(itsmng_password_reset, {'url': API, 'email': 'a@example.com'}, check_mode=True)
    assert result['changed'] is False and requests_mock.call_count == 0


def test_password_reset_completion_masks_secrets(run_module, requests_mock):
    requests_mock.put(API + '/lostPassword', json=['Reset password successful.'])
    result = run_module(itsmng_password_reset, {'url': API, 'email': 'a@example.com',
                                                'password_forget_token': 'ft-123456', 'new_password': 'NP-abcdef'})
    assert result['changed'] is True and result['completed'] is True
    assert 'ft-123456' not in str(result) and 'NP-abcdef' not in str(result)


def test_password_reset_needs_both_token_and_password(run_module, requests_mock):
    result = run_module(itsmng_password_reset, {'url': API, 'email': 'a@example.com',
                                                'password_forget_token': 'ft-1'}, fails=True)
    assert 'new_password' in result['msg'] and requests_mock.call_count == 0


def test_env_fallbacks(run_module, requests_mock, monkeypatch):
    monkeypatch.setenv('ITSMNG_URL', API)
    monkeypatch.setenv('ITSMNG_USER_TOKEN', 'env-user-token-77')
    requests_mock.get(API + '/initSession', json={'session_token': 'env-8'})
    result = run_module(itsmng_session, {})
    assert result['session_token'] == 'env-8'
    assert requests_mock.last_request.headers['Authorization'] == 'user_token env-user-token-77'
    assert 'env-user-token-77' not in str(result)


@pytest.mark.parametrize('email', ['a@example.com\r\nBcc: b@example.com', 'a@example.com\nX: y'])
def test_password_reset_refuses_a_line_break_in_email(run_module, requests_mock, email):
    result = run_module(itsmng_password_reset, {'url': API, 'email': email}, fails=True)
    assert 'email' in result['msg'] and requests_mock.call_count == 0
