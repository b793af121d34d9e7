# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The BlueCat client over faked HTTP (requests_mock): login, check, logout, errors,
re-login, redaction, expiry arithmetic."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils import bluecat
from ansible_collections.apiauth.sessions.plugins.module_utils.bluecat import (
    BluecatClient, about_to_expire, parse_datetime, to_epoch,
)
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError

ROOT = 'https://bam.test'
SESSIONS = ROOT + '/api/v2/sessions'
CURRENT = ROOT + '/api/v2/sessions/current'
PASSWORD = 'Bc-unit-Pw-7f3a9e21'
TOKEN = '/LOcpzfqKXgvt3PH0xYNhFqTewfnF5SNz7Fh/ST8'
BASIC = base64.b64encode(('api:' + TOKEN).encode()).decode()
PARAMS = {'url': ROOT, 'username': 'api', 'password': PASSWORD, 'validate_certs': True, 'timeout': 5}


def user_session(sid=62, token=TOKEN, expiry='2099-01-21T21:40:48Z', **extra):
    body = {
        'id': sid, 'type': 'UserSession', 'apiToken': token, 'apiTokenExpirationDateTime': expiry,
        'basicAuthenticationCredentials': base64.b64encode(('api:' + token).encode()).decode(),
        'state': 'LOGGED_IN', 'remoteAddress': '192.168.217.248', 'readOnly': False,
        'loginDateTime': '2023-01-20T21:40:48Z', 'logoutDateTime': None, 'response': None,
        'user': {'id': 100893, 'type': 'User', 'name': 'api'},
    }
    body.update(extra)
    return body


def bc_error(status, code, message):
    return {'status_code': status, 'json': {'status': status, 'reason': 'x', 'code': code, 'message': message}}


# -- expiry arithmetic ---------------------------------------------------------------------
@pytest.mark.parametrize('text', [
    '2023-01-21T21:40:48Z', '2023-01-21T23:40:48+02:00', '2023-01-21T16:40:48-05:00',
    '2023-01-21T23:40:48+0200', '2023-01-21T21:40:48', '2023-01-21 21:40:48z', '2023-01-21T21:40:48.000Z',
])
def test_parse_datetime_time_zones(text):
    moment = parse_datetime(text)
    assert moment.utcoffset() is not None  # aware
    assert to_epoch(moment) == 1674337248.0


def test_parse_datetime_fraction_and_refusals():
    assert to_epoch(parse_datetime('2023-01-21T21:40:48.250Z')) == 1674337248.25
    for bad in ('', 'tomorrow', '2023-13-01T00:00:00Z', '2023-01-21T21:40:48+25:00', None):
        with pytest.raises(ValueError):
            parse_datetime(bad)


def test_about_to_expire_margin():
    now = 1000000.0
    assert about_to_expire(now + 59.9, 60, now=now) is True
    assert about_to_expire(now + 60, 60, now=now) is False  # exactly min_validity left is enough
    assert about_to_expire(now + 3600, 60, now=now) is False
    assert about_to_expire(now - 1, 0, now=now) is True  # already past
    assert about_to_expire(None, 60, now=now) is False  # unknown expiry: trust the server's check


def test_expiry_with_offset_just_inside_and_outside(requests_mock):
    now = to_epoch(parse_datetime('2023-01-21T21:39:48Z'))
    # +02:00: 21:40:48Z written in local time, 60 s after now
    requests_mock.post(SESSIONS, status_code=201, json=user_session(expiry='2023-01-21T23:40:48+02:00'))
    client = BluecatClient(PARAMS)
    client.login()
    assert client.expires_at == now + 60
    assert about_to_expire(client.expires_at, 60, now=now) is False
    assert about_to_expire(client.expires_at, 61, now=now) is True


def test_unreadable_expiry_is_a_warning_not_a_failure(requests_mock):
    requests_mock.post(SESSIONS, status_code=201, json=user_session(expiry='next tuesday'))
    client = BluecatClient(PARAMS)
    client.login()
    assert client.expires_at is None
    assert any('apiTokenExpirationDateTime' in w for w in client.warnings)


# -- login -------------------------------------------------------------------------------------
def test_login_sends_credentials_and_adopts_the_session(requests_mock):
    requests_mock.post(SESSIONS, status_code=201, json=user_session(),
                       headers={'Content-Type': 'application/hal+json'})
    client = BluecatClient(PARAMS)
    data = client.login()
    sent = requests_mock.last_request
    assert sent.headers['Content-Type'] == 'application/json'
    assert sent.json() == {'username': 'api', 'password': PASSWORD}
    assert data['apiToken'] == TOKEN
    assert (client.session_id, client.api_token, client.session_user) == (62, TOKEN, 'api')
    assert client.headers == {'Authorization': 'Basic ' + BASIC}
    assert client.expires_at == to_epoch(parse_datetime('2099-01-21T21:40:48Z'))


def test_login_read_only_and_computed_basic(requests_mock):
    answer = user_session()
    del answer['basicAuthenticationCredentials']
    requests_mock.post(SESSIONS, status_code=201, json=answer)
    client = BluecatClient(dict(PARAMS, read_only=True))
    client.login()
    assert requests_mock.last_request.json()['readOnly'] is True
    assert client.headers['Authorization'] == 'Basic ' + BASIC


def test_login_refused_is_clear_and_never_shows_the_password(requests_mock):
    # A server (or proxy) that echoes the password must not get it into the message.
    requests_mock.post(SESSIONS, **bc_error(401, 'InvalidCredentials', 'bad password %s for api' % PASSWORD))
    with pytest.raises(ApiError) as caught:
        BluecatClient(PARAMS).login()
    text = str(caught.value)
    assert caught.value.status == 401 and caught.value.code == 'InvalidCredentials'
    assert 'BlueCat Address Manager' in text and 'username or password was refused' in text
    assert PASSWORD not in text and PASSWORD not in repr(caught.value.as_result())
    assert base64.b64encode(('api:' + PASSWORD).encode()).decode() not in text


def test_login_needs_username_and_password(requests_mock):
    with pytest.raises(ApiError, match='username and password are needed'):
        BluecatClient(dict(PARAMS, password=None)).login()
    assert requests_mock.call_count == 0


@pytest.mark.parametrize('url', [ROOT + '/api/v2', ROOT + '/api/v2/sessions', 'bam.test', ROOT + '/?x=1'])
def test_url_must_be_the_server_root_before_any_request(requests_mock, url):
    with pytest.raises(ApiError) as caught:
        BluecatClient(dict(PARAMS, url=url))
    assert str(caught.value).startswith('BlueCat Address Manager: url ')
    assert requests_mock.call_count == 0


def test_url_trailing_slash_is_the_root(requests_mock):
    requests_mock.post(SESSIONS, status_code=201, json=user_session())
    BluecatClient(dict(PARAMS, url=ROOT + '/')).login()
    assert requests_mock.last_request.url == SESSIONS


def test_login_html_answer(requests_mock):
    requests_mock.post(SESSIONS, status_code=200, text='<html><body>Login</body></html>',
                       headers={'Content-Type': 'text/html'})
    with pytest.raises(ApiError, match='HTML page'):
        BluecatClient(PARAMS).login()


def test_login_html_error_page(requests_mock):
    requests_mock.post(SESSIONS, status_code=502, text='<html><h1>502 Bad Gateway</h1></html>',
                       headers={'Content-Type': 'text/html'})
    with pytest.raises(ApiError) as caught:
        BluecatClient(PARAMS).login()
    assert 'HTTP 502 with an HTML page' in str(caught.value)
    assert caught.value.status == 502


def test_error_body_that_claims_json_but_is_not(requests_mock):
    requests_mock.post(SESSIONS, status_code=400, text='{"status": 400, "rea',
                       headers={'Content-Type': 'application/json'})
    with pytest.raises(ApiError, match='not valid JSON'):
        BluecatClient(PARAMS).login()


def test_login_json_without_token(requests_mock):
    requests_mock.post(SESSIONS, status_code=201, json={'id': 1})
    with pytest.raises(ApiError, match='no apiToken'):
        BluecatClient(PARAMS).login()


def test_not_found_points_at_the_url(requests_mock):
    requests_mock.post(SESSIONS, **bc_error(404, 'NotFound', 'No resource'))
    with pytest.raises(ApiError, match='server root'):
        BluecatClient(PARAMS).login()


def test_refused_connection(requests_mock):
    import requests
    requests_mock.post(SESSIONS, exc=requests.exceptions.ConnectionError('Connection refused'))
    with pytest.raises(ApiError, match='cannot connect'):
        BluecatClient(PARAMS).login()


# -- check and logout --------------------------------------------------------------------------
def test_current_valid_and_invalid(requests_mock):
    requests_mock.get(CURRENT, [{'status_code': 200, 'json': user_session(expiry='2099-02-01T00:00:00+01:00')},
                                bc_error(401, 'InvalidAuthorizationToken', 'expired')])
    client = BluecatClient(PARAMS)
    client.use_session(62, TOKEN)
    assert client.current()['id'] == 62
    assert requests_mock.last_request.headers['Authorization'] == 'Basic ' + BASIC
    assert client.expires_at == to_epoch(parse_datetime('2099-01-31T23:00:00Z'))
    assert client.current() is None


def test_use_session_needs_a_username():
    client = BluecatClient(dict(PARAMS, username=None))
    with pytest.raises(ApiError, match='needs the username'):
        client.use_session(62, TOKEN)


def test_logout_patch(requests_mock):
    requests_mock.patch(SESSIONS + '/62', [{'status_code': 200, 'json': user_session(state='LOGGED_OUT')},
                                           bc_error(401, 'InvalidAuthorizationToken', 'logged out')])
    client = BluecatClient(PARAMS)
    client.use_session(62, TOKEN)
    assert client.logout()['state'] == 'LOGGED_OUT'
    sent = requests_mock.last_request
    assert sent.headers['Content-Type'] == 'application/merge-patch+json'
    assert sent.headers['Authorization'] == 'Basic ' + BASIC
    assert sent.json() == {'state': 'LOGGED_OUT'}
    assert client.logout() is None  # already gone


def test_logout_of_another_session_is_an_error(requests_mock):
    requests_mock.patch(SESSIONS + '/63', **bc_error(403, 'AccessDenied', 'belongs to another user'))
    client = BluecatClient(PARAMS)
    client.use_session(62, TOKEN)
    with pytest.raises(ApiError) as caught:
        client.logout(63)
    assert caught.value.status == 403 and 'AccessDenied' in str(caught.value)
    assert TOKEN not in str(caught.value)


# -- re-login once on 401 ----------------------------------------------------------------------
def test_call_logs_in_again_once_on_401(requests_mock):
    login = requests_mock.post(SESSIONS, [{'status_code': 201, 'json': user_session(62, 'A' * 40)},
                                          {'status_code': 201, 'json': user_session(63, 'B' * 40)}])
    data = requests_mock.get(ROOT + '/api/v2/configurations',
                             [bc_error(401, 'InvalidAuthorizationToken', 'expired'),
                              {'status_code': 200, 'json': {'count': 0, 'data': []}}])
    client = BluecatClient(PARAMS)
    assert client.call('GET', '/api/v2/configurations') == {'count': 0, 'data': []}
    assert login.call_count == 2 and data.call_count == 2
    assert client.session_id == 63
    assert data.last_request.headers['Authorization'] == 'Basic ' + base64.b64encode(b'api:' + b'B' * 40).decode()


def test_call_does_not_loop_on_401(requests_mock):
    login = requests_mock.post(SESSIONS, status_code=201, json=user_session())
    data = requests_mock.get(ROOT + '/api/v2/configurations', **bc_error(401, 'InvalidAuthorizationToken', 'no'))
    with pytest.raises(ApiError) as caught:
        BluecatClient(PARAMS).call('GET', '/api/v2/configurations')
    assert caught.value.status == 401 and 'log in again' in str(caught.value)
    assert login.call_count == 2 and data.call_count == 2


def test_call_without_password_does_not_log_in(requests_mock):
    data = requests_mock.get(ROOT + '/api/v2/configurations', **bc_error(401, 'InvalidAuthorizationToken', 'no'))
    client = BluecatClient(dict(PARAMS, password=None))
    client.use_session(62, TOKEN)
    with pytest.raises(ApiError):
        client.call('GET', '/api/v2/configurations')
    assert data.call_count == 1 and requests_mock.call_count == 1


# -- lookup entry points -----------------------------------------------------------------------
def test_lookup_open_and_close(requests_mock):
    requests_mock.post(SESSIONS, status_code=201, json=user_session())
    opened = bluecat.Bluecat.open_session(PARAMS)
    assert opened['token'] == TOKEN
    assert opened['headers'] == {'Authorization': 'Basic ' + BASIC}
    assert opened['params'] == {} and opened['full']['id'] == 62
    assert opened['expires_at'] == to_epoch(parse_datetime('2099-01-21T21:40:48Z'))
    handle = json.loads(json.dumps(opened['handle']))  # must survive the cache file
    assert handle == {'session_id': 62, 'username': 'api', 'api_token': TOKEN, 'basic': BASIC}
    requests_mock.patch(SESSIONS + '/62', [{'status_code': 200, 'json': user_session(state='LOGGED_OUT')},
                                           bc_error(401, 'InvalidAuthorizationToken', 'gone')])
    no_password = dict(PARAMS, password=None, username=None)
    assert bluecat.Bluecat.end_session(no_password, handle) is True
    assert requests_mock.last_request.headers['Authorization'] == 'Basic ' + BASIC
    assert bluecat.Bluecat.end_session(no_password, handle) is False


def test_argument_spec_marks_secrets_no_log():
    spec = bluecat.Bluecat.argument_spec(extra=dict(type='str'))
    assert spec['password']['no_log'] is True
    assert not spec['username'].get('no_log')
    assert spec['read_only']['default'] is False
    assert 'extra' in spec
