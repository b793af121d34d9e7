# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins: a module run in the worker process must read exactly as the module process.

Each case runs the same task both ways (the module's main() as AnsibleModule runs it, and the
action plugin on a local connection), HTTP faked with requests_mock, and compares what a user sees.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
from unittest.mock import MagicMock

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.apiauth.sessions.plugins.modules import (
    bluecat_session, ipcortex_session, itsmng_password_reset, itsmng_session, saymon_auth_token,
)
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache
from ansible_collections.apiauth.sessions.tests.unit.plugins.modules import conftest as module_conftest

run_module = module_conftest.run_module  # the fixture that runs a module's main() as the module process does

ITSM = 'http://127.0.0.1:8091/apirest.php'
BAM = 'https://bam.test'
SAYMON = 'https://saymon.test'
PBX = 'https://pbx.test'
USER_TOKEN = 'UT-action-5c1e0b9a77'
PASSWORD = 'Pw-action-unit-31f0c2aa'
PROFILES = {'myprofiles': [{'id': 4, 'name': 'Super-Admin', 'entities': []}]}
INVALID = {'status_code': 401, 'json': ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid']}


def action_for(module, args, transport='local', check_mode=False, diff=False, environment=None, no_log=False):
    plugin = importlib.import_module('ansible_collections.apiauth.sessions.plugins.action.%s'
                                     % module.__name__.rsplit('.', 1)[-1])
    task = MagicMock()
    task.args = dict(args)
    task.action = 'apiauth.sessions.' + module.__name__.rsplit('.', 1)[-1]
    task.check_mode, task.diff, task.no_log, task.async_val = check_mode, diff, no_log, 0
    task.environment = environment
    connection = MagicMock()
    connection.transport = transport
    connection._shell.tmpdir = None
    play_context = MagicMock()
    play_context.become = False
    loader = DataLoader()
    return plugin.ActionModule(task, connection, play_context, loader, Templar(loader=loader), None)


def run_action(module, args, task_vars=None, **kw):
    action = action_for(module, args, **kw)
    # ansible-core 2.21 echoes the invocation only on request; ask, as the module fixture does.
    return action.run(task_vars=dict({'ansible_inject_invocation': True}, **(task_vars or {}))), action


def texts(warnings):
    """The sentences of a result's warnings (ansible-core 2.19+ returns them as structured events)."""
    out = []
    for warning in warnings or ():
        out.append(warning if isinstance(warning, str) else (warning.get('event') or warning)['msg'])
    return out


def same_as_module(run_module, module, args, fails=False, **kw):
    """Run both ways; assert they agree on everything but the warnings' shape; return the in-process result."""
    expected = run_module(module, args, check_mode=kw.get('check_mode', False), fails=fails)
    got, _action = run_action(module, args, **kw)
    expected, got = dict(expected), dict(got)
    assert texts(got.get('warnings')) == texts(expected.pop('warnings', None))
    expected.pop('exception', None)
    got.pop('exception', None)  # ansible-core's own summary of msg (2.19+), on both paths
    assert dict(got, warnings=None) == dict(expected, warnings=None)
    return got


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.split('_')[0] in ('ITSMNG', 'BLUECAT', 'SAYMON', 'IPCORTEX'):
            monkeypatch.delenv(name)


def test_reused_token_is_returned_usable_and_masked_in_the_invocation(run_module, requests_mock):
    requests_mock.get(ITSM + '/getMyProfiles', json=PROFILES)
    got = same_as_module(run_module, itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN,
                                                      'session_token': 'kept-session-77'})
    assert got['session_token'] == 'kept-session-77'
    assert got['headers'] == {'Session-Token': 'kept-session-77'}
    assert got['invocation']['module_args']['session_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert USER_TOKEN not in json.dumps(got)


@pytest.mark.parametrize('module,args,needle', [
    (itsmng_session, {'state': 'absent', 'url': ITSM}, 'state is absent but all of the following are missing'),
    (itsmng_session, {'url': ITSM, 'colour': 'red'}, 'Unsupported parameters for (apiauth.sessions.itsmng_session)'),
    (itsmng_session, {'url': ITSM, 'state': 'gone'}, 'value of state must be one of'),
    (bluecat_session, {'url': BAM, 'api_token': 'half-a-pair-001'}, 'api_token needs session_id too'),
    (itsmng_password_reset, {'url': ITSM, 'email': 'a@example.com\r\nBcc: b@example.com'}, 'email'),
    (saymon_auth_token, {'url': SAYMON, 'username': 'a', 'password': PASSWORD, 'timeout': 'soon'},
     'timeout'),
])
def test_bad_input_reads_the_same_and_sends_nothing(run_module, requests_mock, module, args, needle):
    got = same_as_module(run_module, module, args, fails=True)
    assert needle in got['msg'] and requests_mock.call_count == 0
    assert PASSWORD not in json.dumps(got)


@pytest.mark.parametrize('module,url,fake', [
    (bluecat_session, BAM, lambda m: m.post(BAM + '/api/v2/sessions', status_code=401, json={
        'status': 401, 'reason': 'Unauthorized', 'code': 'InvalidCredentials', 'message': 'bad'})),
    (saymon_auth_token, SAYMON, lambda m: m.get(SAYMON + '/node/api/users/current', status_code=401,
                                                json={'code': 'Unauthorized', 'message': 'no'})),
])
def test_a_refused_login_still_warns_that_tls_verification_is_off(run_module, requests_mock, module, url, fake):
    fake(requests_mock)
    got = same_as_module(run_module, module, {'url': url, 'username': 'api', 'password': PASSWORD,
                                              'validate_certs': False}, fails=True)
    assert any('TLS certificate verification is off' in w for w in got['warnings'])
    assert PASSWORD not in json.dumps(got)


def test_check_mode_absent_ends_the_session_on_both_paths(run_module, requests_mock):
    kill = requests_mock.get(ITSM + '/killSession', text='')
    got = same_as_module(run_module, itsmng_session, {'url': ITSM, 'session_token': 'chk-1', 'state': 'absent'},
                         check_mode=True)
    assert got['changed'] is True and kill.call_count == 2


def test_env_fallbacks_see_the_task_environment_without_leaking(requests_mock):
    requests_mock.get(ITSM + '/initSession', json={'session_token': 'env-session-1'})
    environment = [{'ITSMNG_URL': ITSM, 'ITSMNG_USER_TOKEN': USER_TOKEN}]
    got, _action = run_action(itsmng_session, {}, environment=environment)
    assert got['session_token'] == 'env-session-1', got.get('msg')
    assert requests_mock.last_request.headers['Authorization'] == 'user_token ' + USER_TOKEN
    assert got['invocation']['module_args']['user_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert 'ITSMNG_URL' not in os.environ and 'ITSMNG_USER_TOKEN' not in os.environ
    got, _action = run_action(itsmng_session, {})
    assert got['failed'] and 'no url was given' in got['msg']


def test_other_connections_run_the_module_where_the_connection_goes():
    action = action_for(itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN}, transport='ssh')
    action._execute_module = MagicMock(return_value={'changed': True, 'session_token': 'remote-1'})
    action._remove_tmp_path = MagicMock()
    result = action.run(task_vars={})
    assert result['session_token'] == 'remote-1'
    action._execute_module.assert_called_once()


def test_the_module_path_can_be_forced_on_a_local_connection():
    action = action_for(itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN})
    action._execute_module = MagicMock(return_value={'changed': False})
    action._remove_tmp_path = MagicMock()
    action.run(task_vars={'apiauth_sessions_in_process': 'false'})
    action._execute_module.assert_called_once()


def test_an_unexpected_error_is_one_sentence_without_a_secret(monkeypatch):
    def broken(params, **kwargs):
        raise ValueError('cannot use %s' % params['user_token'])
    monkeypatch.setattr(itsmng_session, 'run', broken)
    got, _action = run_action(itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN})
    assert got['failed'] and got['msg'].startswith('apiauth.sessions.itsmng_session: unexpected ValueError')
    got.pop('exception', None)  # ansible-core's own summary of msg (2.19+)
    assert USER_TOKEN not in json.dumps(got) and 'Traceback' not in json.dumps(got)


@pytest.mark.parametrize('module,args,fake,opened,ended', [
    (itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN},
     lambda m: m.get(ITSM + '/initSession', json={'session_token': 'opened-1'}),
     {'session_token': 'opened-1'}, None),
    (itsmng_session, {'url': ITSM, 'session_token': 'ended-2', 'state': 'absent'},
     lambda m: m.get(ITSM + '/killSession', text=''), None, {'session_token': 'ended-2'}),
    (itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN, 'session_token': 'kept-3'},
     lambda m: m.get(ITSM + '/getMyProfiles', json=PROFILES), None, None),
    (ipcortex_session, {'url': PBX, 'username': 'ops', 'password': PASSWORD},
     lambda m: m.post(PBX + '/rest/auth/', json={'result': 'success', 'user': {'login': 'ops'}},
                      headers={'Set-Cookie': 'Red60urne=cookie-4; Path=/'}),
     {'session': 'cookie-4'}, None),
])
def test_sessions_opened_or_ended_are_told_to_the_run_cleanup(monkeypatch, requests_mock, module, args, fake,
                                                              opened, ended):
    calls = []
    monkeypatch.setattr(token_cache, 'record_opened', lambda *a, **k: calls.append(('opened', a[0], a[2])))
    monkeypatch.setattr(token_cache, 'forget', lambda *a, **k: calls.append(('ended', a[0], a[2])))
    fake(requests_mock)
    got, _action = run_action(module, args, check_mode=True)
    assert not got.get('failed'), got.get('msg')
    name = module.SESSIONS.NAME
    want = ([('opened', name, opened)] if opened else []) + ([('ended', name, ended)] if ended else [])
    assert calls == want


def bluecat_server(m):
    session = {'id': 62, 'type': 'UserSession', 'state': 'LOGGED_IN', 'apiToken': 'bam-token-62',
               'basicAuthenticationCredentials': 'YXBpOmJhbS10b2tlbi02Mg==', 'user': {'name': 'api'}}
    m.post(BAM + '/api/v2/sessions', status_code=201, json=session)
    m.patch(BAM + '/api/v2/sessions/62', json=dict(session, state='LOGGED_OUT'))


def saymon_server(m):
    m.get(SAYMON + '/node/api/users/current', json={'id': 'u1', 'login': 'api', 'authenticationToken': None})
    m.get(SAYMON + '/node/api/users/u1', json={'id': 'u1', 'login': 'api', 'authenticationToken': None})
    m.post(SAYMON + '/node/api/users/u1/auth-token', text='"say-token-1"')
    m.delete(SAYMON + '/node/api/users/u1/auth-token', text='')


@pytest.mark.parametrize('module,args,fake,token', [
    (bluecat_session, {'url': BAM, 'username': 'api', 'password': PASSWORD}, bluecat_server,
     {'session_id': 'session_id', 'api_token': 'api_token'}),
    (saymon_auth_token, {'url': SAYMON, 'username': 'api', 'password': PASSWORD}, saymon_server,
     {'auth_token': 'auth_token'}),
    (ipcortex_session, {'url': PBX, 'username': 'ops', 'password': PASSWORD},
     lambda m: (m.post(PBX + '/rest/auth/', json={'result': 'success', 'user': {'login': 'ops'}},
                       headers={'Set-Cookie': 'Red60urne=cookie-5; Path=/'}),
                m.post(PBX + '/rest/auth/logout', json={'result': 'success'})),
     {'session': 'session'}),
])
def test_a_session_ended_by_a_task_is_off_the_cleanup_record(monkeypatch, requests_mock, module, args, fake, token):
    record = []
    monkeypatch.setattr(token_cache, 'record_opened', lambda s, p, h, **k: record.append(json.dumps(h, sort_keys=True)))
    monkeypatch.setattr(token_cache, 'forget', lambda s, p, h, **k: record.remove(json.dumps(h, sort_keys=True)))
    fake(requests_mock)
    opened, _action = run_action(module, args)
    assert not opened.get('failed'), opened.get('msg')
    assert len(record) == 1
    ended, _action = run_action(module, dict(args, state='absent', **dict((k, opened[v]) for k, v in token.items())))
    assert not ended.get('failed'), ended.get('msg')
    assert ended['changed'] and record == []


def test_a_cache_that_cannot_record_leaves_the_session_usable_with_a_warning(monkeypatch, requests_mock):
    def broken(*args, **kwargs):
        raise OSError('disk full')
    monkeypatch.setattr(token_cache, 'record_opened', broken)
    requests_mock.get(ITSM + '/initSession', json={'session_token': 'opened-9'})
    got, _action = run_action(itsmng_session, {'url': ITSM, 'user_token': USER_TOKEN})
    assert not got.get('failed') and got['session_token'] == 'opened-9'
    assert any('end-of-run cleanup' in w and 'state=absent' in w for w in got['warnings'])
