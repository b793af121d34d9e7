# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPCortex Communication System client: session login (cookie Red60urne), logout, Auth Keys.

The protocol (protocols.md section 4, the vendor's authentication page):
  POST /rest/auth/        {"auth": {"type": "auth", "username", "password"}} -> the session
                          cookie Red60urne (also user.session in the body)
  POST /rest/auth/logout  {"auth": {"type": "auth"}} with the cookie
  Auth Key                {"auth": {"type": "auth", "key": K}} in the body, or (6.3.10+) the
                          header `Authorization: token auth=K`; stateless.
Failure is `"result": "fail"` in the body, usually with HTTP 200: the body decides.
A login carrying a Red60urne cookie changes that session, so a login never sends one.

Session check: POST /rest/auth/ with the cookie and no credentials. The vendor says an
already authenticated session needs no further authentication, and /rest/auth/ is the one
endpoint every user may call whatever their permissions (a read of some other section could
be refused for lack of a permission and be taken for an expired session). It is not a login
(no credentials are sent), so it cannot change the session.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.module_utils._session import SessionSystem
from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    COMMON_OPTIONS, ApiError, HttpClient, Option, Redactor,
    check_base_url, decode_json, safe_url,
)

PREFIX = 'IPCORTEX'
SYSTEM = 'IPCortex'
COOKIE = 'Red60urne'
AUTH_PATH = '/rest/auth/'
LOGOUT_PATH = '/rest/auth/logout'
EXAMPLE_URL = 'https://pbx.example.com'

OPTIONS = COMMON_OPTIONS + (
    Option('username', help='Login name of the IPCortex user, for a session (cookie) login.'),
    Option('password', secret=True, help='Password of O(username).'),
    Option('api_key', secret=True,
           help='An Auth Key user token (stateless); use it instead of O(username) and O(password).'),
    Option('api_key_transport', default='body', choices=('body', 'header'),
           help='How O(api_key) is sent: in the JSON body (C(auth.key)) or as the header '
                'C(Authorization: token auth=KEY) (IPCortex 6.3.10 and later).'),
)




def auth_mode(params):
    """'password', 'key' or None (no credentials); refuses both kinds or half a pair."""
    username, password, key = params.get('username'), params.get('password'), params.get('api_key')
    if key and (username or password):
        raise ApiError(SYSTEM, '%s: give either username/password or api_key, not both (an Auth Key works on '
                               'its own; check the IPCORTEX_USERNAME, IPCORTEX_PASSWORD and IPCORTEX_API_KEY '
                               'environment variables too).' % SYSTEM)
    if key:
        return 'key'
    if username or password:
        if not (username and password):
            raise ApiError(SYSTEM, '%s: username and password go together: give both (or use api_key instead).'
                           % SYSTEM)
        return 'password'
    return None


def no_credentials_error():
    return ApiError(SYSTEM, '%s: no credentials: give username and password (a session login) or api_key '
                            '(an Auth Key), or set IPCORTEX_USERNAME/IPCORTEX_PASSWORD or IPCORTEX_API_KEY.'
                    % SYSTEM)


def cookie_headers(session):
    """Headers that carry the session, ready for ansible.builtin.uri."""
    return {'Cookie': '%s=%s' % (COOKIE, session)}


def public_user(user):
    """The user object of an answer, without the session id (it is returned on its own)."""
    user = dict(user) if isinstance(user, dict) else {}
    user.pop('session', None)
    return user


class IpcortexClient(object):
    """One IPCortex server, built from a plain dict of option values (module.params or lookup options)."""

    def __init__(self, params):
        self.params = params
        self.redact = Redactor()
        self.redact.add(params.get('password'), params.get('api_key'), params.get('session'))
        self.base_url = check_base_url(SYSTEM, params.get('url'), root_only=True, example=EXAMPLE_URL)
        validate_certs = params.get('validate_certs')
        self.http = HttpClient(SYSTEM, self.base_url,
                               validate_certs=True if validate_certs is None else validate_certs,
                               ca_path=params.get('ca_path'), timeout=params.get('timeout') or 30,
                               redactor=self.redact)
        self.where = safe_url(self.base_url)

    # -- transport -----------------------------------------------------------------------
    def _call(self, path, body, what, session=None, key_header=None, read_only=False):
        """POST one REST call; returns (response, answer dict or None for an empty body)."""
        # requests keeps cookies from earlier answers; sending one by accident to /rest/auth/
        # would change that session instead of making a new one. Only the cookie we choose goes.
        self.http.session.cookies.clear()
        headers = {}
        if session:
            headers['Cookie'] = '%s=%s' % (COOKIE, session)
        if key_header:
            headers['Authorization'] = 'token auth=%s' % key_header
        response = self.http.request('POST', path, json_body=body, headers=headers, read_only=read_only)
        status = response.status_code
        if status == 404:
            raise self.http.error('%s: %s answered HTTP 404 to %s: no IPCortex REST API there. url must be the '
                                  'server root (for example %s); the collection adds /rest/ itself.'
                                  % (SYSTEM, self.where, what, EXAMPLE_URL), status=status)
        if status >= 500:
            raise self.http.error('%s: %s answered HTTP %s (server error) to %s. Check the server, or try again '
                                  'later.' % (SYSTEM, self.where, status, what), status=status)
        answer = decode_json(self.http, response, what)
        if answer is not None and (not isinstance(answer, dict) or 'result' not in answer):
            raise self.http.error('%s: %s answered HTTP %s to %s with JSON that has no "result" field. Is url an '
                                  'IPCortex Communication System?' % (SYSTEM, self.where, status, what), status=status)
        if answer is None and not 200 <= status < 300:
            raise self.http.error('%s: %s answered HTTP %s with an empty body to %s.'
                                  % (SYSTEM, self.where, status, what), status=status)
        return response, answer

    def _server_says(self, answer):
        """The server's own words on a failure, if any, short and redacted."""
        for field in ('message', 'error', 'reason'):
            text = (answer or {}).get(field)
            if isinstance(text, str) and text.strip():
                return ' The server said: %s.' % self.redact(text.strip().rstrip('.'))[:200]
        return ''

    # -- the protocol ------------------------------------------------------------------------
    def login(self):
        """Log in with username/password, always as a new session; returns (session, answer)."""
        username = self.params.get('username')
        body = {'auth': {'type': 'auth', 'username': username, 'password': self.params.get('password')}}
        response, answer = self._call(AUTH_PATH, body, 'the login')
        if not answer or answer.get('result') != 'success':
            raise self.http.error('%s: login of user %r at %s failed: wrong username or password (the server '
                                  'answered "result": "fail").%s Check username and password.'
                                  % (SYSTEM, username, self.where, self._server_says(answer)),
                                  status=response.status_code, code='fail')
        user = answer.get('user') if isinstance(answer.get('user'), dict) else {}
        # The cookie is what the server will recognise; the body copy is the fallback.
        session = response.cookies.get(COOKIE) or user.get('session')
        if not session:
            raise self.http.error('%s: the login at %s succeeded but the answer carried no %s session cookie '
                                  '(and no user.session). Is a proxy removing Set-Cookie?'
                                  % (SYSTEM, self.where, COOKIE), status=response.status_code)
        session = str(session)
        self.redact.add(session)
        return session, answer

    def validate_key(self):
        """Check the Auth Key (stateless: nothing is opened); returns the answer with the user."""
        key = self.params.get('api_key')
        transport = self.params.get('api_key_transport') or 'body'
        if transport == 'header':
            response, answer = self._call(AUTH_PATH, {}, 'the api_key check', key_header=key, read_only=True)
        else:
            response, answer = self._call(AUTH_PATH, {'auth': {'type': 'auth', 'key': key}}, 'the api_key check',
                                          read_only=True)
        if not answer or answer.get('result') != 'success':
            hint = (' Servers before release 6.3.10 ignore the Authorization header: try api_key_transport=body.'
                    if transport == 'header' else '')
            raise self.http.error('%s: %s refused the api_key (bad, revoked or mistyped Auth Key; the server '
                                  'answered "result": "fail").%s Check the key (an Auth Key token of the user).%s'
                                  % (SYSTEM, self.where, self._server_says(answer), hint),
                                  status=response.status_code, code='fail')
        return answer

    def check_session(self, session):
        """The answer describing the live session, or None when it is gone (expired, logged out)."""
        self.redact.add(session)
        answer = self._call(AUTH_PATH, {}, 'the session check', session=session, read_only=True)[1]
        if answer and answer.get('result') == 'success':
            return answer
        return None

    def logout(self, session):
        """End the session; True if the server ended a live one, False if it was already gone."""
        self.redact.add(session)
        answer = self._call(LOGOUT_PATH, {'auth': {'type': 'auth'}}, 'the logout', session=session)[1]
        # An empty 200 is taken as done; "fail" means there was no such session.
        return answer is None or answer.get('result') == 'success'


class Ipcortex(SessionSystem):
    NAME = 'ipcortex'
    SYSTEM = SYSTEM
    PREFIX = PREFIX
    OPTIONS = OPTIONS

    @classmethod
    def open_session(cls, params):
        mode = auth_mode(params)
        if mode is None:
            raise no_credentials_error()
        client = IpcortexClient(params)
        if mode == 'key':
            answer = client.validate_key()
            key = params['api_key']
            # Only the lookup builds a header that carries the key.
            return {'token': key, 'headers': {'Authorization': 'token auth=%s' % key}, 'params': {},
                    'full': answer, 'expires_at': None, 'handle': {}}
        session, answer = client.login()
        return {'token': session, 'headers': cookie_headers(session), 'params': {}, 'full': answer,
                'expires_at': None, 'handle': {'session': session}}

    @classmethod
    def session_alive(cls, params, result, handle):
        if not handle.get('session'):
            return True  # an Auth Key is stateless: nothing to expire
        return IpcortexClient(params).check_session(handle['session']) is not None

    @classmethod
    def end_session(cls, params, handle):
        session = (handle or {}).get('session')
        if not session:
            return False  # an Auth Key opens nothing
        return IpcortexClient(params).logout(session)
