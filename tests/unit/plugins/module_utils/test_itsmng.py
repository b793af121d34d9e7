"""ITSM-NG client against answers shaped as real ITSM-NG 1.4.0 and GLPI 10.0.6 servers give them
(status, Content-Type and body byte for byte), HTTP faked with requests_mock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest
import requests

from ansible_collections.apiauth.sessions.plugins.module_utils import itsmng
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import (
    ERRORS, ItsmngClient, entity_view, find_entity,
)

API = 'http://127.0.0.1:8091/apirest.php'
DOC = '; view documentation in your browser at http://127.0.0.1:8091/apirest.php/#%s'
PASSWORD = 'Pw-unit-7f3c9e1d'
USER_TOKEN = 'UT-unit-V7zvCJfyKTTDf3pe'
APP_TOKEN = 'AT-unit-mXL7qNn12lQE7Ptp'
JSON = {'Content-Type': 'application/json; charset=UTF-8'}


def client(**params):
    base = {'url': API, 'validate_certs': True, 'timeout': 5, 'credentials_in': 'header'}
    base.update(params)
    return ItsmngClient(base, session_token=params.pop('session_token', None))


def error(code, message, status=400, doc=True):
    return {'status_code': status, 'json': [code, message + (DOC % code if doc else '')], 'headers': JSON}


# -- URL and input checks (before any request) ------------------------------------------------
@pytest.mark.parametrize('url, words', [
    ('itsm.example.com/apirest.php', 'https://'),
    ('ftp://itsm.example.com/apirest.php', 'https://'),
    ('https://itsm.example.com/', '/apirest.php'),
    ('https://itsm.example.com/apirest.php/initSession', '/apirest.php'),
    ('https://itsm.example.com/apirest.php?user_token=abc', 'query string'),
    ('', 'no url'),
])
def test_bad_urls_fail_before_any_request(url, words, requests_mock):
    with pytest.raises(ApiError) as caught:
        client(url=url, password='secret-in-url-test')
    assert words in str(caught.value)
    assert requests_mock.call_count == 0


def test_no_credentials_is_one_clear_sentence(requests_mock):
    with pytest.raises(ApiError) as caught:
        client().login()
    assert 'give user_token, or username and password' in str(caught.value)
    assert requests_mock.call_count == 0


# -- where credentials travel ------------------------------------------------------------------
def test_basic_login_in_headers(requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 'tok1'})
    c = client(username='itsm', password=PASSWORD, app_token=APP_TOKEN)
    assert c.login()['session_token'] == 'tok1'
    sent = requests_mock.last_request
    assert sent.headers['Authorization'] == 'Basic ' + base64.b64encode(('itsm:' + PASSWORD).encode()).decode()
    assert sent.headers['App-Token'] == APP_TOKEN
    assert sent.headers['Content-Type'] == 'application/json'
    assert sent.body is None and sent.qs == {}
    assert c.session_token == 'tok1' and c.headers() == {'Session-Token': 'tok1'}


def test_user_token_wins_with_a_warning(requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 'tok2'})
    c = client(username='itsm', password=PASSWORD, user_token=USER_TOKEN)
    c.login()
    assert requests_mock.last_request.headers['Authorization'] == 'user_token ' + USER_TOKEN
    assert any('user_token is used' in w for w in c.warnings)


def test_credentials_in_query(requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 'tok3'})
    requests_mock.get(API + '/getMyProfiles', json={'myprofiles': []})
    c = client(username='itsm', password=PASSWORD, app_token=APP_TOKEN, credentials_in='query')
    c.login()
    sent = requests_mock.last_request
    assert 'Authorization' not in sent.headers and 'App-Token' not in sent.headers
    # requests_mock lower-cases query values
    assert sent.qs['login'] == ['itsm'] and sent.qs['password'] == [PASSWORD.lower()]
    assert sent.qs['app_token'] == [APP_TOKEN.lower()]
    c.my_profiles()
    sent = requests_mock.last_request
    assert 'Session-Token' not in sent.headers and sent.qs['session_token'] == ['tok3']


def test_full_session_is_asked_for(requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 't', 'session': {'glpiID': 2}})
    data = client(user_token=USER_TOKEN).login(full_session=True)
    assert requests_mock.last_request.qs == {'get_full_session': ['true']}
    assert data['session']['glpiID'] == 2


# -- every ERROR_* code reaches the user as its own message, decided on element 0 ------------
@pytest.mark.parametrize('code', sorted(ERRORS))
def test_each_error_code_has_its_own_message(code, requests_mock):
    # A translated message proves the decision is made on the code, not on the text.
    requests_mock.get(API + '/initSession', **error(code, 'Message traduit du serveur', status=401))
    with pytest.raises(ApiError) as caught:
        client(username='itsm', password=PASSWORD).login()
    text = str(caught.value)
    assert caught.value.code == code and code in text
    assert ERRORS[code] in text
    assert 'Message traduit du serveur' in text and 'view documentation' not in text
    assert PASSWORD not in text


def test_error_messages_are_distinct():
    assert len(set(ERRORS.values())) == len(ERRORS)


def test_http_error_without_itsmng_code(requests_mock):
    requests_mock.get(API + '/initSession', status_code=404, json={'detail': 'nope'})
    with pytest.raises(ApiError) as caught:
        client(user_token=USER_TOKEN).login()
    assert 'HTTP 404' in str(caught.value) and 'apirest.php' in str(caught.value)


def test_html_instead_of_json(requests_mock):
    requests_mock.get(API + '/initSession', text='<html><body>Login</body></html>',
                      headers={'Content-Type': 'text/html'})
    with pytest.raises(ApiError) as caught:
        client(user_token=USER_TOKEN).login()
    assert 'HTML page' in str(caught.value)


def test_truncated_json(requests_mock):
    requests_mock.get(API + '/initSession', text='{"session_token": "abc', headers=JSON)
    with pytest.raises(ApiError) as caught:
        client(user_token=USER_TOKEN).login()
    assert 'not valid JSON' in str(caught.value)


# -- kill and the GLPI 10 answer shapes ---------------------------------------------------------
@pytest.mark.parametrize('answer', [{'text': ''}, {'json': True}])
def test_kill_accepts_empty_body_and_true(answer, requests_mock):
    requests_mock.get(API + '/killSession', headers=JSON, **answer)
    assert client(session_token='live').kill() is True


def test_kill_of_gone_session_is_false(requests_mock):
    requests_mock.get(API + '/killSession', **error('ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid',
                                                    status=401, doc=False))
    assert client(session_token='gone', user_token=USER_TOKEN).kill() is False
    assert requests_mock.call_count == 1  # no re-login to kill a session


@pytest.mark.parametrize('answer', [{'text': ''}, {'json': True}])
def test_change_profile_accepts_empty_body_and_true(answer, requests_mock):
    requests_mock.post(API + '/changeActiveProfile', headers=JSON, **answer)
    client(session_token='live').change_profile('6')
    assert requests_mock.last_request.json() == {'profiles_id': 6}


def test_entities_refused_glpi10_false_is_an_error(requests_mock):
    requests_mock.post(API + '/changeActiveEntities', json=False, headers=JSON)
    with pytest.raises(ApiError) as caught:
        client(session_token='live').change_entities(1, recursive=True)
    assert 'not allowed for the active profile' in str(caught.value)


def test_entities_refused_itsmng_400_is_the_same_error(requests_mock):
    requests_mock.post(API + '/changeActiveEntities', **error('ERROR', 'Bad Request'))
    with pytest.raises(ApiError) as caught:
        client(session_token='live').change_entities(1)
    assert 'not allowed for the active profile' in str(caught.value)


def test_all_entities_omits_entities_id(requests_mock):
    requests_mock.post(API + '/changeActiveEntities', json=True, headers=JSON)
    client(session_token='live').change_entities(None)
    assert requests_mock.last_request.json() == {}
    client(session_token='live').change_entities(3, recursive=True)
    assert requests_mock.last_request.json() == {'entities_id': 3, 'is_recursive': True}


@pytest.mark.parametrize('raw, recursive', [(1, True), (0, False), (True, True), (False, False), ('1', True)])
def test_active_entity_recursive_is_truthy(raw, recursive, requests_mock):
    requests_mock.get(API + '/getActiveEntities', json={'active_entity': {
        'id': 0, 'active_entity_recursive': raw, 'active_entities': [{'id': 3}, {'id': 0}]}})
    assert client(session_token='live').active_entities() == {'id': 0, 'recursive': recursive, 'ids': [0, 3]}


# -- entity names ---------------------------------------------------------------------------
@pytest.mark.parametrize('raw', ['Root entity &gt; Child A &gt; Grandchild A1',
                                 'Root entity &#62; Child A &#62; Grandchild A1',
                                 'Root entity > Child A > Grandchild A1'])
def test_entity_names_decoded_whatever_the_encoding(raw):
    view = entity_view({'id': 3, 'name': raw})
    assert view == {'id': 3, 'name': 'Grandchild A1', 'complete_name': 'Root entity > Child A > Grandchild A1'}


def test_ampersand_in_a_name():
    assert entity_view({'id': 5, 'name': 'Root entity &gt; R&amp;D'})['name'] == 'R&D'


ENTITIES = [entity_view(e) for e in [
    {'id': 0, 'name': 'Root entity'}, {'id': 1, 'name': 'Root entity &gt; Child A'},
    {'id': 3, 'name': 'Root entity &gt; Child A &gt; Lab'}, {'id': 4, 'name': 'Root entity &gt; Child B &gt; Lab'},
]]


@pytest.mark.parametrize('wanted, found', [
    ('1', 1), ('Child A', 1), ('child a', 1), ('Root entity > Child A > Lab', 3),
    ('Root entity>Child B>Lab', 4), ('Root entity &gt; Child A', 1), ('99', None), ('Nowhere', None),
])
def test_find_entity(wanted, found):
    result = find_entity(ENTITIES, wanted)
    assert (result and result['id']) == found if found is not None else result is None


def test_ambiguous_short_name_lists_candidates():
    with pytest.raises(ApiError) as caught:
        find_entity(ENTITIES, 'Lab')
    assert 'ambiguous' in str(caught.value)
    assert 'Root entity > Child A > Lab (3)' in str(caught.value) and 'Child B > Lab (4)' in str(caught.value)


# -- re-login once -----------------------------------------------------------------------------
def test_relogin_once_on_invalid_session(requests_mock):
    invalid = error('ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid', status=401, doc=False)
    requests_mock.get(API + '/getMyProfiles', [invalid, {'json': {'myprofiles': [{'id': 4}]}}])
    requests_mock.get(API + '/initSession', json={'session_token': 'fresh'})
    c = client(session_token='stale', user_token=USER_TOKEN)
    assert c.my_profiles() == [{'id': 4}]
    assert c.relogged and c.session_token == 'fresh'
    assert requests_mock.request_history[-1].headers['Session-Token'] == 'fresh'


def test_relogin_only_once(requests_mock):
    invalid = error('ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid', status=401, doc=False)
    requests_mock.get(API + '/getMyProfiles', [invalid, invalid])
    requests_mock.get(API + '/initSession', json={'session_token': 'fresh'})
    with pytest.raises(ApiError) as caught:
        client(session_token='stale', user_token=USER_TOKEN).my_profiles()
    assert caught.value.code == 'ERROR_SESSION_TOKEN_INVALID'
    assert requests_mock.call_count == 3


def test_no_relogin_without_credentials(requests_mock):
    requests_mock.get(API + '/getMyProfiles', **error('ERROR_SESSION_TOKEN_INVALID', 'x', status=401, doc=False))
    with pytest.raises(ApiError) as caught:
        client(session_token='stale').my_profiles()
    assert 'unknown, ended or expired' in str(caught.value)
    assert 'stale' not in str(caught.value)


# -- transport: retries, timeouts, redaction --------------------------------------------------------
def test_read_only_call_retried_on_503(requests_mock, monkeypatch):

    monkeypatch.setattr('time.sleep', lambda s: None)
    requests_mock.get(API + '/getMyProfiles', [{'status_code': 503, 'text': '<html>busy</html>'},
                                               {'json': {'myprofiles': []}}])
    assert client(session_token='live').my_profiles() == []
    assert requests_mock.call_count == 2


def test_login_not_retried_on_503(requests_mock, monkeypatch):
    monkeypatch.setattr('time.sleep', lambda s: None)
    requests_mock.get(API + '/initSession', status_code=503, text='<html>busy</html>',
                      headers={'Content-Type': 'text/html'})
    with pytest.raises(ApiError):
        client(user_token=USER_TOKEN).login()
    assert requests_mock.call_count == 1


def test_connection_error_names_url_without_secrets(requests_mock, monkeypatch):
    monkeypatch.setattr('time.sleep', lambda s: None)
    requests_mock.get(API + '/initSession', exc=requests.exceptions.ConnectionError(
        "HTTPConnectionPool: Max retries exceeded with url: /apirest.php/initSession?login=itsm&password=%s "
        "(Connection refused)" % PASSWORD))
    with pytest.raises(ApiError) as caught:
        client(username='itsm', password=PASSWORD, credentials_in='query').login()
    text = str(caught.value)
    assert 'cannot connect' in text and 'connection refused' in text and API in text
    assert PASSWORD not in text and 'password=' not in text


def test_timeout_is_one_sentence(requests_mock):
    requests_mock.get(API + '/initSession', exc=requests.exceptions.ReadTimeout('read timed out'))
    with pytest.raises(ApiError) as caught:
        client(user_token=USER_TOKEN, timeout=2).login()
    assert 'within 2 seconds (timeout)' in str(caught.value)


def test_session_token_redacted_from_errors(requests_mock):
    requests_mock.get(API + '/getMyProfiles', status_code=500, text='{"oops": "token live-token-123 failed"}',
                      headers=JSON)
    with pytest.raises(ApiError) as caught:
        client(session_token='live-token-123', timeout=1).my_profiles()
    assert 'live-token-123' not in str(caught.value)


def test_lost_password_sends_no_session(requests_mock):
    requests_mock.put(API + '/lostPassword', json=['An email has been sent to your email address.'])
    c = client(session_token='live', app_token=APP_TOKEN)
    assert c.lost_password('a@example.com') == 'An email has been sent to your email address.'
    sent = requests_mock.last_request
    assert 'Session-Token' not in sent.headers and sent.json() == {'email': 'a@example.com'}
    c.lost_password('a@example.com', 'forget-tok', 'New-Pass-123')
    assert requests_mock.last_request.json() == {'email': 'a@example.com', 'password_forget_token': 'forget-tok',
                                                 'password': 'New-Pass-123'}


def test_lookup_open_and_close(requests_mock):
    requests_mock.get(API + '/initSession', json={'session_token': 'lk', 'session': {'glpiname': 'itsm'}})
    requests_mock.get(API + '/killSession', text='')
    params = {'url': API, 'user_token': USER_TOKEN, 'app_token': APP_TOKEN}
    opened = itsmng.Itsmng.open_session(params)
    assert opened['token'] == 'lk' and opened['headers'] == {'Session-Token': 'lk', 'App-Token': APP_TOKEN}
    assert opened['full']['session']['glpiname'] == 'itsm'
    assert itsmng.Itsmng.end_session(params, opened['handle']) is True
    assert requests_mock.last_request.headers['Session-Token'] == 'lk'


# -- the generic ERROR: each cause its own sentence, from the servers' real answers -------------
REAL_DOC = '; view documentation in your browser at http://127.0.0.1:8091/apirest.php/#ERROR'


@pytest.mark.parametrize('body, words', [
    (b'["ERROR","API disabled"]', 'the REST API is disabled on the server; an administrator enables it'),
    (b'["ERROR","API d\\u00e9sactiv\\u00e9e"]', 'the REST API is disabled on the server'),
])
def test_api_disabled_is_said_as_such(body, words, requests_mock):
    requests_mock.get(API + '/initSession', status_code=400, content=body, headers=JSON)
    with pytest.raises(ApiError) as caught:
        client(user_token=USER_TOKEN).login()
    text = str(caught.value)
    assert text.startswith('ITSM-NG / GLPI: ERROR on initSession: ') and words in text
    assert 'bad parameter' not in text and 'Enable Rest API' in text


@pytest.mark.parametrize('body, token, words', [
    ('["ERROR","Email notifications are disabled%s"]' % REAL_DOC, None,
     'email notifications are disabled; an administrator enables them in Setup > Notifications'),
    ('["ERROR","Your password reset request has expired or is invalid. Please renew it.%s"]' % REAL_DOC,
     'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9',
     'the password reset token is wrong, already used, or more than one day old; ask for a new reset mail'),
    ('["ERROR","Votre demande de r\\u00e9initialisation du mot de passe a expir\\u00e9 ou est invalide. '
     'Veuillez la renouveler.%s"]' % REAL_DOC.replace('view documentation in your browser at',
                                                      'consultez la documentation dans votre navigateur \\u00e0'),
     'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9', 'the password reset token is wrong, already used'),
])
def test_password_reset_refusals_each_have_their_sentence(body, token, words, requests_mock):
    requests_mock.put(API + '/lostPassword', status_code=400, content=body.encode('utf-8'), headers=JSON)
    with pytest.raises(ApiError) as caught:
        client().lost_password('itsm@example.com', token, 'New-Pass-1234' if token else None)
    text = str(caught.value)
    assert 'ERROR on lostPassword: ' in text and words in text
    assert 'API is disabled' not in text and 'bad parameter' not in text
    assert token is None or token not in text


def test_an_unknown_generic_error_does_not_guess(requests_mock):
    requests_mock.post(API + '/changeActiveProfile', **error('ERROR', 'Bad Request'))
    with pytest.raises(ApiError) as caught:
        client(session_token='live').change_profile(4)
    text = str(caught.value)
    assert 'the server refused the request (a parameter it does not accept)' in text
    assert 'disabled' not in text


def test_messages_say_glpi_once_the_server_showed_it_is_glpi(requests_mock):
    requests_mock.post(API + '/changeActiveEntities', json=False, headers=JSON)  # GLPI 10's refusal
    with pytest.raises(ApiError) as caught:
        client(session_token='live').change_entities(1)
    assert str(caught.value).startswith('GLPI: ERROR on changeActiveEntities: entity 1 is not allowed')


def test_the_product_named_in_a_reset_answer_is_used_after(requests_mock):
    requests_mock.put(API + '/lostPassword', [
        {'json': ['If the given email address match an exisiting GLPI user, you will receive an email containing '
                  'the informations required to reset your password. Please contact your administrator if you '
                  'do not receive any email.'], 'headers': JSON},
        {'status_code': 400, 'content': ('["ERROR","Email notifications are disabled%s"]' % REAL_DOC).encode(),
         'headers': JSON}])
    c = client()
    c.lost_password('itsm@example.com')
    with pytest.raises(ApiError) as caught:
        c.lost_password('itsm@example.com')
    assert str(caught.value).startswith('GLPI: ERROR on lostPassword')


def test_an_itsmng_answer_keeps_the_neutral_name_until_known(requests_mock):
    requests_mock.get(API + '/killSession', content=b'', headers=JSON)  # ITSM-NG and GLPI 9.5 alike
    requests_mock.get(API + '/getMyProfiles', **error('ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid',
                                                      status=401))
    c = client(session_token='live')
    assert c.kill() is True
    assert not c.alive()
    assert c.product == 'ITSM-NG / GLPI'
