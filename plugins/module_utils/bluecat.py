# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BlueCat Address Manager RESTful v2 client: log in, check, use and end an API session.

    POST  /api/v2/sessions            {"username", "password"[, "readOnly": true]} -> 201 UserSession
    GET   /api/v2/sessions/current    Authorization: Basic <basicAuthenticationCredentials>
    PATCH /api/v2/sessions/{id}       application/merge-patch+json {"state": "LOGGED_OUT"}

Errors are JSON {status, reason, code, message}; decisions are taken on the HTTP status.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from ansible_collections.apiauth.sessions.plugins.module_utils._session import SessionSystem
from ansible_collections.apiauth.sessions.plugins.module_utils._request import RequestSupport, parse_qsl, urlsplit
from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    COMMON_OPTIONS, ApiError, HttpClient, Option, Redactor, check_base_url, decode_json, safe_url, shorten,
)

PREFIX = 'BLUECAT'
SYSTEM = 'BlueCat Address Manager'
EXAMPLE_URL = 'https://bam.example.com'

SESSIONS = '/api/v2/sessions'
CURRENT = '/api/v2/sessions/current'
MERGE_PATCH = 'application/merge-patch+json'

OPTIONS = COMMON_OPTIONS + (
    Option('username'),
    Option('password', secret=True),
    Option('read_only', type='bool', default=False),
)

# The UserSession fields a module returns: everything but the token and the Basic credentials.
SESSION_FIELDS = ('id', 'type', 'state', 'readOnly', 'remoteAddress', 'loginDateTime', 'logoutDateTime',
                  'apiTokenExpirationDateTime', 'user')


def basic_credentials(username, token):
    """base64(username:token), what the server returns as basicAuthenticationCredentials."""
    return base64.b64encode(('%s:%s' % (username, token)).encode('utf-8')).decode('ascii')


# --------------------------------------------------------------------------------------------
# Expiry arithmetic
# --------------------------------------------------------------------------------------------
UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO8601 = re.compile(r'^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?'
                      r'\s*(Z|z|[+-]\d\d(?::?\d\d)?)?$')


def parse_datetime(text):
    """An aware datetime from ISO 8601 (`Z`, `+02:00`, `+0200`, `-05`); no offset means UTC,
    as the API writes UTC. Raises ValueError for anything else."""
    match = _ISO8601.match((text or '').strip())
    if not match:
        raise ValueError('not an ISO 8601 date and time: %r' % (text,))
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = 0
    if zone and zone not in ('Z', 'z'):
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro,
                    tzinfo=timezone(timedelta(minutes=offset)))


def to_epoch(moment):
    return (moment - _EPOCH).total_seconds()


def seconds_left(expires_at, now=None):
    """Seconds until the epoch expires_at (negative when past); None when unknown."""
    if expires_at is None:
        return None
    return expires_at - (time.time() if now is None else now)


def about_to_expire(expires_at, min_validity, now=None):
    """True when less than min_validity seconds are left; an unknown expiry is not."""
    left = seconds_left(expires_at, now)
    return left is not None and left < min_validity


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------
def server_root(params):
    """The checked server root (the collection adds the API path)."""
    return check_base_url(SYSTEM, params.get('url'), root_only=True, example=EXAMPLE_URL, env='%s_URL' % PREFIX)


class BluecatClient(object):
    """One Address Manager API session, from a plain dict of the OPTIONS values."""

    def __init__(self, params):
        self.redact = Redactor()
        self.username = params.get('username') or None
        self.password = params.get('password') or None
        self.redact.add(self.password)
        if self.username and self.password:
            self.redact.add(basic_credentials(self.username, self.password))
        self.read_only = bool(params.get('read_only'))
        base_url = server_root(params)
        validate = params.get('validate_certs')
        self.http = HttpClient(SYSTEM, base_url, validate_certs=True if validate is None else validate,
                               ca_path=params.get('ca_path'), timeout=params.get('timeout'),
                               redactor=self.redact)
        self.warnings = self.http.warnings
        self.session_id = self.api_token = self.basic = self.session_user = None
        self.expires_at = None  # epoch seconds, None when unknown

    # -- credentials -------------------------------------------------------------------
    def use_session(self, session_id, api_token, username=None, basic=None):
        """Adopt an existing session (from an earlier login) instead of logging in."""
        username = username or self.username
        if not basic and not username:
            raise self.http.error('using session %s needs the username it was opened with; set username '
                                  '(or BLUECAT_USERNAME).' % shorten(session_id))
        self.session_id, self.api_token, self.session_user = session_id, api_token, username
        self.basic = basic or basic_credentials(username, api_token)
        self.redact.add(api_token, self.basic)

    @property
    def headers(self):
        """Ready for ansible.builtin.uri and every later API call."""
        return {'Authorization': 'Basic %s' % self.basic} if self.basic else {}

    def _adopt(self, data):
        """Take the session of a login answer."""
        self.session_id = data.get('id')
        self.api_token = data['apiToken']
        self.session_user = (data.get('user') or {}).get('name') or self.username
        self.basic = data.get('basicAuthenticationCredentials') or basic_credentials(self.session_user, self.api_token)
        self.redact.add(self.api_token, self.basic)
        self.expires_at = self.expiry_of(data)

    def expiry_of(self, data):
        """Epoch of apiTokenExpirationDateTime, or None (with a warning when unreadable)."""
        text = (data or {}).get('apiTokenExpirationDateTime')
        if not text:
            return None
        try:
            return to_epoch(parse_datetime(text))
        except (ValueError, TypeError):
            self.warnings.append('%s: could not read apiTokenExpirationDateTime %r; the token expiry is unknown.'
                                 % (SYSTEM, shorten(text, 40)))
            return None

    # -- the session endpoints -----------------------------------------------------------
    def login(self):
        """POST /api/v2/sessions; returns the UserSession answer (with its secrets)."""
        if not (self.username and self.password):
            raise self.http.error('username and password are needed to log in to %s; set them (or '
                                  'BLUECAT_USERNAME and BLUECAT_PASSWORD).' % safe_url(self.http.base_url))
        body = {'username': self.username, 'password': self.password}
        if self.read_only:
            body['readOnly'] = True
        response = self.http.request('POST', SESSIONS, json_body=body)
        if response.status_code not in (200, 201):
            raise self.failure(response, 'log in')
        data = decode_json(self.http, response, 'the login')
        if not isinstance(data, dict) or not data.get('apiToken'):
            raise self.http.error('the login answer of %s carries no apiToken (HTTP %s); is url the Address '
                                  'Manager server (9.5 or later, RESTful v2 API)?'
                                  % (safe_url(response.url or self.http.url(SESSIONS)), response.status_code),
                                  status=response.status_code)
        self._adopt(data)
        return data

    def current(self):
        """GET /api/v2/sessions/current: the session, or None when no longer valid (401)."""
        response = self.http.request('GET', CURRENT, headers=self.headers, read_only=True)
        if response.status_code == 401:
            return None
        if response.status_code != 200:
            raise self.failure(response, 'check session %s' % self.session_id)
        data = decode_json(self.http, response, 'the session check')
        if not isinstance(data, dict):
            raise self.http.error('%s answered no session (HTTP 200); is url the Address Manager server?'
                                  % safe_url(self.http.url(CURRENT)))
        expiry = self.expiry_of(data)
        if expiry is not None:
            self.expires_at = expiry
        return data

    def logout(self, session_id=None):
        """PATCH the session to LOGGED_OUT: its answer ({} if empty), or None when already gone (401)."""
        session_id = self.session_id if session_id is None else session_id
        headers = dict(self.headers)
        headers['Content-Type'] = MERGE_PATCH
        response = self.http.request('PATCH', '%s/%s' % (SESSIONS, quote(str(session_id), safe='')),
                                     json_body={'state': 'LOGGED_OUT'}, headers=headers)
        if response.status_code == 401:
            return None
        if response.status_code not in (200, 204):
            raise self.failure(response, 'log out session %s' % shorten(session_id))
        return decode_json(self.http, response, 'the logout') or {}

    # -- any other call ----------------------------------------------------------------
    def call(self, method, path, json_body=None, params=None, headers=None, expect=(200, 201, 204)):
        """An authenticated call (logs in first when no session is held); on a 401 logs in
        again once where username and password were given. Returns the decoded JSON."""
        if not self.basic:
            self.login()
        response = self._send(method, path, json_body, params, headers)
        if response.status_code == 401 and self.username and self.password:
            self.login()
            response = self._send(method, path, json_body, params, headers)
        if response.status_code not in expect:
            raise self.failure(response, '%s %s' % (method, path.split('?')[0]))
        return decode_json(self.http, response, '%s %s' % (method, path.split('?')[0]))

    def _send(self, method, path, json_body, params, headers):
        send = dict(self.headers)
        send.update(headers or {})
        return self.http.request(method, path, params=params, json_body=json_body, headers=send,
                                 read_only=method in ('GET', 'HEAD'))

    # -- errors --------------------------------------------------------------------------
    def failure(self, response, what):
        """One sentence for a refused request: system, URL, status, server's code and message, remedy."""
        status = response.status_code
        where = safe_url(response.url or self.http.base_url)
        body, kind = _error_body(response)
        if body is None:
            text = ('%s answered HTTP %s with %s instead of a JSON error when trying to %s; %s'
                    % (where, status, kind, what, _remedy(status, None, what, html=True)))
            return self.http.error(text, status=status)
        code = body.get('code')
        detail = shorten(self.redact(' '.join(str(body.get('message') or body.get('reason') or '').split())), 300)
        text = '%s failed at %s: HTTP %s%s%s; %s' % (
            what, where, status, ' %s' % shorten(code, 60) if code else '', ' (%s)' % detail if detail else '',
            _remedy(status, code, what))
        return self.http.error(text, status=status, code=code)


def _error_body(response):
    """(dict, None) for a JSON error body, else (None, what it was). Parse only when JSON."""
    raw = response.content or b''
    ctype = (response.headers.get('Content-Type') or '').lower()
    if not raw.strip():
        return None, 'an empty body'
    if 'json' in ctype or (not ctype and raw.lstrip()[:1] == b'{'):
        try:
            data = json.loads(raw.decode('utf-8'))
            if isinstance(data, dict):
                return data, None
        except (ValueError, UnicodeDecodeError):
            pass
        return None, 'data that is not valid JSON'
    if 'html' in ctype or b'<html' in raw[:512].lower():
        return None, 'an HTML page'
    return None, 'a %s answer' % (ctype.split(';')[0] or 'non-JSON')


def _remedy(status, code, what, html=False):
    if status == 401 and what == 'log in':
        return ('the username or password was refused: check username and password (BLUECAT_USERNAME, '
                'BLUECAT_PASSWORD) and that the user may use the API.')
    if status == 401:
        return 'the session is no longer valid (expired, idle, or logged out): log in again.'
    if status == 403:
        return ('the user lacks the right for this (or the session is read-only): check the user\'s access '
                'rights in Address Manager.')
    if status == 404:
        return ('check that url is the Address Manager server root and that it runs the RESTful v2 API '
                '(Address Manager 9.5 or later).')
    if status == 429:
        return 'the server is rate limiting: retry later.'
    if status >= 500 or html:
        return ('a proxy, load balancer or the server itself failed or answered instead of the API: check that url '
                'is the Address Manager server and that it is up, then retry.')
    return 'the server refused the request: check the parameters given.'


class Bluecat(SessionSystem, RequestSupport):
    NAME = 'bluecat'
    SYSTEM = SYSTEM
    PREFIX = PREFIX
    OPTIONS = OPTIONS

    @staticmethod
    def _client(params, handle):
        client = BluecatClient(params)
        client.use_session(handle['session_id'], handle['api_token'], handle.get('username'), handle.get('basic'))
        return client

    @classmethod
    def open_session(cls, params):
        client = BluecatClient(params)
        data = client.login()
        return {
            'token': client.api_token,
            'headers': client.headers,
            'params': {},
            'full': data,
            'expires_at': client.expires_at,
            'handle': {'session_id': client.session_id, 'username': client.session_user,
                       'api_token': client.api_token, 'basic': client.basic},
        }

    @classmethod
    def session_alive(cls, params, result, handle):
        return cls._client(params, handle).current() is not None

    @classmethod
    def end_session(cls, params, handle):
        return cls._client(params, handle).logout() is not None

    # -- the request modules (plugins/module_utils/_request.py) -------------------------------
    PATH_EXAMPLE = 'zones/3/resourceRecords'
    REQUEST_SESSION_OPTION = 'api_token'
    PAGING = 'the limit and offset query parameters; the answer carries count, data and _links.next'

    @classmethod
    def request_root(cls, params):
        return server_root(params) + '/api/v2'

    @classmethod
    def given_session(cls, params, value):
        if not params.get('username'):
            raise ApiError(SYSTEM, 'api_token needs the username it was issued to; set username (or '
                                   'BLUECAT_USERNAME).')
        return {'token': value, 'headers': {'Authorization': 'Basic %s' % basic_credentials(params['username'], value)},
                'params': {}}

    @classmethod
    def request_auth(cls, params, session, method, headers, query, body):
        """A PATCH of the v2 API is a JSON merge patch."""
        if method == 'PATCH' and not any(name.lower() == 'content-type' for name in headers):
            headers['Content-Type'] = 'application/merge-patch+json'
        headers.update(session.get('headers') or {})
        return headers, query, body

    @classmethod
    def first_page(cls, path, query, body, size):
        query = dict(query)
        query.setdefault('limit', str(size))
        return path, query, body

    @classmethod
    def next_page(cls, page, response, data, size):
        path, query, body = page
        data = data if isinstance(data, dict) else {}
        items = data.get('data') if isinstance(data.get('data'), list) else []
        href = ((data.get('_links') or {}).get('next') or {}).get('href')
        if not href or not items:
            return items, None
        given = dict(parse_qsl(urlsplit(href).query))
        try:
            offset = int(given.get('offset'))
        except (TypeError, ValueError):
            return items, None
        if offset <= int(query.get('offset') or 0):
            return items, None  # a link that does not move forward ends the walk
        return items, (path, dict(query, offset=str(offset), limit=given.get('limit') or query.get('limit')), body)
