# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""apiauth.sessions.token: options from the tables, env fallbacks, outputs, queries, errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import types

import pytest
import yaml

from ansible import constants as C
try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core < 2.19 has no is_controller flag: a stand-in takes the toggles
    module_utils_internal = types.SimpleNamespace()
from ansible.errors import AnsibleLookupError

from ansible_collections.apiauth.sessions.plugins.lookup import token
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache

# Importing controller code sets a process-wide flag that sends module warnings to Display; the
# module tests of the same session expect it off. Off again here, on during these tests only.
module_utils_internal.is_controller = False


@pytest.fixture(autouse=True)
def controller_side():
    module_utils_internal.is_controller = True
    yield
    module_utils_internal.is_controller = False


DOC = yaml.safe_load(token.DOCUMENTATION)
APP_TOKEN = 'AppTok-lookup-unit-41c9e7d20b'
USER_TOKEN = 'UserTok-lookup-unit-8f2d6a0c3e'
ITSM_URL = 'https://itsm.example.com/apirest.php'
LOGIN = {'session_token': 'sess-abc-123',
         'session': {'glpiname': 'itsm', 'glpiactiveprofile': {'id': 4, 'name': 'Super-Admin'}}}


@pytest.fixture
def lookup(monkeypatch, tmp_path):
    # What the plugin loader does: register the documented options under the plugin's name.
    C.config.initialize_plugin_configuration_definitions('lookup', token.NAME, DOC['options'])
    plugin = token.LookupModule()
    plugin._load_name = token.NAME
    monkeypatch.setenv(token_cache.ENV_CACHE_DIR, str(tmp_path / 'cache'))
    for client in SYSTEMS.values():
        for opt in client.OPTIONS:
            monkeypatch.delenv(opt.env(client.PREFIX), raising=False)
    token_cache.end_run()
    return plugin


@pytest.fixture
def obtained(monkeypatch):
    """Replace the cache: record what the lookup asks for, answer a fixed login."""
    calls = []

    def fake(system, params, **kwargs):
        calls.append((system, params, kwargs))
        return ({'token': 'sess-abc-123', 'headers': {'Session-Token': 'sess-abc-123', 'App-Token': APP_TOKEN},
                 'params': {}, 'full': LOGIN, 'expires_at': None}, True, None)
    monkeypatch.setattr(token_cache, 'obtain', fake)
    return calls


def failure(lookup, terms, **kwargs):
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(terms, {}, **kwargs)
    message = caught.value.message
    assert '\n' not in message and message.startswith('apiauth.sessions.token: ') and message.endswith('.')
    return message


# ----------------------------------------------------------------------------------------
# Options: the union of the four tables, nothing re-declared
# ----------------------------------------------------------------------------------------
def test_documented_options_are_the_union_of_the_four_tables():
    union = {}
    for client in SYSTEMS.values():
        for opt in client.OPTIONS:
            union.setdefault(opt.name, []).append((client, opt))
    documented = dict((n, o) for n, o in DOC['options'].items() if n not in token.OWN_OPTIONS + ('_terms',))
    assert sorted(documented) == sorted(union)
    for name, declared in union.items():
        # One name, one meaning, in every table that has it.
        assert len(set((o.type, o.default, tuple(o.choices or ()), o.secret) for _c, o in declared)) == 1, name
        opt, doc = declared[0][1], documented[name]
        assert doc['type'] == opt.type, name
        assert doc.get('default') == opt.default, name
        assert doc.get('choices') == (list(opt.choices) if opt.choices else None), name
        text = ' '.join(doc['description'])
        for client, _opt in declared:  # every environment variable is named, or the <SYSTEM>_ form
            assert opt.env(client.PREFIX) in text or '<SYSTEM>_%s' % name.upper() in text, (name, client.PREFIX)


def test_the_lookup_options_of_its_own_are_documented():
    assert set(token.OWN_OPTIONS) <= set(DOC['options'])
    assert DOC['options']['output']['choices'] == ['token', 'headers', 'params', 'full']
    assert DOC['options']['cache']['default'] is True


# ----------------------------------------------------------------------------------------
# Environment fallbacks, per system
# ----------------------------------------------------------------------------------------
URLS = {'itsmng': ITSM_URL, 'bluecat': 'https://bam.example.com', 'saymon': 'https://saymon.example.com',
        'ipcortex': 'https://pbx.example.com'}


@pytest.mark.parametrize('system', sorted(SYSTEMS))
def test_each_system_reads_its_own_environment_variables(lookup, obtained, monkeypatch, system):
    for name, client in SYSTEMS.items():
        monkeypatch.setenv('%s_URL' % client.PREFIX, URLS[name])
        monkeypatch.setenv('%s_TIMEOUT' % client.PREFIX, '7' if name == system else '99')
        monkeypatch.setenv('%s_PASSWORD' % client.PREFIX, 'pw-of-%s' % name)
        monkeypatch.setenv('%s_VALIDATE_CERTS' % client.PREFIX, 'no' if name == system else 'yes')
    monkeypatch.setenv('ITSMNG_APP_TOKEN', APP_TOKEN)
    assert lookup.run([system], {}) == ['sess-abc-123']
    asked, params, _kw = obtained[-1]
    client = SYSTEMS[system]
    assert asked == system and sorted(params) == sorted(o.name for o in client.OPTIONS)
    assert params['url'] == URLS[system] and params['password'] == 'pw-of-%s' % system
    assert params['timeout'] == 7.0 and params['validate_certs'] is False
    assert params.get('app_token') == (APP_TOKEN if system == 'itsmng' else None)
    # Given in the call wins over the environment; unset options get the table's default.
    lookup.run([system], {}, url='https://direct.example.com', timeout=12)
    params = obtained[-1][1]
    assert params['url'] == 'https://direct.example.com' and params['timeout'] == 12.0
    for opt in client.OPTIONS:
        if opt.name not in ('url', 'timeout', 'password', 'validate_certs', 'app_token'):
            assert params[opt.name] == opt.default, opt.name


def test_a_bad_environment_value_is_one_sentence_without_the_value(lookup, obtained, monkeypatch):
    monkeypatch.setenv('BLUECAT_VALIDATE_CERTS', 'perhaps-secret-ish')
    message = failure(lookup, ['bluecat'], url=URLS['bluecat'])
    assert 'BLUECAT_VALIDATE_CERTS must be a boolean' in message and 'perhaps' not in message


def test_the_lookup_options_reach_the_cache(lookup, obtained):
    lookup.run(['itsmng'], {}, url=ITSM_URL, cache=False, validate=True, revalidate_after=5, refresh_margin=9)
    kwargs = obtained[-1][2]
    assert kwargs['reuse'] is False and kwargs['validate'] is True
    assert kwargs['revalidate_after'] == 5.0 and kwargs['refresh_margin'] == 9.0
    assert kwargs['configured_dir'].endswith('cache')


# ----------------------------------------------------------------------------------------
# Outputs and queries
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize('output, expected', [
    ('token', 'sess-abc-123'),
    ('headers', {'Session-Token': 'sess-abc-123', 'App-Token': APP_TOKEN}),
    ('params', {}),
])
def test_outputs(lookup, obtained, output, expected):
    assert lookup.run(['itsmng'], {}, url=ITSM_URL, output=output) == [expected]


def test_output_full_is_the_whole_answer(lookup, obtained):
    [full] = lookup.run(['itsmng'], {}, url=ITSM_URL, output='full')
    assert sorted(full) == ['expires_at', 'full', 'headers', 'params', 'token'] and full['full'] == LOGIN


def test_query_selects_a_nested_field_of_the_login_answer(lookup, obtained):
    assert lookup.run(['ITSMNG'], {}, url=ITSM_URL, query='session.glpiactiveprofile.name') == ['Super-Admin']
    assert lookup.run(['itsmng'], {}, url=ITSM_URL, query='session.nothing.here') == [None]


def test_a_bad_query_is_one_clear_sentence(lookup, obtained):
    message = failure(lookup, ['itsmng'], url=ITSM_URL, query='session.[')
    assert "query 'session.[' is not a valid JMESPath expression" in message


def test_query_without_jmespath_says_what_to_install(lookup, obtained, monkeypatch):
    monkeypatch.setattr(token, 'jmespath', None)
    assert 'pip install jmespath' in failure(lookup, ['itsmng'], url=ITSM_URL, query='session_token')
    assert lookup.run(['itsmng'], {}, url=ITSM_URL) == ['sess-abc-123']  # only query needs it


def test_query_and_output_together_are_refused(lookup, obtained):
    assert 'either output or query' in failure(lookup, ['itsmng'], url=ITSM_URL, query='a', output='headers')


# ----------------------------------------------------------------------------------------
# Bad input: one sentence each
# ----------------------------------------------------------------------------------------
def test_an_unknown_system(lookup, obtained):
    expected = "apiauth.sessions.token: unknown system 'glpi'; the term must be one of itsmng, bluecat, saymon, ipcortex."
    assert failure(lookup, ['glpi']) == expected
    assert 'exactly one system' in failure(lookup, ['itsmng', 'bluecat'])
    assert 'exactly one system' in failure(lookup, [])
    assert obtained == []


def test_a_bad_output_value(lookup, obtained):
    assert failure(lookup, ['itsmng'], output='cookie') == (
        "apiauth.sessions.token: output must be one of token, headers, params, full; got 'cookie'.")


def test_a_bool_typo_does_not_turn_certificate_checks_off(lookup, obtained):
    assert 'validate_certs must be true or false' in failure(lookup, ['bluecat'], validate_certs='flase')


def test_an_option_of_another_system(lookup, obtained):
    message = failure(lookup, ['itsmng'], url=ITSM_URL, api_key='k-123456', user_id='x')
    assert message.startswith('apiauth.sessions.token: api_key, user_id are not an option for itsmng; its options are url')
    assert 'k-123456' not in message


def test_cache_dir_belongs_in_the_configuration(lookup, obtained):
    assert 'APIAUTH_SESSIONS_CACHE_DIR' in failure(lookup, ['itsmng'], cache_dir='/tmp/x')


def test_a_client_error_passes_through_as_is(lookup, monkeypatch):
    def refused(system, params, **kwargs):
        raise ApiError('ITSM-NG', 'ITSM-NG ERROR_GLPI_LOGIN_USER_TOKEN on initSession: the user_token was refused.')
    monkeypatch.setattr(token_cache, 'obtain', refused)
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(['itsmng'], {}, url=ITSM_URL, user_token=USER_TOKEN)
    assert caught.value.message == 'ITSM-NG ERROR_GLPI_LOGIN_USER_TOKEN on initSession: the user_token was refused.'


# ----------------------------------------------------------------------------------------
# End to end over (faked) HTTP: the real client, the real cache
# ----------------------------------------------------------------------------------------
def test_one_login_for_many_calls_with_the_app_token_in_the_headers(lookup, requests_mock, tmp_path):
    init = requests_mock.get(ITSM_URL + '/initSession', json=LOGIN)
    args = dict(url=ITSM_URL, user_token=USER_TOKEN, app_token=APP_TOKEN)
    assert lookup.run(['itsmng'], {}, **args) == ['sess-abc-123']
    assert lookup.run(['itsmng'], {}, output='headers', **args) == [
        {'Session-Token': 'sess-abc-123', 'App-Token': APP_TOKEN}]
    assert lookup.run(['itsmng'], {}, query='session.glpiactiveprofile.name', **args) == ['Super-Admin']
    assert init.call_count == 1
    sent = init.request_history[0].headers
    assert sent['Authorization'] == 'user_token %s' % USER_TOKEN and sent['App-Token'] == APP_TOKEN
    for path in (tmp_path / 'cache').rglob('*'):
        assert USER_TOKEN not in str(path) and APP_TOKEN not in str(path)
        if path.is_file():
            assert USER_TOKEN not in path.read_text() and APP_TOKEN not in path.read_text()


def test_the_refused_login_message_has_no_secret(lookup, requests_mock):
    requests_mock.get(ITSM_URL + '/initSession', status_code=401,
                      json=['ERROR_GLPI_LOGIN_USER_TOKEN', 'parameter user_token seems invalid'])
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(['itsmng'], {}, url=ITSM_URL, user_token=USER_TOKEN, app_token=APP_TOKEN)
    message = caught.value.message
    assert 'ERROR_GLPI_LOGIN_USER_TOKEN' in message
    assert USER_TOKEN not in message and APP_TOKEN not in message


def test_an_ipcortex_auth_key_is_returned_but_never_written(lookup, requests_mock, tmp_path):
    key = 'IpcKey-lookup-unit-93c1e07f5a'
    auth = requests_mock.post('https://pbx.example.com/rest/auth/',
                              json={'result': 'success', 'user': {'id': 7, 'login': 'ops', 'name': 'Ops'}})
    args = dict(url='https://pbx.example.com', api_key=key, api_key_transport='header')
    assert lookup.run(['ipcortex'], {}, output='headers', **args) == [{'Authorization': 'token auth=%s' % key}]
    assert lookup.run(['ipcortex'], {}, query='user.login', **args) == ['ops']
    assert auth.call_count == 1
    files = [p for p in (tmp_path / 'cache').rglob('*') if p.is_file()]
    assert any(p.name.endswith('.entry') for p in files)
    for path in files:
        assert key not in path.name and key not in path.read_text()


# ----------------------------------------------------------------------------------------
# Secrets of the wrong type, failing queries, warnings: no value of a secret, no data shown
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize('value, kind', [(['api-password-x1'], 'a list'), ({'pw': 'api-password-x1'}, 'a dictionary'),
                                         (True, 'a boolean')])
def test_a_secret_of_the_wrong_type_is_named_without_its_value(lookup, obtained, value, kind):
    message = failure(lookup, ['bluecat'], url='https://bam.example.com', username='api', password=value)
    assert message == 'apiauth.sessions.token: password must be a string; got %s (its value is not shown).' % kind
    assert 'api-password-x1' not in message and obtained == []


class Vaulted(object):
    """Like a vaulted value (AnsibleVaultEncryptedUnicode, EncryptedString): not a str, decrypted by str()."""

    def __init__(self, plain):
        self.plain = plain

    def __str__(self):
        return self.plain


def test_a_numeric_or_vaulted_secret_is_converted_to_a_string(lookup, obtained):
    lookup.run(['bluecat'], {}, url='https://bam.example.com', username='api', password=123456)
    lookup.run(['bluecat'], {}, url='https://bam.example.com', username='api', password=Vaulted('from-the-vault'))
    assert [call[1]['password'] for call in obtained] == ['123456', 'from-the-vault']


def test_a_failing_query_names_the_query_and_the_error_never_the_data(lookup, monkeypatch):
    login = {'basicAuthenticationCredentials': 'YXBpOnNlY3JldC10b2tlbi12YWx1ZQ==', 'apiToken': 'secret-token-value'}

    def fake(system, params, **kwargs):
        return ({'token': 'secret-token-value', 'headers': {}, 'params': {}, 'full': login, 'expires_at': None},
                False, None)
    monkeypatch.setattr(token_cache, 'obtain', fake)
    message = failure(lookup, ['bluecat'], url='https://bam.example.com', query='abs(@)')
    assert message == ("apiauth.sessions.token: query 'abs(@)' failed on the login answer: function abs() got a "
                       "value of type object, and takes number.")
    message = failure(lookup, ['bluecat'], url='https://bam.example.com', query='nosuchfunction(@)')
    assert 'YXBp' not in message and 'secret-token-value' not in message and 'nosuchfunction' in message


def test_the_warnings_of_a_client_error_are_shown_before_it(lookup, monkeypatch):
    shown = []
    monkeypatch.setattr(token.display, 'warning', shown.append)

    def refused(system, params, **kwargs):
        exc = ApiError('BlueCat', 'BlueCat: https://bam.example.com refused the login.')
        exc.warnings = ['TLS certificate verification is off for https://bam.example.com.']
        raise exc
    monkeypatch.setattr(token_cache, 'obtain', refused)
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(['bluecat'], {}, url='https://bam.example.com')
    assert caught.value.message == 'BlueCat: https://bam.example.com refused the login.'
    assert shown == ['apiauth.sessions.token: TLS certificate verification is off for https://bam.example.com.']


def test_without_the_callback_an_opened_session_is_said_once_with_the_line_to_enable_it(lookup, obtained, monkeypatch):
    shown = []
    monkeypatch.setattr(token.display, 'warning', shown.append)
    for _call in range(3):
        lookup.run(['itsmng'], {}, url=ITSM_URL)
    assert len(shown) == 1
    assert 'stay open' in shown[0] and shown[0].endswith(
        'ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup (or callbacks_enabled in ansible.cfg)')


def test_an_adhoc_run_is_told_to_load_callbacks(lookup, obtained, monkeypatch):
    shown = []
    monkeypatch.setattr(token.display, 'warning', shown.append)
    monkeypatch.setattr(token.context, 'CLIARGS', {'module_name': 'ping', 'module_args': ''})
    lookup.run(['itsmng'], {}, url=ITSM_URL)
    assert shown[0].endswith('ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup')


def test_with_the_callback_nothing_is_said(lookup, obtained, monkeypatch):
    shown = []
    monkeypatch.setattr(token.display, 'warning', shown.append)
    token_cache.start_run()
    try:
        lookup.run(['itsmng'], {}, url=ITSM_URL)
    finally:
        token_cache.end_run()
    assert shown == []
