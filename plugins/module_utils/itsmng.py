# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ITSM-NG (and GLPI 9.5 / 10) REST API session client.

Speaks `<url>/initSession`, `killSession`, the profile and entity endpoints, getFullSession
and lostPassword (docs/itsmng.md), accepting both the ITSM-NG answer shapes (empty bodies,
400 ERROR) and the GLPI 10 ones (`true`, 200 `false`). Messages name the product as
"ITSM-NG / GLPI" until an answer shows which of the two the server is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re
from html import unescape as html_unescape

from ansible_collections.apiauth.sessions.plugins.module_utils._session import SessionSystem
from ansible_collections.apiauth.sessions.plugins.module_utils._request import RequestSupport
from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    COMMON_OPTIONS, ApiError, HttpClient, Option, Redactor,
    check_base_url, check_header_value, decode_json, safe_url, shorten,
)

PREFIX = 'ITSMNG'
SYSTEM = 'ITSM-NG'
# What messages call the server while its answers have not shown which product it is.
PRODUCT = 'ITSM-NG / GLPI'
URL_EXAMPLE = 'https://itsm.example.com/apirest.php'

OPTIONS = COMMON_OPTIONS + (
    Option('app_token', secret=True),
    Option('user_token', secret=True),
    Option('username'),
    Option('password', secret=True),
    Option('credentials_in', default='header', choices=('header', 'query')),
)

# What each ERROR_* means for the user, and what to do about it (docs/itsmng.md).
ERRORS = {
    'ERROR_NOT_ALLOWED_IP': 'no active API client on the server matches the address of this machine; '
                            'add its IP range to an API client (Setup > General > API)',
    'ERROR_APP_TOKEN_PARAMETERS_MISSING': 'the API client requires an App-Token and none was sent; set app_token '
                                          '(or ITSMNG_APP_TOKEN)',
    'ERROR_WRONG_APP_TOKEN_PARAMETER': 'the App-Token matches no API client for this address; check app_token '
                                       'against Setup > General > API',
    'ERROR_LOGIN_PARAMETERS_MISSING': 'no credentials reached the server; give user_token, or username and '
                                      'password (if a proxy strips the Authorization header, set credentials_in=query)',
    'ERROR_LOGIN_WITH_CREDENTIALS_DISABLED': 'login with username and password is disabled on the server; '
                                             'use user_token instead',
    'ERROR_GLPI_LOGIN_USER_TOKEN': 'the user_token was refused; copy it again from My settings > Remote access '
                                   'key (typo, spaces, or regenerated since)',
    'ERROR_GLPI_LOGIN': 'the username or password was refused',
    'ERROR_SESSION_TOKEN_MISSING': 'the call needs a session and none was sent; pass session_token from '
                                   'apiauth.sessions.itsmng_session',
    'ERROR_SESSION_TOKEN_INVALID': 'the session is unknown, ended or expired; open a new one with '
                                   'apiauth.sessions.itsmng_session, or give credentials so the module can log in again',
    'ERROR_ITEM_NOT_FOUND': 'the item does not exist or is not visible to this user',
    'ERROR_RIGHT_MISSING': 'the active profile lacks the right for this call; switch profile with '
                           'apiauth.sessions.itsmng_active_profile',
    'ERROR_JSON_PAYLOAD_FORBIDDEN': 'the server refused a body on a GET request',
    'ERROR_JSON_PAYLOAD_INVALID': 'the server could not read the JSON body',
}

# The generic code ERROR covers several causes that only the server's message tells apart. The
# servers ship these texts in English and French; another language gets the generic sentence
# with the server's own words.
ERROR_TEXTS = (
    (('API disabled', 'API désactivée'),
     'the REST API is disabled on the server; an administrator enables it in Setup > General > API '
     '("Enable Rest API")'),
    (('Email notifications are disabled', 'Les notifications par courriel sont désactivées'),
     'the server cannot send the password reset mail because its email notifications are disabled; an '
     'administrator enables them in Setup > Notifications (notifications, and followups via email)'),
    (('Your password reset request has expired or is invalid',
      'Votre demande de réinitialisation du mot de passe a expiré ou est invalide'),
     'the password reset token is wrong, already used, or more than one day old; ask for a new reset mail '
     '(email only, without token) and use the token of the newest mail'),
    (('A session is active', 'Une session est active'),
     'the server saw a session with the password reset request; ask without a session'),
    (('email parameter missing', 'paramètre email manquant'),
     'no email address reached the server; give email'),
)

SESSION_INVALID = 'ERROR_SESSION_TOKEN_INVALID'
_DOC_SUFFIX = re.compile(r';?\s*view documentation in your browser at .*$', re.I | re.S)
# The product a lostPassword answer names ("... match an exisiting GLPI user ...").
_PRODUCT_IN_TEXT = re.compile(r'\b(GLPI|ITSM-NG)\b')

# The session option of the modules that act on an open session.
SESSION_SPEC = {'session_token': {'type': 'str', 'no_log': True, 'required': True}}


def server_message(text):
    """The server's (translated) message, without its documentation link."""
    return _DOC_SUFFIX.sub('', str(text or '')).strip()


def error_meaning(code, message, endpoint):
    """What an error code means for the user; for ERROR, what its message says."""
    if code != 'ERROR':
        return ERRORS.get(code, 'the server refused the request')
    lowered = message.lower()
    for phrases, meaning in ERROR_TEXTS:
        if any(phrase.lower() in lowered for phrase in phrases):
            return meaning
    if endpoint == 'lostPassword':
        return 'the server refused the password reset request'
    return 'the server refused the request (a parameter it does not accept)'


def truthy(value):
    """active_entity_recursive is 1 after login and true/false after a change."""
    if isinstance(value, str):
        return value.strip().lower() in ('1', 'true', 'yes')
    return bool(value)


def _check_options(params, session_token):
    """Refuse, naming the option, values that cannot be sent as the server expects them."""
    for name in ('app_token', 'user_token'):
        check_header_value(PRODUCT, name, params.get(name))
    check_header_value(PRODUCT, 'session_token', session_token)
    basic = params.get('credentials_in') != 'query' and not params.get('user_token')
    if basic and params.get('username') and ':' in str(params['username']):
        raise ApiError(PRODUCT, 'username must not contain ":" (HTTP Basic authentication cannot carry it); '
                                'use user_token, or credentials_in=query.')


def api_url(params):
    """The checked API root (url ends in /apirest.php)."""
    return check_base_url(PRODUCT, params.get('url'), path_suffix='/apirest.php', example=URL_EXAMPLE,
                          env='%s_URL' % PREFIX)


class ItsmngClient(object):
    """One ITSM-NG API user: logs in, keeps the session token, ends it."""

    def __init__(self, params, session_token=None):
        self.params = params
        url = api_url(params)
        _check_options(params, session_token)
        self.redact = Redactor()
        self.redact.add(params.get('password'), params.get('user_token'), params.get('app_token'))
        if params.get('username') and params.get('password'):
            self.redact.add(self._basic())
        validate = params.get('validate_certs')
        self.http = HttpClient(PRODUCT, url, validate_certs=True if validate is None else validate,
                               ca_path=params.get('ca_path'), timeout=params.get('timeout'),
                               redactor=self.redact)
        self.warnings = self.http.warnings
        self.in_query = params.get('credentials_in') == 'query'
        self.session_token = None
        self.relogged = False
        if session_token:
            self.use_session(session_token)
        if params.get('user_token') and (params.get('username') or params.get('password')):
            self.warnings.append('%s: both user_token and username/password are given; user_token is used.' % PRODUCT)

    @property
    def product(self):
        """'ITSM-NG', 'GLPI', or 'ITSM-NG / GLPI' while the server's answers have not told."""
        return self.http.system

    def learn_product(self, name):
        self.http.system = name

    # -- credentials ----------------------------------------------------------------
    def _basic(self):
        raw = '%s:%s' % (self.params['username'], self.params['password'])
        return base64.b64encode(raw.encode('utf-8')).decode('ascii')

    def has_credentials(self):
        p = self.params
        return bool(p.get('user_token') or (p.get('username') and p.get('password')))

    def use_session(self, token):
        self.session_token = token
        self.redact.add(token)

    def _credentials(self, headers, query, login=False, session=True):
        """Place App-Token, login credentials and Session-Token in headers or the query."""
        p = self.params
        if p.get('app_token'):
            self._put(headers, query, 'App-Token', 'app_token', p['app_token'])
        if login:
            if p.get('user_token'):
                if self.in_query:
                    query['user_token'] = p['user_token']
                else:
                    headers['Authorization'] = 'user_token %s' % p['user_token']
            elif p.get('username') and p.get('password'):
                if self.in_query:
                    query['login'] = p['username']
                    query['password'] = p['password']
                else:
                    headers['Authorization'] = 'Basic %s' % self._basic()
        elif session and self.session_token:
            self._put(headers, query, 'Session-Token', 'session_token', self.session_token)

    def _put(self, headers, query, header, param, value):
        if self.in_query:
            query[param] = value
        else:
            headers[header] = value

    # -- calls ----------------------------------------------------------------------
    def call(self, method, endpoint, query=None, body=None, login=False, session=True,
             read_only=True, relogin=True):
        """One API call; returns (status, decoded body). Errors become ApiError.

        A 401 ERROR_SESSION_TOKEN_INVALID on a session call logs in again once, where
        credentials were given, and repeats the call with the new session.
        """
        headers = {'Content-Type': 'application/json'}
        query = dict(query or {})
        self._credentials(headers, query, login=login, session=session)
        response = self.http.request(method, endpoint, params=query or None, json_body=body,
                                     headers=headers, read_only=read_only)
        data = decode_json(self.http, response, endpoint)
        if response.status_code < 400:
            return response.status_code, data
        code, message = self._error_of(response, data)
        if code == SESSION_INVALID and relogin and session and not login and not self.relogged and self.has_credentials():
            self.relogged = True
            self.login()
            return self.call(method, endpoint, query, body, login, session, read_only, relogin=False)
        raise self.api_error(endpoint, response.status_code, code, message)

    def _error_of(self, response, data):
        if isinstance(data, list) and data and isinstance(data[0], str) and data[0].startswith('ERROR'):
            return data[0], server_message(data[1] if len(data) > 1 else '')
        return None, ''

    def api_error(self, endpoint, status, code, message, meaning=None):
        where = safe_url(self.http.url(endpoint))
        if code is None:
            text = '%s answered HTTP %s with no %s error code; check that url points at the API root ' \
                   '(.../apirest.php) and that no proxy is in the way.' % (where, status, self.product)
        else:
            meaning = meaning or error_meaning(code, message, endpoint)
            said = ' (server said: "%s")' % shorten(self.redact(message), 200) if message else ''
            text = '%s on %s: %s%s.' % (code, endpoint, meaning, said)
        return self.http.error(text, status=status, code=code)

    # -- session ----------------------------------------------------------------------
    def login(self, full_session=False):
        """initSession; returns the answer (session_token, and session when full)."""
        if not self.has_credentials():
            raise self.http.error('no credentials to open a session with; give user_token, or username and '
                                  'password (or ITSMNG_USER_TOKEN / ITSMNG_USERNAME and ITSMNG_PASSWORD).')
        query = {'get_full_session': 'true'} if full_session else None
        _status, data = self.call('GET', 'initSession', query=query, login=True, read_only=False)
        token = data.get('session_token') if isinstance(data, dict) else None
        if not token or not isinstance(token, str):
            raise self.http.error('initSession answered without a session_token; is url the API root '
                                  '(.../apirest.php) of an ITSM-NG or GLPI server?')
        self.use_session(token)
        return data

    def kill(self):
        """killSession. True if a live session was ended, False if it was already gone."""
        try:
            data = self.call('GET', 'killSession', read_only=False, relogin=False)[1]
        except ApiError as exc:
            if exc.code == SESSION_INVALID:
                return False
            raise
        self._learn_from_success(data)
        return True

    def _learn_from_success(self, data):
        """killSession and changeActiveProfile answer an empty body on ITSM-NG, `true` on GLPI 10."""
        if data is True:
            self.learn_product('GLPI')

    def alive(self):
        """Is the session valid? (no re-login)."""
        try:
            self.call('GET', 'getMyProfiles', relogin=False)
        except ApiError as exc:
            if exc.code == SESSION_INVALID:
                return False
            raise
        return True

    def full_session(self):
        return self.call('GET', 'getFullSession')[1].get('session', {})

    # -- profiles -----------------------------------------------------------------
    def my_profiles(self):
        return self.call('GET', 'getMyProfiles')[1].get('myprofiles', [])

    def active_profile(self):
        return self.call('GET', 'getActiveProfile')[1].get('active_profile', {})

    def change_profile(self, profile_id):
        # ITSM-NG answers an empty body, GLPI 10 `true`: both are success.
        data = self.call('POST', 'changeActiveProfile', body={'profiles_id': int(profile_id)}, read_only=False)[1]
        self._learn_from_success(data)

    # -- entities -------------------------------------------------------------------
    def my_entities(self, recursive=True):
        query = {'is_recursive': 'true'} if recursive else None
        entities = self.call('GET', 'getMyEntities', query=query)[1].get('myentities', [])
        return [entity_view(e) for e in entities]

    def active_entities(self):
        active = self.call('GET', 'getActiveEntities')[1].get('active_entity', {})
        return {
            'id': active.get('id'),
            'recursive': truthy(active.get('active_entity_recursive')),
            'ids': sorted(int(e.get('id')) for e in active.get('active_entities') or [] if isinstance(e, dict)),
        }

    def change_entities(self, entity_id=None, recursive=False):
        """entity_id None = all entities of the active profile (entities_id omitted)."""
        body = {} if entity_id is None else {'entities_id': int(entity_id), 'is_recursive': bool(recursive)}
        refused = ('entity %s%s is not allowed for the active profile; pick one of the profile\'s entities '
                   '(itsmng_session_info lists them) or switch profile first'
                   % (entity_id, ' with recursive=true' if recursive else ''))
        try:
            _status, data = self.call('POST', 'changeActiveEntities', body=body, read_only=False)
        except ApiError as exc:
            if exc.code == 'ERROR' and entity_id is not None:
                raise self.api_error('changeActiveEntities', exc.status, exc.code, '', meaning=refused)
            raise
        if data is False:  # GLPI 10 refuses with 200 `false`
            self.learn_product('GLPI')
            raise self.api_error('changeActiveEntities', 200, 'ERROR', '', meaning=refused)

    # -- password reset -------------------------------------------------------------
    def lost_password(self, email, token=None, new_password=None):
        """Ask for the reset mail, or complete the reset. Never sends a Session-Token."""
        if email is not None and re.search(r'[\x00-\x1f\x7f]', str(email)):
            raise self.http.error('email must be one email address, without line breaks or control characters.')
        body = {'email': email}
        if token:
            self.redact.add(token, new_password)
            body.update({'password_forget_token': token, 'password': new_password})
        _status, data = self.call('PUT', 'lostPassword', body=body, session=False, read_only=False,
                                  relogin=False)
        text = ' '.join(str(x) for x in data) if isinstance(data, list) else '' if data is None else str(data)
        named = _PRODUCT_IN_TEXT.search(text)
        if named:
            self.learn_product(named.group(1))
        return text

    # -- results --------------------------------------------------------------------
    def headers(self):
        return {'Session-Token': self.session_token}


def entity_view(entity):
    """An entity with its complete name decoded (`&gt;`, `&#62;`...) and split into parts."""
    complete = html_unescape(str(entity.get('name', '')))
    parts = [p.strip() for p in complete.split('>')]
    return {'id': int(entity.get('id')), 'name': parts[-1], 'complete_name': ' > '.join(parts)}


def find_entity(entities, wanted, product=PRODUCT):
    """Resolve an entity given by id, complete path ('Root entity > Child A') or short name."""
    wanted = str(wanted).strip()
    if re.match(r'^\d+$', wanted):
        return next((e for e in entities if e['id'] == int(wanted)), None)
    matches = _entities_named(entities, html_unescape(wanted))
    if len(matches) > 1:
        raise ApiError(product, 'entity name "%s" is ambiguous: %s; give the complete path or the id.'
                       % (shorten(wanted), '; '.join('%s (%s)' % (e['complete_name'], e['id']) for e in matches)))
    return matches[0] if matches else None


def _entities_named(entities, decoded):
    """The entities a complete path matches (any case), or a short name (exact case first)."""
    path = ' > '.join(p.strip() for p in decoded.split('>'))
    if '>' in decoded:
        return [e for e in entities if e['complete_name'].lower() == path.lower()]
    return [e for e in entities if e['name'] == path] or [e for e in entities if e['name'].lower() == path.lower()]


def find_profile(profiles, wanted):
    wanted = str(wanted).strip()
    if re.match(r'^\d+$', wanted):
        found = [p for p in profiles if int(p.get('id')) == int(wanted)]
    else:
        found = [p for p in profiles if p.get('name') == wanted] or \
                [p for p in profiles if str(p.get('name', '')).lower() == wanted.lower()]
    return found[0] if found else None


def describe(items):
    return ', '.join('%s (%s)' % (i.get('complete_name') or i.get('name'), i.get('id')) for i in items) or 'none'


def client_from_module(module):
    """The client for a module run, with the module's session_token if it has one."""
    return ItsmngClient(module.params, session_token=module.params.get('session_token'))


def session_result(client):
    """What a task that opened (or re-opened) a session hands to the next tasks."""
    return {'session_token': client.session_token, 'headers': client.headers()}


def relogin_result(client):
    """A module that is not itsmng_session returns the session only if it had to open a new one."""
    return dict(relogged_in=True, **session_result(client)) if client.relogged else {}


class Itsmng(SessionSystem, RequestSupport):
    NAME = 'itsmng'
    SYSTEM = SYSTEM
    PREFIX = PREFIX
    OPTIONS = OPTIONS

    @classmethod
    def open_session(cls, params):
        client = ItsmngClient(params)
        data = client.login(full_session=True)
        headers = client.headers()
        if params.get('app_token'):  # only the lookup builds headers that carry the App-Token
            headers['App-Token'] = params['app_token']
        return {'token': client.session_token, 'headers': headers, 'params': {},
                'full': data, 'expires_at': None, 'handle': {'session_token': client.session_token}}

    @classmethod
    def session_alive(cls, params, result, handle):
        return ItsmngClient(params, session_token=handle['session_token']).alive()

    @classmethod
    def end_session(cls, params, handle):
        return ItsmngClient(params, session_token=handle.get('session_token')).kill()

    # -- the request modules (plugins/module_utils/_request.py) -------------------------------
    PATH_EXAMPLE = 'Computer/1'
    REQUEST_SESSION_OPTION = 'session_token'
    AUTH_HEADERS = ('authorization', 'cookie', 'session-token', 'app-token')
    AUTH_QUERY = ('session_token', 'app_token', 'user_token', 'login', 'password')
    PAGING = 'the range=<start>-<end> query parameter; the answer says Content-Range: <start>-<end>/<total>'
    CONTENT_RANGE = re.compile(r'^\s*(\d+)-(\d+)/(\d+)\s*$')

    @classmethod
    def request_root(cls, params):
        return api_url(params)

    @classmethod
    def given_session(cls, params, value):
        headers = {'Session-Token': value}
        if params.get('app_token'):
            headers['App-Token'] = params['app_token']
        return {'token': value, 'headers': headers, 'params': {}}

    @classmethod
    def request_auth(cls, params, session, method, headers, query, body):
        """The session's Session-Token and App-Token, as headers or (credentials_in=query) parameters."""
        for name, value in (session.get('headers') or {}).items():
            if params.get('credentials_in') == 'query' and name in ('Session-Token', 'App-Token'):
                query[name.lower().replace('-', '_')] = value
            else:
                headers[name] = value
        return headers, query, body

    @classmethod
    def session_gone(cls, status, data):
        return status == 401 and isinstance(data, list) and bool(data) and data[0] == SESSION_INVALID

    @classmethod
    def first_page(cls, path, query, body, size):
        found = re.match(r'^\s*(\d+)', str(query.get('range', '0')))
        start = int(found.group(1)) if found else 0
        return path, dict(query, range='%d-%d' % (start, start + size - 1)), body

    @classmethod
    def next_page(cls, page, response, data, size):
        path, query, body = page
        items = data if isinstance(data, list) else []
        found = cls.CONTENT_RANGE.match(response.headers.get('Content-Range') or '')
        if not found or not items:
            return items, None
        end, total = int(found.group(2)), int(found.group(3))
        if end + 1 >= total:
            return items, None
        return items, (path, dict(query, range='%d-%d' % (end + 1, end + size)), body)
