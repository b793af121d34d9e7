# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: token
author:
  - apiauth.sessions maintainers (@apiauth)
version_added: 1.0.0
short_description: One session (or API token) per credential per playbook run, for ITSM-NG, BlueCat, SAYMON and IPCortex
description:
  - Logs in to the system named by the term and returns the session token, ready-made headers, query
    parameters, or the login answer.
  - A lookup in a variable is evaluated again at every use, by every host, in every fork. This lookup logs
    in once per system, url and identity per C(ansible-playbook) run, whatever the number of hosts and
    forks - C(lookup) with 500 hosts and 50 forks makes one login, not 500. Later calls reuse the session
    from a private run-scoped cache (a 0700 directory, 0600 files named by a hash, guarded by a file lock).
  - Enable the callback P(apiauth.sessions.session_cleanup#callback) to end every session the lookup opened
    when the playbook ends (ITSM-NG killSession, BlueCat logout, IPCortex logout, and deletion of a SAYMON
    token the lookup created), or when the run is stopped by Ctrl-C, SIGTERM or SIGHUP. Without it, sessions
    are left to expire on the server, and the lookup says so once per run with the line that enables it
    (ad-hoc C(ansible) runs also need E(ANSIBLE_LOAD_CALLBACK_PLUGINS=1)).
  - A cached BlueCat token is replaced before it expires (O(refresh_margin)). A session that the server
    ended is noticed by a cheap check before reuse (every time with O(validate=true), otherwise when the
    last check is older than O(revalidate_after) seconds) and replaced by a new login.
  - SAYMON keeps one API token per user and a new one replaces the old, possibly in use elsewhere. The
    lookup therefore never replaces a token - it returns the user's current token and creates one only
    when the user has none. Concurrent runs share a token one of them created, and the last one to end
    deletes it; a token that only a killed run used is deleted and replaced, never adopted.
  - Connection options are those of the system's modules, with the same names. An option not given falls
    back to the environment variable C(<SYSTEM>_<OPTION>) of the system named by the term, for example
    E(ITSMNG_USER_TOKEN), E(BLUECAT_PASSWORD), E(SAYMON_URL), E(IPCORTEX_API_KEY), as AWX/AAP credential
    types inject them.
  - Long-lived secrets (password, user token, App-Token, API key) never appear in a message or a file name.
    With the callback enabled, cache entries are sealed (AES-GCM) with a key that only the C(ansible-playbook)
    process and its forks hold in memory; without it, no long-lived secret and no SAYMON token is written.
    A secret option of the wrong type is refused naming the option and the type, never the value.
options:
  _terms:
    description:
      - The system to log in to - one of C(itsmng), C(bluecat), C(saymon), C(ipcortex).
    required: true
    type: list
    elements: str
  url:
    description:
      - "Address of the server. ITSM-NG: the API root ending in C(/apirest.php), for example
        C(https://itsm.example.com/apirest.php). BlueCat, SAYMON, IPCortex: the server root, for example
        C(https://bam.example.com) (the collection adds the API path)."
      - If not set, the environment variable E(ITSMNG_URL), E(BLUECAT_URL), E(SAYMON_URL) or E(IPCORTEX_URL)
        (after the system) is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Turn off only for tests; prefer O(ca_path).
      - If not set, E(<SYSTEM>_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the CA(s) that signed the server certificate.
      - If not set, E(<SYSTEM>_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - If not set, E(<SYSTEM>_TIMEOUT) is used.
    type: float
    default: 30
  username:
    description:
      - "ITSM-NG, BlueCat, SAYMON, IPCortex: the login name, used with O(password)."
      - If not set, E(ITSMNG_USERNAME), E(BLUECAT_USERNAME), E(SAYMON_USERNAME) or E(IPCORTEX_USERNAME) is used.
    type: str
  password:
    description:
      - "ITSM-NG, BlueCat, SAYMON, IPCortex: the password of O(username)."
      - If not set, E(ITSMNG_PASSWORD), E(BLUECAT_PASSWORD), E(SAYMON_PASSWORD) or E(IPCORTEX_PASSWORD) is used.
    type: str
  app_token:
    description:
      - "ITSM-NG only: the App-Token of the API client, when the server requires one. With O(output=headers)
        the headers carry it, so that they can be passed as they are."
      - If not set, E(ITSMNG_APP_TOKEN) is used.
    type: str
  user_token:
    description:
      - "ITSM-NG only: the personal remote access key of the user; wins over O(username)/O(password)."
      - If not set, E(ITSMNG_USER_TOKEN) is used.
    type: str
  credentials_in:
    description:
      - "ITSM-NG only: send credentials as headers, or in the query string for proxies that strip them."
      - If not set, E(ITSMNG_CREDENTIALS_IN) is used.
    type: str
    choices: [header, query]
    default: header
  read_only:
    description:
      - "BlueCat only: log in with C(readOnly: true), as a secondary Address Manager server requires."
      - If not set, E(BLUECAT_READ_ONLY) is used.
    type: bool
    default: false
  user_id:
    description:
      - "SAYMON only: the id of the user whose API token is returned; default the logged-in user."
      - If not set, E(SAYMON_USER_ID) is used.
    type: str
  api_key:
    description:
      - "IPCortex only: an Auth Key (stateless user token), instead of O(username) and O(password).
        Nothing is opened, so nothing is ended; the key is never written to the cache."
      - If not set, E(IPCORTEX_API_KEY) is used.
    type: str
  api_key_transport:
    description:
      - "IPCortex only: send O(api_key) in the JSON body, or as the header C(Authorization: token auth=KEY)
        (IPCortex 6.3.10 and later)."
      - If not set, E(IPCORTEX_API_KEY_TRANSPORT) is used.
    type: str
    choices: [body, header]
    default: body
  output:
    description:
      - What to return.
      - V(token) - the session token (ITSM-NG session token, BlueCat apiToken, SAYMON API token, IPCortex
        session cookie value, or the IPCortex Auth Key).
      - "V(headers) - a dict of HTTP headers for M(ansible.builtin.uri) (ITSM-NG C(Session-Token) and
        C(App-Token); BlueCat C(Authorization: Basic ...); IPCortex C(Cookie) or C(Authorization));
        SAYMON needs none and gives C({})."
      - V(params) - a dict of query parameters (SAYMON C(api-token)); C({}) for the others.
      - V(full) - a dict with C(token), C(headers), C(params), C(full) (the login answer) and C(expires_at)
        (epoch seconds, or null when the server does not say).
    type: str
    choices: [token, headers, params, full]
    default: token
  query:
    description:
      - A JMESPath expression applied to the login answer (C(full) of O(output=full)); the lookup returns
        its result instead of O(output). Needs the Python library C(jmespath) on the controller.
      - A query that fails is reported with the query and the error, never with the login answer.
      - 'Examples: C(session.glpiactiveprofile.name) (ITSM-NG), C(user.name) (BlueCat, IPCortex),
        C(login) (SAYMON).'
    type: str
  cache:
    description:
      - Reuse one session per system, url and identity for the whole run. With V(false) every call logs in
        (and, with the callback enabled, every session is still ended at the end of the run).
    type: bool
    default: true
  validate:
    description:
      - Check that a cached session still works at every reuse (one cheap request, made outside the cache lock
        so that forks check side by side), and log in again if the server ended it.
    type: bool
    default: false
  revalidate_after:
    description:
      - When O(validate=false), check a cached session before reuse only if its last check is older than this
        many seconds. V(0) checks at every reuse, like O(validate=true).
    type: float
    default: 60
  refresh_margin:
    description:
      - A cached session whose expiry the server announces (BlueCat C(apiTokenExpirationDateTime)) is replaced
        by a new login when it expires within this many seconds.
    type: float
    default: 300
  cache_dir:
    description:
      - Where the run directories of the cache are made. Default C($XDG_RUNTIME_DIR/apiauth_sessions) when
        E(XDG_RUNTIME_DIR) is set, else C(~/.ansible/tmp/apiauth_sessions).
      - Set it in the environment or C(ansible.cfg), not in the lookup call, so that the cleanup callback
        finds the same place.
    type: path
    env:
      - name: APIAUTH_SESSIONS_CACHE_DIR
    ini:
      - section: apiauth_sessions
        key: cache_dir
notes:
  - The lookup runs on the controller, where AWX/AAP inject credentials as environment variables.
  - The cache is keyed on the C(ansible-playbook) process - the workers' parent - so every fork and host of
    one run shares it, and the next run starts afresh. The sessions of a run that ended without the callback,
    or was killed, are ended by the next run that uses the same system, url and identity, which then removes
    its directory.
  - "O(output=headers) for ITSM-NG (App-Token) and for an IPCortex Auth Key returns a long-lived secret inside
    the headers; give C(no_log: true) to the tasks that send them, or their arguments show at C(-vvv)."
  - A O(cache_dir) you name must belong to you and be private (0700), and every directory above it must belong
    to you or root and be writable by nobody else (as ssh checks its configuration); the lookup refuses it
    otherwise.
requirements:
  - requests
  - jmespath (for O(query))
seealso:
  - plugin: apiauth.sessions.session_cleanup
    plugin_type: callback
  - module: apiauth.sessions.itsmng_session
  - module: apiauth.sessions.bluecat_session
  - module: apiauth.sessions.saymon_auth_token
  - module: apiauth.sessions.ipcortex_session
'''

EXAMPLES = r'''
# ansible.cfg - end every session the lookup opened when the playbook ends:
#   [defaults]
#   callbacks_enabled = apiauth.sessions.session_cleanup

- name: ITSM-NG - one login for all hosts, ready-made headers (App-Token included)
  ansible.builtin.uri:
    url: "{{ itsm_url }}/getMyProfiles"
    headers: "{{ lookup('apiauth.sessions.token', 'itsmng', url=itsm_url, user_token=itsm_user_token,
                 app_token=itsm_app_token, output='headers') }}"
  delegate_to: localhost
  no_log: true  # the headers carry the App-Token

- name: ITSM-NG - the name of the active profile, from the login answer
  ansible.builtin.debug:
    msg: "{{ lookup('apiauth.sessions.token', 'itsmng', query='session.glpiactiveprofile.name') }}"
  # url, user_token and app_token from ITSMNG_URL, ITSMNG_USER_TOKEN, ITSMNG_APP_TOKEN

- name: BlueCat - an Authorization header, refreshed before the token expires
  ansible.builtin.uri:
    url: "{{ bam_url }}/api/v2/configurations"
    headers: "{{ lookup('apiauth.sessions.token', 'bluecat', url=bam_url, username='api',
                 password=bam_password, output='headers') }}"
  delegate_to: localhost

- name: SAYMON - the user's API token as a query parameter (never replaces an existing token)
  ansible.builtin.uri:
    url: "{{ saymon_url }}/node/api/objects?api-token={{ lookup('apiauth.sessions.token', 'saymon',
          url=saymon_url, username='admin', password=saymon_password) | urlencode }}"
  delegate_to: localhost

- name: IPCortex - the session cookie, checked before every reuse
  ansible.builtin.uri:
    url: "{{ pbx_url }}/rest/pbx/read/extension"
    method: POST
    body_format: json
    body: {}
    headers: "{{ lookup('apiauth.sessions.token', 'ipcortex', url=pbx_url, username='opsbot',
                 password=pbx_password, output='headers', validate=true) }}"
  delegate_to: localhost
'''

RETURN = r'''
_raw:
  description:
    - One element - the token (a string), or a dict for O(output=headers), O(output=params) and O(output=full),
      or whatever O(query) selects.
  type: list
  elements: raw
'''

import os
from collections.abc import Mapping

from ansible import context
from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache

try:
    import jmespath
    JMESPATH_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the controller
    jmespath = None
    JMESPATH_IMPORT_ERROR = exc

display = Display()
NAME = 'apiauth.sessions.token'
CALLBACK = 'apiauth.sessions.session_cleanup'
NO_CLEANUP = 'the token lookup opened a session that nothing will end'
SECRET_OPTIONS = frozenset(o.name for client in SYSTEMS.values() for o in client.OPTIONS if o.secret)
OWN_OPTIONS = ('output', 'query', 'cache', 'validate', 'revalidate_after', 'refresh_margin', 'cache_dir')


def _fail(text):
    return AnsibleLookupError('%s: %s' % (NAME, text))


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        system = self._system(terms)
        client = SYSTEMS[system]
        self._set(system, client, variables, kwargs)
        params = self._connection(client)
        output, query = self.get_option('output'), self.get_option('query')
        if query and 'output' in self._direct and output != 'token':
            raise _fail('give either output or query, not both (query selects from the login answer).')
        if query and jmespath is None:
            raise _fail('the query option needs the Python library jmespath on the controller '
                        '(pip install jmespath).')
        result, opened = self._obtain(system, params)
        if opened:
            self._warn_opened(client, params)
        if query:
            return [self._query(query, result)]
        if output == 'full':
            return [result]
        if output in ('headers', 'params'):
            return [dict(result.get(output) or {})]
        return [result['token']]

    def _set(self, system, client, variables, kwargs):
        """The options of this call, checked: unknown names, cache_dir, values (secrets converted)."""
        names = [opt.name for opt in client.OPTIONS]
        unknown = sorted(set(kwargs) - set(names) - set(OWN_OPTIONS))
        if unknown:
            raise _fail('%s %s not an option for %s; its options are %s, plus %s.'
                        % (', '.join(unknown), 'is' if len(unknown) == 1 else 'are', system,
                           ', '.join(names), ', '.join(o for o in OWN_OPTIONS if o != 'cache_dir')))
        if 'cache_dir' in kwargs:
            raise _fail('set cache_dir in the environment (%s) or in ansible.cfg ([apiauth_sessions] cache_dir), '
                        'not in the lookup, so that the cleanup callback finds the same directory.'
                        % token_cache.ENV_CACHE_DIR)
        checked = self._check_values(kwargs)
        self._direct = checked  # get_option_and_origin() says no 'Direct' before ansible-core 2.19
        try:
            self.set_options(var_options=variables, direct=checked)
        except AnsibleError as exc:
            raise _fail(to_native(exc.message if hasattr(exc, 'message') else exc)) from None

    @staticmethod
    def _warn_opened(client, params):
        if params.get('validate_certs') is False:
            display.warning('%s: TLS certificate verification is off for %s; the connection can be intercepted. '
                            'Prefer ca_path.' % (NAME, client.SYSTEM))
        if not token_cache.cleanup_enabled() and token_cache.warn_once(NO_CLEANUP):
            display.warning(no_cleanup_warning())

    def _obtain(self, system, params):
        try:
            result, opened, _handed_over = token_cache.obtain(
                system, params, configured_dir=self.get_option('cache_dir'), reuse=self.get_option('cache'),
                validate=self.get_option('validate'), revalidate_after=self.get_option('revalidate_after'),
                refresh_margin=self.get_option('refresh_margin'))
        except ApiError as exc:  # already one redacted sentence naming the system and the URL
            for warning in getattr(exc, 'warnings', None) or []:
                display.warning('%s: %s' % (NAME, warning))
            raise AnsibleLookupError(str(exc)) from None
        except token_cache.CacheError as exc:
            raise _fail('session cache: %s' % exc) from None
        return result, opened

    @staticmethod
    def _system(terms):
        systems = ', '.join(SYSTEMS)
        if len(terms) != 1 or not isinstance(terms[0], str):
            raise _fail('give exactly one system as the term (one of %s); got %d terms.' % (systems, len(terms)))
        system = terms[0].strip().lower()
        if system not in SYSTEMS:
            raise _fail('unknown system %r; the term must be one of %s.' % (terms[0][:40], systems))
        return system

    def _check_values(self, kwargs):
        """kwargs with secrets made strings; one clear sentence for a value Ansible would refuse
        vaguely, or take silently (a bool typo must not turn certificate checks off). A value is
        never shown for a secret option."""
        checked = {}
        for name, value in kwargs.items():
            spec = self.option_definitions.get(name) or {}
            if name in SECRET_OPTIONS:
                value = _secret_text(name, value)
            elif value is not None and spec.get('choices') and value not in spec['choices']:
                raise _fail('%s must be one of %s; got %r.' % (name, ', '.join(spec['choices']), str(value)[:40]))
            elif value is not None and spec.get('type') == 'bool':
                try:
                    boolean(value, strict=True)
                except TypeError:
                    raise _fail('%s must be true or false; got %r.' % (name, str(value)[:40])) from None
            checked[name] = value
        return checked

    def _connection(self, client):
        """The system's option values: given in the call, else <SYSTEM>_<OPTION>, else the table default."""
        params = {}
        for opt in client.OPTIONS:
            value = self._direct.get(opt.name)
            if value is None:
                value = opt.default
                env = opt.env(client.PREFIX)
                if os.environ.get(env) not in (None, ''):
                    value = _convert(env, os.environ[env], opt)
            if opt.choices and value is not None and value not in opt.choices:
                raise _fail('%s must be one of %s for %s.' % (opt.name, ', '.join(opt.choices), client.SYSTEM))
            params[opt.name] = value
        return params

    @staticmethod
    def _query(query, result):
        try:
            return jmespath.search(query, result.get('full'))
        except jmespath.exceptions.ParseError as exc:
            raise _fail('query %r is not a valid JMESPath expression (%s at position %s).'
                        % (query, exc.msg if hasattr(exc, 'msg') else 'syntax error', getattr(exc, 'lex_position', '?'))
                        ) from None
        except jmespath.exceptions.JMESPathError as exc:
            raise _fail('query %r failed on the login answer: %s.' % (query, _query_error(exc))) from None


def _query_error(exc):
    """What went wrong in a query, without the data it ran on (a login answer holds secrets)."""
    if isinstance(exc, jmespath.exceptions.JMESPathTypeError):
        return ('function %s() got a value of type %s, and takes %s'
                % (exc.function_name, exc.actual_type, ' or '.join(str(t) for t in exc.expected_types or ())))
    if isinstance(exc, jmespath.exceptions.UnknownFunctionError):
        return 'unknown function (%s)' % str(exc).split(':', 1)[-1].strip()[:60]
    return type(exc).__name__


def _secret_text(name, value):
    """A secret option as a string: numbers and vaulted values are converted, containers and
    booleans refused by their type only (the value is never shown)."""
    if value is None or isinstance(value, str):
        return value
    kinds = ((bool, 'a boolean'), (Mapping, 'a dictionary'), ((list, tuple, set, frozenset), 'a list'))
    for kind, text in kinds:
        if isinstance(value, kind):
            raise _fail('%s must be a string; got %s (its value is not shown).' % (name, text))
    try:
        return str(value)  # a number, or a vaulted value (decrypted here)
    except Exception:  # pylint: disable=broad-except
        # whatever went wrong, the text of the error may hold the value
        raise _fail('%s could not be read as a string (a vaulted value without its vault password?).' % name) from None


def no_cleanup_warning():
    adhoc = 'module_name' in (context.CLIARGS or {})
    line = ('ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_CALLBACKS_ENABLED=%s' if adhoc
            else 'ANSIBLE_CALLBACKS_ENABLED=%s (or callbacks_enabled in ansible.cfg)') % CALLBACK
    return ('%s: the sessions this run opens stay open on the servers until they expire (SAYMON tokens do not '
            'expire), because the session_cleanup callback is not %s. Enable it with: %s'
            % (NAME, 'loaded in ad-hoc runs unless asked' if adhoc else 'enabled', line))


def _convert(env, text, opt):
    """An environment value as the option's type (never eval); the value itself is never shown."""
    try:
        if opt.type == 'bool':
            return boolean(text, strict=True)
        if opt.type == 'float':
            return float(text)
        if opt.type == 'path':
            return os.path.abspath(os.path.expanduser(text))
    except (TypeError, ValueError):
        raise _fail('the environment variable %s must be a %s.'
                    % (env, 'boolean (true/false)' if opt.type == 'bool' else 'number')) from None
    return text
