# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SAYMON client over faked HTTP (requests_mock)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils import _http as http, saymon
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError

ROOT = 'https://saymon.test'
API = ROOT + '/node/api'
PASSWORD = 'Pw-for-saymon-unit-7Qx!'
PARAMS = {'url': ROOT, 'username': 'admin', 'password': PASSWORD}
BASIC = base64.b64encode(('admin:' + PASSWORD).encode()).decode()
ADMIN_ID = '5e21b752308c3c66d64e0a01'
OTHER_ID = '5e21b752308c3c66d64e0a02'
TOKEN = 'a5f946dc-4c21-4ccd-b78b-f0a5fce94f4d'
NEW_TOKEN = '6c41afda-0f18-4613-983f-3e01d83c6aaa'


def user(uid=ADMIN_ID, login='admin', token=None, **extra):
    return dict({'id': uid, 'login': login, 'authenticationToken': token, 'permissions': ['manage-users']}, **extra)


def auth_error(code, message):
    return {'code': code, 'message': json.dumps({'errorCode': 3, 'message': message})}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(http.time, 'sleep', lambda seconds: None)


@pytest.fixture
def client():
    return saymon.SaymonClient(PARAMS)


# -- options ---------------------------------------------------------------------------------
def test_argument_spec_hides_the_password_and_reads_saymon_env():
    spec = saymon.Saymon.argument_spec(state=dict(type='str'))
    assert spec['password']['no_log'] is True
    assert not spec['username'].get('no_log')
    assert spec['user_id']['fallback'][1] == ['SAYMON_USER_ID']
    assert spec['url']['fallback'][1] == ['SAYMON_URL']
    assert 'state' in spec


@pytest.mark.parametrize('url, needle', [
    (None, 'no url was given'),
    ('', 'no url was given'),
    ('saymon.test', 'must start with https://'),
    (ROOT + '/node/api', 'without /node/api'),
    (ROOT + '/node', 'without /node/api'),
    (ROOT + '/?api-token=x', 'no credentials, query string'),
])
def test_bad_url_is_refused_before_any_request(requests_mock, url, needle):
    with pytest.raises(ApiError) as caught:
        saymon.SaymonClient(dict(PARAMS, url=url))
    assert needle in str(caught.value)
    assert not requests_mock.called


def test_a_path_prefix_is_kept_and_a_host_called_node_is_fine(requests_mock):
    requests_mock.get('https://proxy.test/saymon/node/api/users/current', json=user())
    assert saymon.SaymonClient(dict(PARAMS, url='https://proxy.test/saymon/')).current_user()['login'] == 'admin'
    requests_mock.get('https://node/node/api/users/current', json=user())
    assert saymon.SaymonClient(dict(PARAMS, url='https://node')).current_user()['id'] == ADMIN_ID


@pytest.mark.parametrize('value', ['', '   ', 'a/b', '..', '12 34', 'x?y=1', 'id#1'])
def test_bad_user_id_is_refused(value):
    with pytest.raises(ApiError) as caught:
        saymon.SaymonClient(dict(PARAMS, user_id=value))
    assert 'is not a SAYMON user id' in str(caught.value)


@pytest.mark.parametrize('value, expected', [
    ('5e21b752308c3c66d64e072c', '5e21b752308c3c66d64e072c'),  # SAYMON's ids are not numbers
    (' 42 ', '42'),
    (42, '42'),
])
def test_user_id_accepts_saymon_ids(value, expected):
    assert saymon.SaymonClient(dict(PARAMS, user_id=value)).user_id == expected


def test_username_with_colon_is_refused():
    with pytest.raises(ApiError) as caught:
        saymon.SaymonClient(dict(PARAMS, username='a:b'))
    assert 'must not contain ":"' in str(caught.value)


def test_missing_credentials_say_what_to_set(requests_mock):
    with pytest.raises(ApiError) as caught:
        saymon.SaymonClient({'url': ROOT}).current_user()
    assert 'username and password are needed' in str(caught.value)
    assert 'SAYMON_PASSWORD' in str(caught.value)
    assert not requests_mock.called


# -- calls -----------------------------------------------------------------------------------
def test_basic_auth_on_current_user(requests_mock, client):
    requests_mock.get(API + '/users/current', json=user(token=TOKEN))
    assert client.current_user()['authenticationToken'] == TOKEN
    sent = requests_mock.last_request
    assert sent.headers['Authorization'] == 'Basic ' + BASIC
    assert sent.qs == {}


def test_create_token_posts_an_empty_body_and_decodes_the_quoted_string(requests_mock, client):
    requests_mock.post(API + '/users/%s/auth-token' % OTHER_ID, text='"%s"' % TOKEN,
                       headers={'Content-Type': 'application/json'})
    assert client.create_token(OTHER_ID) == TOKEN
    sent = requests_mock.last_request
    assert not sent.body
    assert sent.headers['Authorization'] == 'Basic ' + BASIC


@pytest.mark.parametrize('body', [
    '"%s"' % TOKEN, TOKEN, ' "%s"\n' % TOKEN, '\n%s\r\n' % TOKEN, '" %s "' % TOKEN, '"%s"\n\n' % TOKEN,
])
def test_token_with_and_without_quotes_and_whitespace(requests_mock, client, body):
    requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, text=body)
    assert client.create_token(ADMIN_ID) == TOKEN


@pytest.mark.parametrize('body, ctype, needle', [
    ('<html><body>Login</body></html>', 'text/html', 'an HTML page'),
    ('{"token": "%s"}' % TOKEN, 'application/json', 'a JSON object'),
    ('', 'application/json', 'an empty answer'),
    ('null', 'application/json', 'JSON null'),
    ('"two words"', 'application/json', 'a JSON string that is no token'),
    ('12345', 'application/json', 'a JSON number'),
    ('"abc', 'application/json', 'not valid JSON'),
])
def test_token_answer_that_is_no_token(requests_mock, client, body, ctype, needle):
    requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, text=body, headers={'Content-Type': ctype})
    with pytest.raises(ApiError) as caught:
        client.create_token(ADMIN_ID)
    assert needle in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_delete_token(requests_mock, client):
    requests_mock.delete(API + '/users/%s/auth-token' % OTHER_ID, text='')
    assert client.delete_token(OTHER_ID) is True
    assert requests_mock.last_request.headers['Authorization'] == 'Basic ' + BASIC


def test_delete_token_authenticated_by_the_token(requests_mock):
    requests_mock.delete(API + '/users/%s/auth-token' % ADMIN_ID, text='')
    saymon.SaymonClient({'url': ROOT}).delete_token(ADMIN_ID, token=TOKEN)
    sent = requests_mock.last_request
    assert sent.qs == {'api-token': [TOKEN]}
    assert 'Authorization' not in sent.headers


def test_token_owner_valid_and_refused(requests_mock, client):
    requests_mock.get(API + '/users/current', status_code=401,
                      json=auth_error('Unauthorized', 'Invalid API token.'))
    requests_mock.get(API + '/users/current?api-token=' + TOKEN, json=user(token=TOKEN))
    assert client.token_owner(TOKEN)['id'] == ADMIN_ID
    assert 'Authorization' not in requests_mock.last_request.headers
    assert client.token_owner(NEW_TOKEN) is None


def test_get_user_of_another_id(requests_mock, client):
    requests_mock.get(API + '/users/' + OTHER_ID, json=user(OTHER_ID, 'alice', token=TOKEN))
    assert client.user(OTHER_ID)['login'] == 'alice'


def test_numeric_ids_from_the_server_become_strings(requests_mock, client):
    requests_mock.get(API + '/users/current', json=user(uid=7))
    assert client.current_user()['id'] == '7'


def test_an_answer_without_user_object(requests_mock, client):
    requests_mock.get(API + '/users/current', json=['not', 'a', 'user'])
    with pytest.raises(ApiError) as caught:
        client.current_user()
    assert 'no user object' in str(caught.value)


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize('body, code, message', [
    (auth_error('InvalidCredentials', 'Invalid login or password.'), 'InvalidCredentials', 'Invalid login or password.'),
    ({'code': 'Forbidden', 'message': 'Required permissions: manage-users.'}, 'Forbidden',
     'Required permissions: manage-users.'),
    ({'code': 'NotFound', 'message': '{"errorCode": 3}'}, 'NotFound', '{"errorCode": 3}'),  # no inner message
    ({'code': 'NotFound', 'message': '{not json'}, 'NotFound', '{not json'),
    ({'code': 'Unauthorized'}, 'Unauthorized', None),
    ({'code': 'X', 'message': {'nested': 1}}, 'X', '{"nested": 1}'),
    ({'message': '  padded  '}, None, 'padded'),
    ('plain string', None, 'plain string'),
    ([1, 2], None, None),
])
def test_error_detail(requests_mock, body, code, message):
    requests_mock.get(API + '/x', status_code=400, json=body)
    import requests
    assert saymon.error_detail(requests.get(API + '/x')) == (code, message)


def test_wrong_password(requests_mock, client):
    requests_mock.get(API + '/users/current', status_code=401,
                      json=auth_error('InvalidCredentials', 'Invalid login or password.'))
    with pytest.raises(ApiError) as caught:
        client.current_user()
    text = str(caught.value)
    assert 'wrong username or password' in text
    assert "'admin'" in text and ROOT in text
    assert caught.value.status == 401 and caught.value.code == 'InvalidCredentials'
    assert '\\"' not in text and 'errorCode' not in text  # the nested JSON is decoded, not shown raw


def test_unauthorized_basic(requests_mock, client):
    requests_mock.get(API + '/users/current', status_code=401, json=auth_error('Unauthorized', 'Not logged in.'))
    with pytest.raises(ApiError) as caught:
        client.current_user()
    assert 'not logged in' in str(caught.value) and 'Not logged in.' in str(caught.value)


def test_unauthorized_token_names_the_causes(requests_mock):
    requests_mock.delete(API + '/users/%s/auth-token' % ADMIN_ID, status_code=401,
                         json=auth_error('Unauthorized', 'Invalid API token.'))
    with pytest.raises(ApiError) as caught:
        saymon.SaymonClient({'url': ROOT}).delete_token(ADMIN_ID, token=TOKEN)
    assert 'deleted or replaced' in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize('message', ['Access denied.', json.dumps({'errorCode': 2, 'message': 'No rights.'}), None])
def test_forbidden_names_the_permission(requests_mock, client, message):
    body = {'code': 'Forbidden'}
    if message:
        body['message'] = message
    requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, status_code=403, json=body)
    with pytest.raises(ApiError) as caught:
        client.create_token(ADMIN_ID)
    text = str(caught.value)
    assert 'lacks the manage-users permission' in text and "'admin'" in text
    assert caught.value.status == 403


def test_unknown_user_id_is_named(requests_mock, client):
    requests_mock.get(API + '/users/' + OTHER_ID, status_code=404,
                      json={'code': 'NotFound', 'message': 'User not found.'})
    with pytest.raises(ApiError) as caught:
        client.get_user(OTHER_ID)
    assert "no user with id '%s'" % OTHER_ID in str(caught.value)


def test_unknown_route_points_at_the_url(requests_mock, client):
    requests_mock.get(API + '/users/current', status_code=404,
                      json={'code': 'ResourceNotFound', 'message': '/node/api/users/current does not exist'})
    with pytest.raises(ApiError) as caught:
        client.current_user()
    assert 'Is url the SAYMON server root' in str(caught.value)


def test_html_error_page_gives_a_clear_error(requests_mock, client):
    requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, status_code=502,
                       text='<html><h1>502 Bad Gateway</h1></html>', headers={'Content-Type': 'text/html'})
    with pytest.raises(ApiError) as caught:
        client.create_token(ADMIN_ID)
    assert 'answered HTTP 502' in str(caught.value) and 'a proxy in front of it, failed' in str(caught.value)
    assert requests_mock.call_count == 1  # a POST is never retried


def test_reads_are_retried_on_5xx(requests_mock, client):
    requests_mock.get(API + '/users/current', [{'status_code': 503, 'text': ''}, {'json': user()}])
    assert client.current_user()['id'] == ADMIN_ID
    assert requests_mock.call_count == 2


def test_other_status(requests_mock, client):
    requests_mock.delete(API + '/users/%s/auth-token' % ADMIN_ID, status_code=400,
                         json={'code': 'BadRequest', 'message': 'Bad id.'})
    with pytest.raises(ApiError) as caught:
        client.delete_token(ADMIN_ID)
    assert str(caught.value).startswith('SAYMON: Delete the API token of user %s failed' % ADMIN_ID)
    assert 'HTTP 400 (server: BadRequest: Bad id.)' in str(caught.value)


def test_secrets_echoed_by_the_server_are_redacted(requests_mock, client):
    requests_mock.get(API + '/users/current?api-token=' + TOKEN, json=user(token=TOKEN))
    client.token_owner(TOKEN)
    echo = 'login admin:%s basic %s token %s' % (PASSWORD, BASIC, TOKEN)
    requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, status_code=400,
                       json={'code': 'BadRequest', 'message': echo})
    with pytest.raises(ApiError) as caught:
        client.create_token(ADMIN_ID)
    text = str(caught.value)
    for secret in (PASSWORD, BASIC, TOKEN):
        assert secret not in text
    assert text.count(http.MASK) >= 3


# -- lookup ----------------------------------------------------------------------------------
def test_lookup_returns_the_current_token_without_creating(requests_mock):
    requests_mock.get(API + '/users/current', json=user(token=TOKEN))
    post = requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, text='"%s"' % NEW_TOKEN)
    got = saymon.Saymon.open_session(PARAMS)
    assert got['token'] == TOKEN and got['params'] == {'api-token': TOKEN} and got['headers'] == {}
    assert got['full']['login'] == 'admin' and got['expires_at'] is None
    assert got['handle']['created'] is False and got['handle']['user_id'] == ADMIN_ID
    assert not post.called
    json.dumps(got['handle'])
    assert TOKEN not in json.dumps(got['handle'])


def test_lookup_creates_only_when_there_is_none(requests_mock):
    requests_mock.get(API + '/users/' + OTHER_ID, json=user(OTHER_ID, 'alice'))
    requests_mock.post(API + '/users/%s/auth-token' % OTHER_ID, text='"%s"' % NEW_TOKEN)
    got = saymon.Saymon.open_session(dict(PARAMS, user_id=OTHER_ID))
    assert got['token'] == NEW_TOKEN and got['full']['authenticationToken'] == NEW_TOKEN
    assert got['handle'] == {'user_id': OTHER_ID, 'created': True,
                             'token_sha256': saymon.token_fingerprint(NEW_TOKEN)}


def test_lookup_refuses_when_the_server_hides_the_token(requests_mock):
    requests_mock.get(API + '/users/current', json={'id': ADMIN_ID, 'login': 'admin'})
    post = requests_mock.post(API + '/users/%s/auth-token' % ADMIN_ID, text='"%s"' % NEW_TOKEN)
    with pytest.raises(ApiError) as caught:
        saymon.Saymon.open_session(PARAMS)
    assert 'will not risk replacing it' in str(caught.value)
    assert not post.called


def test_lookup_close_leaves_a_token_it_did_not_create(requests_mock):
    assert saymon.Saymon.end_session(PARAMS, {'user_id': ADMIN_ID, 'created': False}) is False
    assert saymon.Saymon.end_session(PARAMS, None) is False
    assert not requests_mock.called


def test_lookup_close_deletes_its_own_token(requests_mock):
    requests_mock.get(API + '/users/' + OTHER_ID, json=user(OTHER_ID, 'alice', token=NEW_TOKEN))
    delete = requests_mock.delete(API + '/users/%s/auth-token' % OTHER_ID, text='')
    handle = {'user_id': OTHER_ID, 'created': True, 'token_sha256': saymon.token_fingerprint(NEW_TOKEN)}
    assert saymon.Saymon.end_session(PARAMS, handle) is True
    assert delete.call_count == 1


@pytest.mark.parametrize('shown, status', [(TOKEN, 200), (None, 200), (None, 404)])
def test_lookup_close_spares_a_replaced_or_gone_token(requests_mock, shown, status):
    requests_mock.get(API + '/users/' + OTHER_ID, status_code=status,
                      json=user(OTHER_ID, 'alice', token=shown) if status == 200 else {'code': 'NotFound'})
    delete = requests_mock.delete(API + '/users/%s/auth-token' % OTHER_ID, text='')
    handle = {'user_id': OTHER_ID, 'created': True, 'token_sha256': saymon.token_fingerprint(NEW_TOKEN)}
    assert saymon.Saymon.end_session(PARAMS, handle) is False
    assert not delete.called


def test_lookup_close_without_fingerprint_deletes_when_created(requests_mock):
    requests_mock.get(API + '/users/' + OTHER_ID, json=user(OTHER_ID, 'alice', token=TOKEN))
    delete = requests_mock.delete(API + '/users/%s/auth-token' % OTHER_ID, text='')
    assert saymon.Saymon.end_session(PARAMS, {'user_id': OTHER_ID, 'created': True}) is True
    assert delete.called
