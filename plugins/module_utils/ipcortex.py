# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPCortex Communication System client: session login (cookie Red60urne), logout, Auth Keys.

The protocol (docs/ipcortex.md, and the vendor's authentication page):
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

import re

from ansible_collections.apiauth.sessions.plugins.module_utils._session import SessionSystem
from ansible_collections.apiauth.sessions.plugins.module_utils._request import RequestSupport
from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    COMMON_OPTIONS, ApiError, HttpClient, Option, Redactor,
    check_base_url, check_header_value, decode_json, header_problem, safe_url, shorten,
)

PREFIX = 'IPCORTEX'
SYSTEM = 'IPCortex'
COOKIE = 'Red60urne'
AUTH_PATH = '/rest/auth/'
LOGOUT_PATH = '/rest/auth/logout'
EXAMPLE_URL = 'https://pbx.example.com'

OPTIONS = COMMON_OPTIONS + (
    Option('username'),
    Option('password', secret=True),
    Option('api_key', secret=True),
    Option('api_key_transport', default='body', choices=('body', 'header')),
)


def check_session_value(session, option='session'):
    """Refuse, naming the option, a session id that would not be one cookie value: ';' or ','
    would add cookies of the caller's choosing, spaces and line breaks break the header."""
    if session is None:
        return session
    text = str(session)
    problem = header_problem(text)
    if not problem and re.search(r'[;,\s"\\]', text):
        problem = 'it holds a ";", ",", quote, backslash or space, which a cookie value cannot carry'
    if problem or not text:
        raise ApiError(SYSTEM, '%s must be the session id the login returned (the value of the %s cookie): %s.'
                       % (option, COOKIE, problem or 'it is empty'))
    return text


def auth_mode(params):
    """'password', 'key' or None (no credentials); refuses both kinds or half a pair."""
    username, password, key = params.get('username'), params.get('password'), params.get('api_key')
    if key and (username or password):
        raise ApiError(SYSTEM, 'give either username/password or api_key, not both (an Auth Key works on '
                               'its own; check the IPCORTEX_USERNAME, IPCORTEX_PASSWORD and IPCORTEX_API_KEY '
                               'environment variables too).')
    if key:
        return 'key'
    if username or password:
        if not (username and password):
            raise ApiError(SYSTEM, 'username and password go together: give both (or use api_key instead).')
        return 'password'
    return None


def no_credentials_error():
    return ApiError(SYSTEM, 'no credentials: give username and password (a session login) or api_key '
                            '(an Auth Key), or set IPCORTEX_USERNAME/IPCORTEX_PASSWORD or IPCORTEX_API_KEY.')


def cookie_headers(session):
    """Headers that carry the session, ready for ansible.builtin.uri."""
    return {'Cookie': '%s=%s' % (COOKIE, session)}


def public_user(user):
    """The user object of an answer, without the session id (it is returned on its own)."""
    user = dict(user) if isinstance(user, dict) else {}
    user.pop('session', None)
    return user


def server_root(params):
    """The checked server root (the collection adds the API path)."""
    return check_base_url(SYSTEM, params.get('url'), root_only=True, example=EXAMPLE_URL, env='%s_URL' % PREFIX)


class IpcortexClient(object):
    """One IPCortex server, built from a plain dict of option values (module.params or lookup options)."""

    def __init__(self, params):
        self.params = params
        self.redact = Redactor()
        self.redact.add(params.get('password'), params.get('api_key'), params.get('session'))
        self.base_url = server_root(params)
        check_header_value(SYSTEM, 'api_key', params.get('api_key'))
        check_session_value(params.get('session'))
        validate_certs = params.get('validate_certs')
        self.http = HttpClient(SYSTEM, self.base_url,
                               validate_certs=True if validate_certs is None else validate_certs,
                               ca_path=params.get('ca_path'), timeout=params.get('timeout'),
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
            headers['Cookie'] = '%s=%s' % (COOKIE, check_session_value(session))
        if key_header:
            headers['Authorization'] = 'token auth=%s' % key_header
        response = self.http.request('POST', path, json_body=body, headers=headers, read_only=read_only)
        status = response.status_code
        if status == 404:
            raise self.http.error('%s answered HTTP 404 to %s: no IPCortex REST API there. url must be the '
                                  'server root (for example %s); the collection adds /rest/ itself.'
                                  % (self.where, what, EXAMPLE_URL), status=status)
        if status >= 500:
            raise self.http.error('%s answered HTTP %s (server error) to %s. Check the server, or try again '
                                  'later.' % (self.where, status, what), status=status)
        answer = decode_json(self.http, response, what)
        if answer is not None and (not isinstance(answer, dict) or 'result' not in answer):
            raise self.http.error('%s answered HTTP %s to %s with JSON that has no "result" field. Is url an '
                                  'IPCortex Communication System?' % (self.where, status, what), status=status)
        if answer is None and not 200 <= status < 300:
            raise self.http.error('%s answered HTTP %s with an empty body to %s.'
                                  % (self.where, status, what), status=status)
        return response, answer

    def _server_says(self, answer):
        """The server's own words on a failure, if any, short and redacted."""
        for field in ('message', 'error', 'reason'):
            text = (answer or {}).get(field)
            if isinstance(text, str) and text.strip():
                return ' The server said: %s.' % shorten(self.redact(text.strip().rstrip('.')), 200)
        return ''

    # -- the protocol ------------------------------------------------------------------------
    def login(self):
        """Log in with username/password, always as a new session; returns (session, answer)."""
        username = self.params.get('username')
        body = {'auth': {'type': 'auth', 'username': username, 'password': self.params.get('password')}}
        response, answer = self._call(AUTH_PATH, body, 'the login')
        if answer is None:
            raise self._empty_answer(response, 'the login')
        if answer.get('result') != 'success':
            raise self.http.error('login of user %r at %s failed: wrong username or password (the server '
                                  'answered "result": "fail").%s Check username and password.'
                                  % (shorten(username), self.where, self._server_says(answer)),
                                  status=response.status_code, code='fail')
        user = answer.get('user') if isinstance(answer.get('user'), dict) else {}
        # The cookie is what the server will recognise; the body copy is the fallback.
        session = response.cookies.get(COOKIE) or user.get('session')
        if not session:
            raise self.http.error('the login at %s succeeded but the answer carried no %s session cookie '
                                  '(and no user.session). Is a proxy removing Set-Cookie?'
                                  % (self.where, COOKIE), status=response.status_code)
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
        if answer is None:
            raise self._empty_answer(response, 'the api_key check')
        if answer.get('result') != 'success':
            hint = (' Servers before release 6.3.10 ignore the Authorization header: try api_key_transport=body.'
                    if transport == 'header' else '')
            raise self.http.error('%s refused the api_key (bad, revoked or mistyped Auth Key; the server '
                                  'answered "result": "fail").%s Check the key (an Auth Key token of the user).%s'
                                  % (self.where, self._server_says(answer), hint),
                                  status=response.status_code, code='fail')
        return answer

    def _empty_answer(self, response, what):
        """An answer with nothing (or only white space) in it decides nothing: say so, not a refusal."""
        return self.http.error('%s answered an empty body (HTTP %s) to %s instead of a "result"; is url an IPCortex '
                               'Communication System, and is no proxy in the way?'
                               % (self.where, response.status_code, what), status=response.status_code)

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


class Ipcortex(SessionSystem, RequestSupport):
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

    # -- the request modules (plugins/module_utils/_request.py) -------------------------------
    PATH_EXAMPLE = 'pbx/read/extension'
    REQUEST_SESSION_OPTION = 'session'
    AUTH_BODY = ('auth',)
    PAGING = 'a read answers every row at once (values, numrows): nothing to page'

    @classmethod
    def request_root(cls, params):
        return server_root(params) + '/rest'

    @classmethod
    def given_session(cls, params, value):
        return {'token': value, 'headers': cookie_headers(value), 'params': {}}

    @classmethod
    def request_auth(cls, params, session, method, headers, query, body):
        """The cookie, or the Auth Key in the header or (api_key_transport=body) in the body's auth."""
        given = dict(session.get('headers') or {})
        key = given.get('Authorization', '')
        if key.startswith('token auth=') and params.get('api_key_transport', 'body') == 'body':
            del given['Authorization']
            body = dict(body or {}, auth={'type': 'auth', 'key': key[len('token auth='):]})
        headers.update(given)
        return headers, query, body

    @staticmethod
    def _failed(data):
        return isinstance(data, dict) and data.get('result') == 'fail'

    @classmethod
    def session_gone(cls, status, data):
        return cls._failed(data) and bool(re.search(r'auth|session|login', str(data.get('message', '')), re.I))

    @classmethod
    def api_failure(cls, status, data):
        if not cls._failed(data):
            return None
        return 'the server answered result "fail"%s' % (': %s' % str(data['message'])[:200] if data.get('message') else '')

    @classmethod
    def is_read(cls, method, path):
        parts = path.split('/')
        return method in ('GET', 'HEAD') or (len(parts) > 1 and parts[1] == 'read')

    @classmethod
    def next_page(cls, page, response, data, size):
        values = data.get('values') if isinstance(data, dict) else None
        return (values if isinstance(values, list) else []), None
