# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request modules' shared logic over faked HTTP (requests_mock): bad input refused before
any request, results without secrets, one re-login, each system's paging with its bound, check
mode, and the module path that logs in and out within the task."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._request import execute
from ansible_collections.apiauth.sessions.plugins.module_utils.bluecat import Bluecat
from ansible_collections.apiauth.sessions.plugins.module_utils.ipcortex import Ipcortex
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import Itsmng
from ansible_collections.apiauth.sessions.plugins.module_utils.saymon import Saymon

ITSM = 'https://itsm.test/apirest.php'
APP_TOKEN = 'AppTokenUnit0000000000000000000000000000'
USER_TOKEN = 'UserTokenUnit000000000000000000000000000'
SESSION = 'sessionunit0000000000000a1'
FRESH = 'sessionunit0000000000000b2'


class FakeCache(object):
    """The run cache as the action plugin hands it over (obtain, replace_session, ...)."""

    def __init__(self, token=SESSION, fresh=FRESH, cleanup=True):
        self.token, self.fresh, self.cleanup = token, fresh, cleanup
        self.obtained, self.replaced, self.warned, self.dirs = 0, [], set(), []

    @staticmethod
    def result(token):
        return {'token': token, 'headers': {'Session-Token': token, 'App-Token': APP_TOKEN}, 'params': {}}

    def obtain(self, system, params, configured_dir=None):
        self.obtained += 1
        self.dirs.append(configured_dir)
        return self.result(self.token), self.obtained == 1, None

    def replace_session(self, system, params, stale, configured_dir=None):
        self.replaced.append(stale)
        self.dirs.append(configured_dir)
        return self.result(self.fresh), True

    def cleanup_enabled(self):
        return self.cleanup

    def warn_once(self, name):
        first = name not in self.warned
        self.warned.add(name)
        return first


def itsm(**options):
    params = {'url': ITSM, 'app_token': APP_TOKEN, 'user_token': USER_TOKEN, 'validate_certs': True,
              'timeout': 5, 'credentials_in': 'header', 'method': 'GET', 'path': 'Computer', 'query': None,
              'body': None, 'headers': None, 'status_code': None, 'all_pages': False, 'page_size': 1000,
              'max_pages': 100, 'session_token': None}
    params.update(options)
    return params


# -- bad input: one sentence, no request -------------------------------------------------------
@pytest.mark.parametrize('options, words', [
    ({'path': 'https://evil.example/apirest.php/Computer'}, 'not an absolute URL'),
    ({'path': '//evil.example/x'}, 'not an absolute URL'),
    ({'path': '../admin'}, 'stay under the API root'),
    ({'path': 'Computer/../../etc'}, 'stay under the API root'),
    ({'path': '%2e%2e/etc'}, 'stay under the API root'),
    ({'path': 'Computer%2F..%2F..'}, 'stay under the API root'),
    ({'path': 'Computer\r\nX-Evil: 1'}, 'control characters'),
    ({'path': ''}, 'path must name a resource'),
    ({'method': 'TRACE'}, 'method must be one of GET, HEAD, POST, PUT, PATCH, DELETE'),
    ({'body': {'tags': {1, 2}}}, 'body must be JSON-serialisable'),
    ({'body': float('nan')}, 'body must be JSON-serialisable'),
    ({'headers': {'Session-Token': 'mine'}}, 'headers must not set Session-Token'),
    ({'headers': {'app-token': 'mine'}}, 'headers must not set app-token'),
    ({'headers': {'Authorization': 'Basic eA=='}}, 'headers must not set Authorization'),
    ({'headers': {'X-Trace': 'a\r\nSession-Token: stolen'}}, 'no CR, LF'),
    ({'headers': {'X-Trace': 'a\nb'}}, 'no CR, LF'),
    ({'query': {'session_token': 'mine'}}, 'query must not set session_token'),
    ({'path': 'Computer?app_token=mine'}, 'query must not set app_token'),
    ({'path': 'Computer?x=a%0D%0Ab'}, 'must not contain CR, LF'),
    ({'query': {'x': 'a\r\nb'}}, 'must not contain CR, LF'),
    ({'all_pages': True, 'method': 'POST'}, 'all_pages reads every page'),
    ({'max_pages': 0}, 'max_pages must be between 1'),
])
def test_bad_input_is_one_sentence_and_sends_nothing(requests_mock, options, words):
    with pytest.raises(ApiError) as caught:
        execute(Itsmng, itsm(**options), cache=FakeCache())
    message = str(caught.value)
    assert words in message and message.startswith('ITSM-NG: ') and message.endswith('.')
    assert '\n' not in message and '\r' not in message
    assert not requests_mock.called


def test_saymon_and_ipcortex_refuse_their_own_credentials(requests_mock):
    base = {'url': 'https://saymon.test', 'method': 'GET', 'path': 'objects', 'timeout': 5}
    with pytest.raises(ApiError, match='query must not set api-token'):
        execute(Saymon, dict(base, query={'api-token': 'x'}), cache=FakeCache())
    with pytest.raises(ApiError, match='body must not set auth'):
        execute(Ipcortex, dict(base, url='https://pbx.test', method='POST', path='pbx/read/extension',
                               body={'auth': {'type': 'auth', 'key': 'k'}}), cache=FakeCache())
    with pytest.raises(ApiError, match='headers must not set Cookie'):
        execute(Ipcortex, dict(base, url='https://pbx.test', headers={'Cookie': 'Red60urne=x'}), cache=FakeCache())
    assert not requests_mock.called


# -- one call, its result ------------------------------------------------------------------------
def test_get_returns_status_json_headers_without_secrets(requests_mock):
    requests_mock.get(ITSM + '/getFullSession', json={'session': {'valid_id': SESSION, 'glpiname': 'itsm'}},
                      headers={'Set-Cookie': 'glpi=%s' % SESSION, 'X-Echo': 'token %s' % SESSION,
                               'Content-Range': '0-0/1'})
    result = execute(Itsmng, itsm(path='getFullSession'), cache=FakeCache())
    assert result['status'] == 200 and result['changed'] is False and result['relogged_in'] is False
    assert result['json']['session']['glpiname'] == 'itsm'
    assert result['headers']['Content-Range'] == '0-0/1'
    assert 'Set-Cookie' not in result['headers'] and 'X-Echo' not in result['headers']
    text = json.dumps(result)
    for secret in (SESSION, APP_TOKEN, USER_TOKEN):
        assert secret not in text
    sent = requests_mock.last_request
    assert sent.headers['Session-Token'] == SESSION and sent.headers['App-Token'] == APP_TOKEN


def test_query_path_query_and_extra_headers_are_sent(requests_mock):
    requests_mock.get(ITSM + '/Computer/1', json={'id': 1})
    execute(Itsmng, itsm(path='/Computer/1?expand_dropdowns=true', query={'with_logs': True},
                         headers={'X-Request-Id': 'abc'}), cache=FakeCache())
    sent = requests_mock.last_request
    assert sent.qs == {'expand_dropdowns': ['true'], 'with_logs': ['true']}
    assert sent.headers['X-Request-Id'] == 'abc'


def test_credentials_in_query_puts_the_session_in_the_query(requests_mock):
    requests_mock.get(ITSM + '/Computer', json=[])
    execute(Itsmng, itsm(credentials_in='query'), cache=FakeCache())
    sent = requests_mock.last_request
    assert sent.qs['session_token'] == [SESSION] and 'Session-Token' not in sent.headers


def test_writes_report_changed_and_non_json_is_content(requests_mock):
    requests_mock.post(ITSM + '/Ticket', status_code=201, json={'id': 7, 'message': ''})
    result = execute(Itsmng, itsm(path='Ticket', method='post', body={'input': {'name': 'x'}}), cache=FakeCache())
    assert result['changed'] is True and result['json']['id'] == 7 and result['method'] == 'POST'
    assert json.loads(requests_mock.last_request.text) == {'input': {'name': 'x'}}
    requests_mock.get(ITSM + '/doc', text='plain text', headers={'Content-Type': 'text/plain'})
    assert execute(Itsmng, itsm(path='doc'), cache=FakeCache())['content'] == 'plain text'


def test_unexpected_status_fails_with_the_server_answer(requests_mock):
    requests_mock.get(ITSM + '/Computer/99', status_code=404, json=['ERROR_ITEM_NOT_FOUND', 'Item not found'])
    with pytest.raises(ApiError) as caught:
        execute(Itsmng, itsm(path='Computer/99'), cache=FakeCache())
    assert caught.value.status == 404
    assert 'GET Computer/99 answered HTTP 404 (expected 2xx): ["ERROR_ITEM_NOT_FOUND", "Item not found"]' in str(caught.value)
    requests_mock.get(ITSM + '/Computer/1', status_code=200, json={})
    with pytest.raises(ApiError, match=r'expected 201'):
        execute(Itsmng, itsm(path='Computer/1', status_code=[201]), cache=FakeCache())


# -- the session is gone -----------------------------------------------------------------------
def test_session_gone_logs_in_once_and_repeats_the_call(requests_mock):
    gone = {'status_code': 401, 'json': ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid']}
    requests_mock.get(ITSM + '/Computer', [gone, {'json': [{'id': 1}]}])
    cache = FakeCache()
    result = execute(Itsmng, itsm(), cache=cache, configured_dir='/run/cache')
    assert cache.dirs == ['/run/cache', '/run/cache']  # the directory the lookup and the callback use
    assert result['relogged_in'] is True and result['json'] == [{'id': 1}] and result['requests'] == 2
    assert cache.replaced == [SESSION]  # the stale token, so that one worker logs in for all
    assert requests_mock.request_history[1].headers['Session-Token'] == FRESH


def test_session_gone_twice_fails_after_one_retry(requests_mock):
    gone = {'status_code': 401, 'json': ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid']}
    requests_mock.get(ITSM + '/Computer', [gone, gone, {'json': []}])
    with pytest.raises(ApiError):
        execute(Itsmng, itsm(), cache=FakeCache())
    assert requests_mock.call_count == 2


def test_a_given_session_is_never_replaced(requests_mock):
    requests_mock.get(ITSM + '/Computer', status_code=401,
                      json=['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid'])
    cache = FakeCache()
    with pytest.raises(ApiError) as caught:
        execute(Itsmng, itsm(session_token='mine000000000000000000000'), cache=cache)
    assert 'session given in session_token' in str(caught.value) and 'mine0000' not in str(caught.value)
    assert cache.obtained == 0 and not cache.replaced
    assert requests_mock.last_request.headers['Session-Token'] == 'mine000000000000000000000'


def test_warns_once_when_the_cleanup_callback_is_off(requests_mock):
    requests_mock.get(ITSM + '/Computer', json=[])
    cache, warnings = FakeCache(cleanup=False), []
    execute(Itsmng, itsm(), warn=warnings.append, cache=cache)
    execute(Itsmng, itsm(), warn=warnings.append, cache=cache)
    assert len(warnings) == 1 and 'session_cleanup' in warnings[0] and 'callbacks_enabled' in warnings[0]
    quiet = []
    execute(Itsmng, itsm(), warn=quiet.append, cache=FakeCache(cleanup=True))
    assert quiet == []


# -- check mode ---------------------------------------------------------------------------------
def test_check_mode_sends_reads_and_not_writes(requests_mock):
    cache = FakeCache()
    for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
        result = execute(Itsmng, itsm(path='Ticket/1', method=method, body={'input': {}}), check_mode=True,
                         cache=cache)
        assert result['changed'] is True and result['sent'] is False and method in result['msg']
    assert not requests_mock.called and cache.obtained == 0
    requests_mock.get(ITSM + '/Ticket/1', json={'id': 1})
    read = execute(Itsmng, itsm(path='Ticket/1'), check_mode=True, cache=cache)
    assert read['sent'] is True and read['changed'] is False and read['json'] == {'id': 1}


# -- paging -------------------------------------------------------------------------------------
def test_itsmng_pages_with_range_until_the_total(requests_mock):
    def page(request, context):
        start, end = [int(x) for x in request.qs['range'][0].split('-')]
        end = min(end, 4)
        context.status_code = 200 if start == 0 and end == 4 else 206
        context.headers['Content-Range'] = '%d-%d/5' % (start, end)
        return [{'id': i} for i in range(start, end + 1)]
    requests_mock.get(ITSM + '/Computer', json=page)
    result = execute(Itsmng, itsm(all_pages=True, page_size=2), cache=FakeCache())
    assert [item['id'] for item in result['json']] == [0, 1, 2, 3, 4] and result['pages'] == 3
    assert [r.qs['range'] for r in requests_mock.request_history] == [['0-1'], ['2-3'], ['4-5']]


def test_paging_stops_at_max_pages(requests_mock):
    requests_mock.get(ITSM + '/Computer', json=[{'id': 0}, {'id': 1}], headers={'Content-Range': '0-1/100'},
                      status_code=206)
    with pytest.raises(ApiError, match='more than max_pages=3 pages'):
        execute(Itsmng, itsm(all_pages=True, page_size=2, max_pages=3), cache=FakeCache())
    assert requests_mock.call_count == 3


def bluecat_cache():
    cache = FakeCache()
    basic = base64.b64encode(b'api:BcToken').decode()
    cache.result = lambda token: {'token': token, 'headers': {'Authorization': 'Basic ' + basic}, 'params': {}}
    return cache


def test_bluecat_follows_links_next(requests_mock):
    url = 'https://bam.test/api/v2/zones/3/resourceRecords'
    requests_mock.get(url, [
        {'json': {'count': 2, '_links': {'next': {'href': '/api/v2/zones/3/resourceRecords?offset=2&limit=2'}},
                  'data': [{'id': 1}, {'id': 2}]}},
        {'json': {'count': 1, '_links': {'prev': {'href': '/api/v2/zones/3/resourceRecords?offset=0&limit=2'}},
                  'data': [{'id': 3}]}},
    ])
    params = {'url': 'https://bam.test', 'username': 'api', 'password': 'pw-unit-1', 'method': 'GET',
              'path': 'zones/3/resourceRecords', 'query': {'fields': 'id'}, 'all_pages': True, 'page_size': 2,
              'timeout': 5}
    result = execute(Bluecat, params, cache=bluecat_cache())
    assert result['json'] == [{'id': 1}, {'id': 2}, {'id': 3}] and result['pages'] == 2
    second = requests_mock.request_history[1].qs
    assert second == {'fields': ['id'], 'offset': ['2'], 'limit': ['2']}
    assert 'BcToken' not in json.dumps(result)


def test_bluecat_patch_is_a_merge_patch(requests_mock):
    requests_mock.patch('https://bam.test/api/v2/resourceRecords/4', json={'id': 4})
    execute(Bluecat, {'url': 'https://bam.test', 'method': 'PATCH', 'path': 'resourceRecords/4',
                      'body': {'name': 'x'}, 'timeout': 5}, cache=bluecat_cache())
    assert requests_mock.last_request.headers['Content-Type'] == 'application/merge-patch+json'


def test_saymon_pages_v2_get_objects_in_the_body(requests_mock):
    requests_mock.post('https://saymon.test/node/api/v2/getObjects', [
        {'json': [{'id': 'a'}, {'id': 'b'}]}, {'json': [{'id': 'c'}]}])
    cache = FakeCache()
    cache.result = lambda token: {'token': token, 'headers': {}, 'params': {'api-token': token}}
    result = execute(Saymon, {'url': 'https://saymon.test', 'method': 'POST', 'path': 'v2/getObjects',
                              'body': {'filter': {'name': 'web'}}, 'all_pages': True, 'page_size': 2,
                              'timeout': 5}, check_mode=True, cache=cache)
    assert result['json'] == [{'id': 'a'}, {'id': 'b'}, {'id': 'c'}] and result['changed'] is False
    bodies = [json.loads(r.text) for r in requests_mock.request_history]
    assert bodies == [{'filter': {'name': 'web'}, 'limit': 2, 'offset': 0},
                      {'filter': {'name': 'web'}, 'limit': 2, 'offset': 2}]
    assert requests_mock.last_request.qs == {'api-token': [SESSION]}


def test_ipcortex_read_is_a_read_and_fail_is_a_failure(requests_mock):
    url = 'https://pbx.test/rest/pbx/%s/extension'
    requests_mock.post(url % 'read', json={'result': 'success', 'values': [{'extension': '201'}], 'numrows': 1})
    requests_mock.post(url % 'create', json={'result': 'fail', 'message': 'Extension exists'})
    cache = FakeCache()
    cache.result = lambda token: {'token': token, 'headers': {'Cookie': 'Red60urne=' + token}, 'params': {}}
    base = {'url': 'https://pbx.test', 'method': 'POST', 'timeout': 5}
    read = execute(Ipcortex, dict(base, path='pbx/read/extension', all_pages=True), check_mode=True, cache=cache)
    assert read['json'] == [{'extension': '201'}] and read['changed'] is False and read['pages'] == 1
    with pytest.raises(ApiError, match='result "fail": Extension exists'):
        execute(Ipcortex, dict(base, path='pbx/create/extension', body={'values': {'extension': '201'}}), cache=cache)


def test_ipcortex_api_key_in_the_body(requests_mock):
    requests_mock.post('https://pbx.test/rest/pbx/read/extension', json={'result': 'success', 'values': []})
    cache = FakeCache()
    cache.result = lambda token: {'token': 'KeyUnit0001', 'headers': {'Authorization': 'token auth=KeyUnit0001'},
                                  'params': {}}
    result = execute(Ipcortex, {'url': 'https://pbx.test', 'method': 'POST', 'path': 'pbx/read/extension',
                                'api_key': 'KeyUnit0001', 'api_key_transport': 'body', 'timeout': 5}, cache=cache)
    sent = requests_mock.last_request
    assert json.loads(sent.text)['auth'] == {'type': 'auth', 'key': 'KeyUnit0001'}
    assert 'Authorization' not in sent.headers and 'KeyUnit0001' not in json.dumps(result)


# -- the module path: no run cache --------------------------------------------------------------
def test_without_cache_the_task_logs_in_and_out(requests_mock):
    requests_mock.get(ITSM + '/initSession', json={'session_token': SESSION, 'session': {}})
    requests_mock.get(ITSM + '/Computer', json=[{'id': 1}])
    requests_mock.get(ITSM + '/killSession', text='')
    result = execute(Itsmng, itsm())
    assert result['json'] == [{'id': 1}]
    paths = [r.path for r in requests_mock.request_history]
    assert paths == ['/apirest.php/initsession', '/apirest.php/computer', '/apirest.php/killsession']
