# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SAYMON client: the API token of a user (one per user), over HTTP Basic authentication.

SAYMON (``<server>/node/api``) keeps one API token per user, shown as the user's
``authenticationToken``. ``POST /users/:id/auth-token`` makes a new one (replacing the old,
which then fails) and answers it as a JSON string; ``DELETE`` removes it; the token is then
sent as the query parameter ``api-token``. Both need the ``manage-users`` permission.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import re
from urllib.parse import urlsplit

from ansible_collections.apiauth.sessions.plugins.module_utils._session import SessionSystem
from ansible_collections.apiauth.sessions.plugins.module_utils._request import RequestSupport
from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    COMMON_OPTIONS, ApiError, HttpClient, Option, Redactor, check_base_url, decode_json, safe_url, shorten)

PREFIX = 'SAYMON'
SYSTEM = 'SAYMON'
API_PATH = '/node/api'
MANAGE_USERS = 'manage-users'
EXAMPLE_URL = 'https://saymon.example.com'
TOKEN_PARAM = 'api-token'

OPTIONS = COMMON_OPTIONS + (
    Option('username'),
    Option('password', secret=True),
    Option('user_id'),
)

# SAYMON ids are MongoDB ObjectIds (24 hex digits); accept any id that is one safe path segment
# of a sane length.
_USER_ID = re.compile(r'^[A-Za-z0-9_.:@~-]{1,128}$')
# What a token may look like when a server or proxy answers it without the JSON quotes.
_BARE_TOKEN = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._~+/=-]*$')
_UNKNOWN = object()


def check_user_id(value):
    """user_id as a string, None when not given; refuse what is not one path segment."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text in ('.', '..') or not _USER_ID.match(text):
        raise ApiError(SYSTEM, 'user_id %r is not a SAYMON user id; give the id of a user (like '
                               '5e21b752308c3c66d64e072c, the "id" of GET /node/api/users/current), or omit '
                               'user_id to use the logged-in user.' % shorten(text))
    return text


def error_detail(response, redact=str):
    """(code, message) of a SAYMON error body {"code", "message"}; the message of an auth error
    is itself a JSON string {"errorCode": 3, "message": "..."}, unwrapped here. Both are
    redacted before they are cut, so that no piece of a secret survives at the cut."""
    try:
        body = json.loads((response.content or b'').decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(body, dict):
        return None, shorten(redact(body.strip()), 200) if isinstance(body, str) else None
    code, message = body.get('code'), body.get('message')
    if isinstance(message, str):
        try:
            inner = json.loads(message)
        except ValueError:
            inner = None
        if isinstance(inner, dict) and isinstance(inner.get('message'), str):
            message = inner['message']
        message = shorten(redact(message.strip()), 200) or None
    elif message is not None:
        message = shorten(redact(json.dumps(message)), 200)
    return (shorten(redact(str(code)), 60) if code is not None else None), message


def token_fingerprint(token):
    """What a handle may keep to recognise a token later without holding the token itself."""
    return hashlib.sha256(token.encode('utf-8')).hexdigest() if token else None


def server_root(params):
    """The checked server root, which may carry a reverse-proxy prefix (the collection adds /node/api)."""
    root = check_base_url(SYSTEM, params.get('url'), example=EXAMPLE_URL, env='%s_URL' % PREFIX)
    if re.search(r'(^|/)node(/api)?(/.*)?$', urlsplit(root).path):
        raise ApiError(SYSTEM, 'url must be the server root, like %s, without /node/api (the collection '
                               'adds the API path); got %s.' % (EXAMPLE_URL, safe_url(root)))
    return root


class SaymonClient(object):
    """Calls of /node/api for one set of connection options (module.params or lookup options)."""

    def __init__(self, params):
        values = dict((opt.name, opt.default) for opt in OPTIONS)
        values.update((k, v) for k, v in (params or {}).items() if k in values and v is not None)
        self.redact = Redactor()
        self.username = values['username'] or None
        self.password = values['password']
        self.redact.add(self.password)
        self._basic = None
        if self.username is not None and self.password is not None:
            if ':' in self.username:
                raise ApiError(SYSTEM, 'username must not contain ":" (HTTP Basic authentication '
                                       'cannot carry it).')
            pair = '%s:%s' % (self.username, self.password)
            self._basic = base64.b64encode(pair.encode('utf-8')).decode('ascii')
            self.redact.add(pair, self._basic)
        root = server_root(values)
        self.user_id = check_user_id(values['user_id'])
        self.where = safe_url(root)
        self.http = HttpClient(SYSTEM, root + API_PATH, validate_certs=values['validate_certs'],
                               ca_path=values['ca_path'], timeout=values['timeout'], redactor=self.redact)

    @property
    def has_credentials(self):
        return self._basic is not None

    @property
    def warnings(self):
        return self.http.warnings

    # -- transport -----------------------------------------------------------------------
    def _call(self, method, path, action, user_id=None, token=None, read_only=False):
        """One authenticated call: with ``token`` as api-token, else with Basic credentials."""
        if token:
            self.redact.add(token)
            params, headers = {TOKEN_PARAM: token}, None
        elif self._basic:
            params, headers = None, {'Authorization': 'Basic ' + self._basic}
        else:
            raise self.http.error('username and password are needed to %s at %s; set username and '
                                  'password (or SAYMON_USERNAME and SAYMON_PASSWORD).' % (action, self.where))
        response = self.http.request(method, path, params=params, headers=headers, read_only=read_only)
        if not 200 <= response.status_code < 300:
            raise self._error(response, action, user_id, bool(token))
        return response

    def _error(self, response, action, user_id, via_token):
        status = response.status_code
        code, message = error_detail(response, self.redact)
        if code is None and message is None:
            decode_json(self.http, response, action)  # raises the HTML / not-JSON sentence
        said = ' (server: %s)' % ': '.join(p for p in (code, message) if p) if (code or message) else ''
        text = self._error_text(status, code, action, user_id, via_token) % {'said': said}
        return self.http.error(text, status=status, code=code)

    def _error_text(self, status, code, action, user_id, via_token):
        """The sentence for a refused call, with %(said)s where the server's words go."""
        where, user = self.where, shorten(self.username)
        if status == 401 and code == 'InvalidCredentials':
            return ('%s refused the login of %r: wrong username or password%%(said)s. Check username and password '
                    '(SAYMON_USERNAME, SAYMON_PASSWORD).' % (where, user))
        if status == 401 and via_token:
            return ('%s refused the API token%%(said)s: it was deleted or replaced by a newer token, or token '
                    'authentication is switched off on the server. Create a new token (state=present).' % where)
        if status == 401:
            return ('%s answered 401 Unauthorized to %s%%(said)s: the request was not logged in. Check username and '
                    'password, and that no proxy strips the Authorization header.' % (where, action))
        if status == 403:
            who = 'the account %r' % user if not via_token else 'the token\'s user'
            return ('%s may not %s at %s: it lacks the %s permission%%(said)s. Grant %s to that account in SAYMON, '
                    'or use an account that has it.' % (who, action, where, MANAGE_USERS, MANAGE_USERS))
        if status == 404 and user_id and code != 'ResourceNotFound':
            return ('there is no user with id %r at %s%%(said)s. Check user_id, or omit it to use the logged-in '
                    'user.' % (shorten(user_id), where))
        if status == 404:
            return '%s has no %s%%(said)s. Is url the SAYMON server root (like %s)?' % (where, API_PATH, EXAMPLE_URL)
        return '%s failed at %s with HTTP %s%%(said)s.' % (action[0].upper() + action[1:], where, status)

    def _user(self, response, what):
        user = decode_json(self.http, response, what)
        if not isinstance(user, dict) or user.get('id') in (None, ''):
            raise self.http.error('%s answered no user object to %s. Is url the SAYMON server root?'
                                  % (self.where, what), status=response.status_code)
        user = dict(user, id=str(user['id']))
        self.redact.add(user.get('authenticationToken'))
        return user

    # -- API -------------------------------------------------------------------------------
    def current_user(self):
        """GET /users/current with Basic credentials: the logged-in user."""
        action = 'read the logged-in user'
        return self._user(self._call('GET', '/users/current', action, read_only=True), action)

    def get_user(self, user_id):
        """GET /users/:id (another user's needs manage-users)."""
        action = 'read user %s' % user_id
        return self._user(self._call('GET', '/users/%s' % user_id, action, user_id=user_id, read_only=True), action)

    def user(self, user_id=None):
        return self.get_user(user_id) if user_id else self.current_user()

    def token_owner(self, token):
        """The user an API token authenticates (GET /users/current?api-token=), None if refused (401)."""
        action = 'check the API token'
        self.redact.add(token)
        response = self.http.request('GET', '/users/current', params={TOKEN_PARAM: token}, read_only=True)
        if response.status_code == 401:
            return None
        if not 200 <= response.status_code < 300:
            raise self._error(response, action, None, True)
        return self._user(response, action)

    def create_token(self, user_id):
        """POST /users/:id/auth-token: a new token, replacing the user's old one."""
        action = 'create an API token for user %s' % user_id
        response = self._call('POST', '/users/%s/auth-token' % user_id, action, user_id=user_id)
        token = decode_token(self.http, response, action)
        self.redact.add(token)
        return token

    def delete_token(self, user_id, token=None):
        """DELETE /users/:id/auth-token; with ``token``, authenticated by the token itself."""
        action = 'delete the API token of user %s' % user_id
        self._call('DELETE', '/users/%s/auth-token' % user_id, action, user_id=user_id, token=token)
        return True


def decode_token(client, response, what):
    """The token of a create answer: a JSON string ("a5f9...", quotes included) or, tolerated,
    the bare token; surrounding whitespace and newlines do not matter."""
    text = (response.content or b'').decode('utf-8', 'replace').strip()
    try:
        value = json.loads(text)
    except ValueError:
        if _BARE_TOKEN.match(text):
            return text
        decode_json(client, response, what)  # raises: HTML page, truncated JSON, ...
        value = None
    if isinstance(value, str) and _BARE_TOKEN.match(value.strip()):
        return value.strip()
    kinds = {dict: 'a JSON object', list: 'a JSON array', str: 'a JSON string that is no token',
             type(None): 'JSON null', bool: 'a JSON boolean'}
    kind = 'an empty answer' if not text else kinds.get(type(value), 'a JSON number')
    raise client.error('%s answered %s instead of the token string to %s. Is url the SAYMON server root?'
                       % (safe_url(client.base_url), kind, what), status=response.status_code)


class Saymon(SessionSystem, RequestSupport):
    """The lookup's session is the user's API token."""

    NAME = 'saymon'
    SYSTEM = SYSTEM
    PREFIX = PREFIX
    OPTIONS = OPTIONS
    SHARED_TOKEN = True  # one token per user: every login of the user gets it, and runs share it

    @classmethod
    def session_alive(cls, params, result, handle):
        owner = SaymonClient(params).token_owner(result['token'])
        return owner is not None and str(owner.get('id')) == str(handle.get('user_id'))

    @classmethod
    def open_session(cls, params):
        """The user's current token, never a replacement: SAYMON has one token per user and a new
        one would break whoever uses the old. Creates a token only when the user has none."""
        client = SaymonClient(params)
        user = client.user(client.user_id)
        token = user.get('authenticationToken', _UNKNOWN)
        if token is _UNKNOWN:
            raise client.http.error('%s does not show the authenticationToken of user %s to this account, so the '
                                    'lookup cannot tell whether the user has a token and will not risk replacing it; '
                                    'use the apiauth.sessions.saymon_auth_token module instead.'
                                    % (client.where, shorten(user['id'])))
        created = not token
        if created:
            token = client.create_token(user['id'])
        full = dict(user, authenticationToken=token)
        return {
            'token': token,
            'headers': {},
            'params': {TOKEN_PARAM: token},
            'full': full,
            'expires_at': None,  # SAYMON tokens do not expire; they are deleted or replaced
            'handle': {'user_id': user['id'], 'created': created, 'token_sha256': token_fingerprint(token)},
        }

    @classmethod
    def end_session(cls, params, handle):
        """Delete the token only if open_session created it and it is still the user's token
        (someone may have replaced it since: theirs must stay). True if a token was deleted."""
        handle = handle or {}
        if not handle.get('created') or not handle.get('user_id'):
            return False
        client = SaymonClient(params)
        try:
            user = client.get_user(handle['user_id'])
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        current = user.get('authenticationToken')
        if not current:
            return False
        if handle.get('token_sha256') and token_fingerprint(current) != handle['token_sha256']:
            return False
        return client.delete_token(user['id'])

    # -- the request modules (plugins/module_utils/_request.py) -------------------------------
    PATH_EXAMPLE = 'objects'
    REQUEST_SESSION_OPTION = 'auth_token'
    AUTH_QUERY = (TOKEN_PARAM,)
    PAGING = ('GET objects returns every object in one answer; the v2 getObjects request (POST) pages with '
              'limit and offset in its body')

    @classmethod
    def request_root(cls, params):
        return server_root(params) + API_PATH

    @classmethod
    def given_session(cls, params, value):
        return {'token': value, 'headers': {}, 'params': {TOKEN_PARAM: value}}

    @staticmethod
    def _v2_read(path):
        return path.startswith('v2/get')

    @classmethod
    def is_read(cls, method, path):
        return method in ('GET', 'HEAD') or (method == 'POST' and cls._v2_read(path))

    @classmethod
    def first_page(cls, path, query, body, size):
        if not cls._v2_read(path):
            return path, query, body
        body = dict(body or {})
        body['limit'] = size
        body.setdefault('offset', 0)
        return path, query, body

    @classmethod
    def next_page(cls, page, response, data, size):
        path, query, body = page
        items = data if isinstance(data, list) else ([] if data is None else [data])
        if not cls._v2_read(path) or len(items) < body['limit']:
            return items, None
        return items, (path, query, dict(body, offset=int(body['offset']) + len(items)))
