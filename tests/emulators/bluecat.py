"""BlueCat Address Manager RESTful v2 emulator (protocols.md section 2, seed 002).

Sessions: POST /api/v2/sessions (201, application/hal+json, every field of the vendor
example), GET /api/v2/sessions/current, GET /api/v2/sessions/{id}, and
PATCH /api/v2/sessions/{id} with application/merge-patch+json {"state": "LOGGED_OUT"}.
Every other call needs `Authorization: Basic base64(username:apiToken)`; a token past its
apiTokenExpirationDateTime, idle for idle_timeout seconds or logged out answers 401.

Something to act on (for the roles): GET/POST /api/v2/configurations,
GET/DELETE /api/v2/configurations/{id}; a created or deleted configuration counts `changes`.

Configuration (defaults in DEFAULT_CONFIG): users {name: {password, id}}, token_ttl and
idle_timeout (seconds), configurations (the starting list).

The error codes other than InvalidAuthorizationToken (the vendor's example) are this
emulator's choice: the vendor text does not list them. The client decides on the status.
"""

import base64
import binascii
import copy
import hmac
import re
import secrets
import string
import time

from base import BadJson, Emulator, json_reply

TOKEN_ALPHABET = string.ascii_letters + string.digits + '+/'  # as in the vendor's apiToken
HAL = 'application/hal+json'
REASONS = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
           405: 'Method Not Allowed', 409: 'Conflict', 415: 'Unsupported Media Type'}
SESSION_PATH = re.compile(r'^/api/v2/sessions/([^/]+)$')
CONFIG_PATH = re.compile(r'^/api/v2/configurations/([^/]+)$')
NAME_FILTER = re.compile(r"^name:eq\('(.*)'\)$")


def iso(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def error(status, code, message):
    return json_reply(status, {'status': status, 'reason': REASONS[status], 'code': code,
                               'message': message})


def hal(status, body):
    return json_reply(status, body, content_type=HAL)


def unauthorized(message='The provided authorization token is invalid'):
    return error(401, 'InvalidAuthorizationToken', message)


class BluecatEmulator(Emulator):
    name = 'bluecat'
    api_root = ''
    DEFAULT_CONFIG = {
        'users': {
            'api': {'password': 'api-password', 'id': 100893},
            'user1': {'password': 'pass1', 'id': 100894},
        },
        'token_ttl': 86400,
        'idle_timeout': 1200,
        'configurations': [{'id': 1, 'name': 'Main'}],
    }

    # -- state -------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.configurations = None  # rebuilt from the configuration by setup()
            self.next_session_id = 1
            super().reset()

    def setup(self):
        if self.configurations is None:
            self.configurations = [dict(item, type='Configuration')
                                   for item in copy.deepcopy(self.config.get('configurations') or [])]

    def forget_sessions(self):
        self.sessions = {}

    def expire_sessions(self, ids=None):
        wanted = None if ids is None else {str(i) for i in ids}
        past = self.now() - 1
        for session in self.sessions.values():
            if wanted is None or str(session['id']) in wanted:
                session['expires'] = min(session['expires'], past)

    def _alive(self, session, now):
        return (session['state'] == 'LOGGED_IN' and now < session['expires']
                and now - session['last_used'] < float(self.config.get('idle_timeout', 1200)))

    def live_sessions(self):
        now = self.now()
        return sum(1 for s in self.sessions.values() if self._alive(s, now))

    def summary(self):
        return {'changes': self.stats['changes'], 'failed_logins': self.stats['failed_logins'],
                'configurations': [c['name'] for c in self.configurations]}

    # -- representation ----------------------------------------------------------------
    def render(self, session, with_secrets=False):
        """A UserSession. The token fields only in the login answer: a client must not need
        them from a later GET (the vendor text shows them only there)."""
        body = {
            'id': session['id'],
            'type': 'UserSession',
            'apiToken': session['token'],
            'apiTokenExpirationDateTime': iso(session['expires']),
            'basicAuthenticationCredentials': session['basic'],
            'state': session['state'],
            'remoteAddress': session['remote'],
            'readOnly': session['read_only'],
            'loginDateTime': iso(session['login']),
            'logoutDateTime': iso(session['logout']) if session['logout'] else None,
            'response': None,
            'user': {'id': session['user_id'], 'type': 'User', 'name': session['username'],
                     '_links': {'self': {'href': '/api/v2/users/%s' % session['user_id']}}},
            'authenticator': {'id': 2, 'type': 'AddressManagerAuthenticator', 'name': 'proteusAuthenticator',
                              '_links': {'self': {'href': '/api/v2/authenticators/2'}}},
            '_links': {'self': {'href': '/api/v2/sessions/%s' % session['id']},
                       'collection': {'href': '/api/v2/sessions'}},
        }
        if not with_secrets:
            del body['apiToken'], body['basicAuthenticationCredentials']
        return body

    # -- dispatch ----------------------------------------------------------------------
    def handle(self, request):
        with self.lock:
            try:
                return self._route(request)
            except BadJson:
                return error(400, 'InvalidJson', 'The request body is not valid JSON')

    def _route(self, request):
        path = request.path.rstrip('/') or '/'
        if path == '/api/v2/sessions' and request.method == 'POST':
            return self.login(request)
        if not path.startswith('/api/v2'):
            return error(404, 'NotFound', 'No resource at %s' % path)
        session, denied = self.authenticate(request)
        if denied:
            return denied
        if path == '/api/v2/sessions':
            return self.only(request, 'POST')
        if path == '/api/v2/sessions/current':
            return self.only(request, 'GET') or hal(200, self.render(session))
        match = SESSION_PATH.match(path)
        if match:
            return self.session_resource(request, session, match.group(1))
        if path == '/api/v2/configurations':
            if request.method == 'GET':
                return self.list_configurations(request)
            return self.only(request, 'POST') or self.create_configuration(request, session)
        match = CONFIG_PATH.match(path)
        if match:
            return self.configuration_resource(request, session, match.group(1))
        return error(404, 'NotFound', 'No resource at %s' % path)

    @staticmethod
    def only(request, *methods):
        if request.method not in methods:
            return error(405, 'MethodNotAllowed', 'Method %s is not supported here' % request.method)
        return None

    # -- sessions ----------------------------------------------------------------------
    def login(self, request):
        if 'json' not in (request.header('Content-Type') or ''):
            return error(415, 'UnsupportedMediaType', 'Content-Type must be application/json')
        body = request.json(default=None)
        if not isinstance(body, dict):
            return error(400, 'MissingRequiredField', 'The request body must hold username and password')
        for field in ('username', 'password'):
            if not isinstance(body.get(field), str) or not body[field]:
                return error(400, 'MissingRequiredField', 'The field %s is required' % field)
        read_only = body.get('readOnly', False)
        if not isinstance(read_only, bool):
            return error(400, 'InvalidFieldValue', 'The field readOnly must be a boolean')
        user = (self.config.get('users') or {}).get(body['username'])
        if not user or not hmac.compare_digest(str(user.get('password', '')).encode(), body['password'].encode()):
            self.count('failed_logins')
            return error(401, 'InvalidCredentials', 'Invalid username or password')
        now = self.now()
        token = ''.join(secrets.choice(TOKEN_ALPHABET) for dummy in range(40))
        session = {
            'id': self.next_session_id, 'username': body['username'], 'user_id': user.get('id', 100000),
            'token': token,
            'basic': base64.b64encode(('%s:%s' % (body['username'], token)).encode()).decode(),
            # Whole seconds, as the API writes them, so the announced expiry is the real one.
            'expires': int(now) + int(self.config.get('token_ttl', 86400)),
            'last_used': now, 'login': now, 'logout': None, 'state': 'LOGGED_IN',
            'remote': request.client_ip, 'read_only': read_only,
        }
        self.next_session_id += 1
        self.sessions[session['id']] = session
        self.count('logins')
        return hal(201, self.render(session, with_secrets=True))

    def authenticate(self, request):
        """(session, None) for valid Basic credentials, else (None, a 401 reply)."""
        scheme, dummy, value = (request.header('Authorization') or '').strip().partition(' ')
        if not scheme:
            return None, unauthorized('Authorization header is missing')
        if scheme.lower() != 'basic':
            return None, unauthorized('Unsupported authorization scheme %s' % scheme[:20])
        try:
            username, dummy, token = base64.b64decode(value.strip(), validate=True).decode('utf-8').partition(':')
        except (binascii.Error, ValueError):
            return None, unauthorized()
        session = next((s for s in self.sessions.values() if hmac.compare_digest(s['token'], token)), None)
        if session is None or session['username'] != username:
            return None, unauthorized()
        now = self.now()
        if session['state'] != 'LOGGED_IN':
            return None, unauthorized('The session has been logged out')
        if now >= session['expires']:
            return None, unauthorized('The authorization token has expired')
        if now - session['last_used'] >= float(self.config.get('idle_timeout', 1200)):
            return None, unauthorized('The session has timed out')
        session['last_used'] = now
        return session, None

    def session_resource(self, request, caller, raw_id):
        target = self.sessions.get(int(raw_id)) if raw_id.isdigit() else None
        if target is None:
            return error(404, 'ObjectNotFound', 'Session %s was not found' % raw_id[:20])
        if target['username'] != caller['username']:
            return error(403, 'AccessDenied', 'The session belongs to another user')
        if request.method == 'GET':
            return hal(200, self.render(target))
        if request.method != 'PATCH':
            return self.only(request, 'GET', 'PATCH')
        if (request.header('Content-Type') or '').split(';')[0].strip() != 'application/merge-patch+json':
            return error(415, 'UnsupportedMediaType', 'Content-Type must be application/merge-patch+json')
        body = request.json(default=None)
        if not isinstance(body, dict) or body.get('state') != 'LOGGED_OUT':
            return error(400, 'InvalidFieldValue', 'Only {"state": "LOGGED_OUT"} can be patched')
        if target['state'] == 'LOGGED_IN':
            target['state'] = 'LOGGED_OUT'
            target['logout'] = self.now()
            self.count('logouts')
        return hal(200, self.render(target))

    # -- configurations ----------------------------------------------------------------
    def list_configurations(self, request):
        items = self.configurations
        wanted = NAME_FILTER.match(request.query.get('filter', ''))
        if wanted:
            items = [c for c in items if c['name'] == wanted.group(1)]
        return hal(200, {'count': len(items), 'data': copy.deepcopy(items)})

    def create_configuration(self, request, session):
        if session['read_only']:
            return error(403, 'ReadOnlySession', 'A read-only session cannot make changes')
        if 'json' not in (request.header('Content-Type') or ''):
            return error(415, 'UnsupportedMediaType', 'Content-Type must be application/json')
        body = request.json(default=None)
        if not isinstance(body, dict) or not isinstance(body.get('name'), str) or not body['name']:
            return error(400, 'MissingRequiredField', 'The field name is required')
        if any(c['name'] == body['name'] for c in self.configurations):
            return error(409, 'DuplicateObject', 'A configuration named %s already exists' % body['name'][:80])
        item = {'id': max([c['id'] for c in self.configurations] + [0]) + 1, 'name': body['name'],
                'type': 'Configuration'}
        self.configurations.append(item)
        self.count('changes')
        return hal(201, dict(item))

    def configuration_resource(self, request, session, raw_id):
        item = next((c for c in self.configurations if str(c['id']) == raw_id), None)
        if item is None:
            return error(404, 'ObjectNotFound', 'Configuration %s was not found' % raw_id[:20])
        if request.method == 'GET':
            return hal(200, dict(item))
        denied = self.only(request, 'GET', 'DELETE')
        if denied:
            return denied
        if session['read_only']:
            return error(403, 'ReadOnlySession', 'A read-only session cannot make changes')
        self.configurations.remove(item)
        self.count('changes')
        return json_reply(204, b'')
