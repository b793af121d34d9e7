# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP core and what every system client gets from it: URLs with user info refused,
secrets masked in every encoding, one error type naming the system, bad input refused before
any request, warnings carried by errors. HTTP faked with requests_mock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils import _http, bluecat, ipcortex, itsmng, saymon
from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    MASK, ApiError, Redactor, check_base_url, safe_url, tls_reason)

ROOT = 'http://127.0.0.1:18199'
PASSWORD = 'Pw/with?#&<"é+ 9'
JSON_TYPE = {'Content-Type': 'application/json'}


def make(system, **extra):
    """A client of `system` with a password login (user token for ITSM-NG's header checks)."""
    if system == 'itsmng':
        params = {'url': ROOT + '/apirest.php', 'username': 'itsm', 'password': PASSWORD}
        params.update(extra)
        return itsmng.ItsmngClient(params, session_token=params.pop('session_token', None))
    params = {'url': ROOT, 'username': 'api', 'password': PASSWORD}
    params.update(extra)
    return {'bluecat': bluecat.BluecatClient, 'saymon': saymon.SaymonClient,
            'ipcortex': ipcortex.IpcortexClient}[system](params)


def login(system, client):
    if system == 'saymon':
        return client.current_user()
    return client.login()


LOGIN = {  # method and URL of the first request of login()
    'itsmng': ('GET', ROOT + '/apirest.php/initSession'),
    'bluecat': ('POST', ROOT + '/api/v2/sessions'),
    'saymon': ('GET', ROOT + '/node/api/users/current'),
    'ipcortex': ('POST', ROOT + '/rest/auth/'),
}
SYSTEMS = sorted(LOGIN)


# -- 1. user info in the URL ---------------------------------------------------------------------
@pytest.mark.parametrize('url, pieces', [
    ('http://api:s3cret/pw@127.0.0.1:18101', ('s3cret', 'pw@', 'api:')),
    ('http://itsm:1234/x@host/apirest.php', ('1234', 'itsm:', 'x@')),
    ('http://u:p#ss@127.0.0.1/apirest.php', ('p#ss', 'u:p')),
    ('http://u:p?ss@127.0.0.1/apirest.php', ('p?ss', 'u:p')),
    ('https://only-user@127.0.0.1/apirest.php', ('only-user',)),
])
@pytest.mark.parametrize('system', SYSTEMS)
def test_url_with_user_info_is_refused_without_showing_it(system, url, pieces, requests_mock):
    with pytest.raises(ApiError) as caught:
        login(system, make(system, url=url))
    assert 'url must carry no user name or password (nothing before an "@")' in str(caught.value)
    assert not [piece for piece in pieces if piece in str(caught.value)]
    assert requests_mock.call_count == 0


def test_safe_url_never_shows_user_info():
    assert safe_url('http://api:s3cret/pw@127.0.0.1:18101/x') == 'http://127.0.0.1:18101/x'
    assert safe_url('http://itsm:1234/x@host/apirest.php?a=b') == 'http://host/apirest.php'


@pytest.mark.parametrize('system, env', [('itsmng', 'ITSMNG_URL'), ('bluecat', 'BLUECAT_URL'),
                                         ('saymon', 'SAYMON_URL'), ('ipcortex', 'IPCORTEX_URL')])
def test_no_url_names_the_environment_variable(system, env, requests_mock):
    with pytest.raises(ApiError) as caught:
        make(system, url=None)
    assert 'no url was given; set url or the environment variable %s' % env in str(caught.value)


# -- 2. redaction in every encoding -------------------------------------------------------------
def encodings(secret, user='someone'):
    raw = secret.encode('utf-8')
    return {
        'literal': secret,
        'quote': quote(secret, safe=''),
        'quote lower hex': re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), quote(secret, safe='')),
        'quote keeps /': quote(secret),
        'quote_plus': quote_plus(secret),
        'every byte encoded': ''.join('%%%02X' % b for b in raw),
        'double encoded': quote(quote(secret, safe=''), safe=''),
        'base64': base64.b64encode(raw).decode(),
        'base64 url-safe': base64.urlsafe_b64encode(raw).decode(),
        'base64 user:secret': base64.b64encode(('%s:%s' % (user, secret)).encode()).decode(),
        'html named': html.escape(secret),
        'html decimal': ''.join('&#%d;' % ord(c) for c in secret),
        'html hex': ''.join('&#x%X;' % ord(c) for c in secret),
        'json ascii': json.dumps(secret)[1:-1],
        'json every char': ''.join('\\u%04x' % ord(c) for c in secret),
        'json in html': html.escape(json.dumps(secret)[1:-1]),
    }


@pytest.mark.parametrize('kind', sorted(encodings(PASSWORD)))
def test_redactor_masks_every_encoding(kind):
    redact = Redactor()
    redact.add(PASSWORD)
    form = encodings(PASSWORD)[kind]
    text = redact('the server said: u=%s; bye' % form)
    assert MASK in text and text.startswith('the server said: u=') and text.endswith('; bye')
    # nothing that identifies the password is left (a few bits at the edge of a base64 blob may be)
    assert not [piece for piece in ('Pw', 'with', '9') if piece in text.replace(MASK, '').replace('u=', '')
                and kind != 'base64 user:secret']


def test_redactor_leaves_other_text_alone():
    redact = Redactor()
    redact.add(PASSWORD, 'tok-123456')
    assert redact('HTTP 401 Unauthorized for user api') == 'HTTP 401 Unauthorized for user api'


def echo_body(system, secret):
    encoded = quote(secret, safe='')
    if system == 'itsmng':
        return {'status_code': 401, 'json': ['ERROR_GLPI_LOGIN', 'u=%s' % encoded], 'headers': JSON_TYPE}
    if system == 'ipcortex':
        return {'status_code': 200, 'json': {'result': 'fail', 'message': 'u=%s' % encoded}, 'headers': JSON_TYPE}
    return {'status_code': 401, 'json': {'code': 'InvalidCredentials', 'message': 'u=%s' % encoded},
            'headers': JSON_TYPE}


@pytest.mark.parametrize('system', SYSTEMS)
def test_a_password_echoed_url_encoded_is_masked(system, requests_mock):
    method, url = LOGIN[system]
    requests_mock.register_uri(method, url, **echo_body(system, PASSWORD))
    with pytest.raises(ApiError) as caught:
        login(system, make(system))
    message = str(caught.value)
    assert MASK in message
    assert not [form for form in encodings(PASSWORD).values() if form in message]


# -- 3 and 4 are measured against the emulators in tests/unit/test_reliability_faults.py --------

# -- 5. bad input: one sentence naming the option, no request ------------------------------------
@pytest.mark.parametrize('value', [float('nan'), float('inf'), 1e12, 0, -1, 'soon', True])
@pytest.mark.parametrize('system', SYSTEMS)
def test_a_bad_timeout_is_refused(system, value, requests_mock):
    with pytest.raises(ApiError) as caught:
        login(system, make(system, timeout=value))
    assert 'timeout must be a number of seconds above 0 and at most 3600' in str(caught.value)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize('system, option, extra', [
    ('itsmng', 'app_token', {}),
    ('itsmng', 'user_token', {}),
    ('itsmng', 'session_token', {}),
    ('ipcortex', 'api_key', {'username': None, 'password': None}),
])
@pytest.mark.parametrize('bad, problem', [('tok\u20acen-value', 'outside Latin-1 (U+20AC)'),
                                          ('tok\r\nX-Injected: 1', 'line break'),
                                          (' token-value', 'starts with a space')])
def test_a_header_value_that_cannot_be_sent_is_refused(system, option, extra, bad, problem, requests_mock):
    with pytest.raises(ApiError) as caught:
        client = make(system, **dict(extra, **{option: bad}))
        client.validate_key() if system == 'ipcortex' else client.login()
    message = str(caught.value)
    assert '%s cannot be sent in an HTTP header: it holds' % option in message or option in message
    assert problem in message and 'X-Injected' not in message and '\u20ac' not in message
    assert requests_mock.call_count == 0


def test_the_core_refuses_any_header_it_cannot_send(requests_mock):
    client = _http.HttpClient('X', ROOT)
    with pytest.raises(ApiError) as caught:
        client.request('GET', '/', headers={'Authorization': 'token \u0100'})
    assert str(caught.value).startswith('X: the Authorization header cannot be sent: it holds a character outside')
    assert requests_mock.call_count == 0


def test_a_very_long_user_id_is_cut_in_the_message(requests_mock):
    with pytest.raises(ApiError) as caught:
        make('saymon', user_id='a' * 100000)
    assert len(str(caught.value)) < 400 and '(100000 characters)' in str(caught.value)
    assert requests_mock.call_count == 0


def test_colon_in_an_itsmng_basic_username_is_refused(requests_mock):
    with pytest.raises(ApiError) as caught:
        make('itsmng', username='dom:itsm').login()
    assert 'username must not contain ":"' in str(caught.value)
    assert requests_mock.call_count == 0


def test_colon_in_an_itsmng_username_is_fine_in_the_query(requests_mock):
    requests_mock.get(ROOT + '/apirest.php/initSession', json={'session_token': 'abc'})
    assert make('itsmng', username='dom:itsm', credentials_in='query').login()['session_token'] == 'abc'


@pytest.mark.parametrize('email', ['a@example.com\r\nBcc: x@example.com', 'a@example.com\n'])
def test_line_breaks_in_the_reset_email_are_refused(email, requests_mock):
    with pytest.raises(ApiError) as caught:
        make('itsmng', username=None, password=None).lost_password(email)
    assert 'email must be one email address, without line breaks' in str(caught.value)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize('session', ['abc; admin=1', 'abc,def', 'abc def', 'abc\r\nX: y', 'abc"'])
def test_an_ipcortex_session_that_is_not_one_cookie_value_is_refused(session, requests_mock):
    with pytest.raises(ApiError) as caught:
        ipcortex.IpcortexClient({'url': ROOT}).check_session(session)
    assert str(caught.value).startswith('IPCortex: session must be the session id the login returned')
    assert 'admin=1' not in str(caught.value)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize('body', [b' ', b'\r\n\t \n'])
def test_a_blank_ipcortex_login_answer_is_an_empty_answer(body, requests_mock):
    requests_mock.post(ROOT + '/rest/auth/', content=body, headers=JSON_TYPE)
    with pytest.raises(ApiError) as caught:
        make('ipcortex').login()
    assert 'answered an empty body (HTTP 200) to the login' in str(caught.value)
    assert 'wrong username or password' not in str(caught.value)


@pytest.mark.parametrize('text, reason', [
    ('Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] '
     'certificate verify failed: IP address mismatch, certificate is not valid for \'127.0.0.1\'. '
     '(_ssl.c:1006)")))',
     "certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'"),
    ('(Caused by SSLError(SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify '
     'failed: Hostname mismatch, certificate is not valid for \'pbx.example.com\'. (_ssl.c:1006)")))',
     "certificate verify failed: Hostname mismatch, certificate is not valid for 'pbx.example.com'"),
    ('(Caused by SSLError(SSLCertVerificationError(1, \'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify '
     'failed: unable to get local issuer certificate (_ssl.c:1006)\')))',
     'certificate verify failed: unable to get local issuer certificate'),
])
def test_the_tls_reason_keeps_the_host_name(text, reason):
    assert tls_reason(Exception(text)) == reason


# -- 6. warnings travel with errors ---------------------------------------------------------------
@pytest.mark.parametrize('system', SYSTEMS)
def test_errors_carry_the_tls_off_warning(system, requests_mock):
    method, url = LOGIN[system]
    requests_mock.register_uri(method, url.replace('http://', 'https://'), **echo_body(system, 'x'))
    client = make(system, url=(ROOT + ('/apirest.php' if system == 'itsmng' else '')).replace('http://', 'https://'),
                  validate_certs=False)
    with pytest.raises(ApiError) as caught:
        login(system, client)
    assert [w for w in caught.value.warnings if 'TLS certificate verification is off for https://127.0.0.1' in w]


# -- 7. the error names the system itself, once -----------------------------------------------------
def test_api_error_adds_the_system_name_once():
    assert str(ApiError('SAYMON', 'it failed.')) == 'SAYMON: it failed.'
    assert ApiError('SAYMON', 'SAYMON: it failed.').message == 'SAYMON: it failed.'
    assert str(ApiError('X', 'y', warnings=['w'])) == 'X: y' and ApiError('X', 'y', warnings=['w']).warnings == ['w']


@pytest.mark.parametrize('system', SYSTEMS)
def test_client_messages_name_the_system_once(system, requests_mock):
    method, url = LOGIN[system]
    requests_mock.register_uri(method, url, status_code=404, text='<html>no</html>',
                               headers={'Content-Type': 'text/html'})
    with pytest.raises(ApiError) as caught:
        login(system, make(system))
    name = caught.value.system
    assert str(caught.value).startswith(name + ': ') and str(caught.value).count(name + ':') == 1


def test_check_base_url_accepts_a_plain_root():
    assert check_base_url('X', 'https://h.example.com:8443/') == 'https://h.example.com:8443'


def test_a_very_long_secret_is_masked_in_its_usual_encodings():
    secret = 'T0k/\u00e9 ' * 2000  # 12,000 characters: each whole-string encoding is masked
    redact = Redactor()
    redact.add(secret)
    forms = (secret, quote(secret, safe=''), quote_plus(secret), base64.b64encode(secret.encode()).decode(),
             json.dumps(secret)[1:-1], html.escape(secret))
    text = redact(' | '.join(forms))
    assert text == ' | '.join([MASK] * len(forms))


def test_mask_user_info_for_echoing_an_option():
    assert _http.mask_user_info('http://api:s3cret/pw@127.0.0.1:18101') == 'http://********@127.0.0.1:18101'
    assert _http.mask_user_info('https://h.example.com/apirest.php') == 'https://h.example.com/apirest.php'
    assert _http.mask_user_info(None) is None
