"""BlueCat Address Manager RESTful v2 emulator (the vendor's RESTful v2 API guide; tests/emulators/README.md).

Sessions: POST /api/v2/sessions (201, application/hal+json, every field of the vendor
example), GET /api/v2/sessions/current, GET /api/v2/sessions/{id}, and
PATCH /api/v2/sessions/{id} with application/merge-patch+json {"state": "LOGGED_OUT"}.
Every other call needs `Authorization: Basic base64(username:apiToken)`; a token past its
apiTokenExpirationDateTime, idle for idle_timeout seconds or logged out answers 401.

Resources to act on: configurations > views > zones > resource records, each a collection
(GET, POST) under its parent (/api/v2/configurations, /api/v2/configurations/{id}/views,
/api/v2/views/{id}/zones, /api/v2/zones/{id}/resourceRecords), every kind also as a global
collection (GET /api/v2/views, /zones, /resourceRecords), and each resource by id
(GET, PUT, PATCH merge-patch, DELETE). Collections page as the vendor's RESTful v2 guide says:
`limit` (default 1000, at most 100000) and `offset`, an answer of `count`, `data` and
`_links.prev` / `_links.next`. Every create, update and delete counts `changes`.

Configuration (defaults in DEFAULT_CONFIG): users {name: {password, id}}, token_ttl and
idle_timeout (seconds), configurations, views, zones, resource_records (the starting lists,
parents named by id), generate {"resourceRecords": N} (N host records added to the first zone).

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
RESOURCE_PATH = re.compile(r'^/api/v2/(configurations|views|zones|resourceRecords)/([^/]+)(?:/([^/]+))?$')
CHILDREN = {'configurations': 'views', 'views': 'zones', 'zones': 'resourceRecords'}
PARENT_FIELD = {'views': 'configuration', 'zones': 'view', 'resourceRecords': 'zone'}
DEFAULT_TYPE = {'configurations': 'Configuration', 'views': 'View', 'zones': 'Zone', 'resourceRecords': 'HostRecord'}
CONFIG_KEYS = {'configurations': 'configurations', 'views': 'views', 'zones': 'zones',
               'resourceRecords': 'resource_records'}
DEFAULT_LIMIT, MAX_LIMIT = 1000, 100000
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
        'views': [{'id': 2, 'name': 'default', 'configuration': 1}],
        'zones': [{'id': 3, 'name': 'example.com', 'absoluteName': 'example.com', 'view': 2}],
        'resource_records': [
            {'id': 4, 'name': 'www', 'type': 'HostRecord', 'absoluteName': 'www.example.com',
             'addresses': ['192.0.2.10'], 'zone': 3},
            {'id': 5, 'name': 'mail', 'type': 'HostRecord', 'absoluteName': 'mail.example.com',
             'addresses': ['192.0.2.25'], 'zone': 3},
        ],
        'generate': {},
    }

    # -- state -------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.resources = None  # rebuilt from the configuration by setup()
            self.next_session_id = 1
            super().reset()

    def setup(self):
        if self.resources is not None:
            return
        self.resources, self.next_entity_id = {}, 0
        by_id = {}
        for kind in ('configurations', 'views', 'zones', 'resourceRecords'):
            rows = []
            for given in copy.deepcopy(self.config.get(CONFIG_KEYS[kind]) or []):
                item = dict(given)
                item['type'] = item.get('type') or DEFAULT_TYPE[kind]
                field = PARENT_FIELD.get(kind)
                if field and field in item:
                    parent = by_id.get(item[field], {})
                    item[field] = {'id': item[field], 'type': parent.get('type'), 'name': parent.get('name')}
                by_id[item['id']] = item
                rows.append(item)
            self.resources[kind] = rows
        self.next_entity_id = max(list(by_id) + [0])
        self.generate((self.config.get('generate') or {}).get('resourceRecords', 0))

    def generate(self, count):
        zone = (self.resources['zones'] or [None])[0]
        for number in range(min(int(count or 0), 200000)):
            name = 'host-%05d' % number
            self.resources['resourceRecords'].append({
                'id': self.new_id(), 'name': name, 'type': 'HostRecord',
                'absoluteName': '%s.%s' % (name, zone['absoluteName']) if zone else name,
                'addresses': ['10.%d.%d.%d' % (number >> 16 & 255, number >> 8 & 255, number & 255)],
                'zone': {'id': zone['id'], 'type': 'Zone', 'name': zone['name']} if zone else None})

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
                'configurations': [c['name'] for c in self.resources['configurations']],
                'resource_counts': dict((k, len(v)) for k, v in self.resources.items())}

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
        kind = path[len('/api/v2/'):]
        if kind in DEFAULT_TYPE:
            if request.method == 'GET':
                return self.collection(request, kind, self.resources[kind])
            if kind != 'configurations':  # created under their parent only
                return self.only(request, 'GET')
            return self.only(request, 'GET', 'POST') or self.create(request, session, kind)
        match = RESOURCE_PATH.match(path)
        if match:
            return self.resource(request, session, *match.groups())
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

    # -- resources: configurations > views > zones > resource records -------------------
    def new_id(self):
        self.next_entity_id += 1
        return self.next_entity_id

    def find(self, kind, raw_id):
        return next((r for r in self.resources[kind] if str(r['id']) == raw_id), None)

    def collection(self, request, kind, items):
        """A v2 collection: `count`, `data` and, past the first page or when more remain,
        `_links.prev` / `_links.next` (limit default 1000, at most 100000; offset from 0)."""
        wanted = NAME_FILTER.match(request.query.get('filter', ''))
        if wanted:
            items = [c for c in items if c.get('name') == wanted.group(1)]
        try:
            limit = int(request.query.get('limit', DEFAULT_LIMIT))
            offset = int(request.query.get('offset', 0))
        except ValueError:
            return error(400, 'InvalidQueryParameter', 'limit and offset must be integers')
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            return error(400, 'InvalidQueryParameter', 'limit must be 1 to %d and offset 0 or more' % MAX_LIMIT)
        page = items[offset:offset + limit]
        body = {'count': len(page)}
        links = {}
        path = request.path.rstrip('/')
        if offset > 0:
            links['prev'] = {'href': '%s?offset=%d&limit=%d' % (path, max(0, offset - limit), limit)}
        if offset + limit < len(items):
            links['next'] = {'href': '%s?offset=%d&limit=%d' % (path, offset + limit, limit)}
        if links:
            body['_links'] = links
        body['data'] = copy.deepcopy(page)
        return hal(200, body)

    def children(self, kind, parent_kind, parent):
        field = PARENT_FIELD[kind]
        return [r for r in self.resources[kind] if r.get(field, {}).get('id') == parent['id']]

    def create(self, request, session, kind, parent=None):
        if session['read_only']:
            return error(403, 'ReadOnlySession', 'A read-only session cannot make changes')
        if 'json' not in (request.header('Content-Type') or ''):
            return error(415, 'UnsupportedMediaType', 'Content-Type must be application/json')
        body = request.json(default=None)
        if not isinstance(body, dict) or not isinstance(body.get('name'), str) or not body['name']:
            return error(400, 'MissingRequiredField', 'The field name is required')
        siblings = self.children(kind, None, parent) if parent else self.resources[kind]
        if any(r.get('name') == body['name'] for r in siblings):
            return error(409, 'DuplicateObject', 'A resource named %s already exists here' % body['name'][:80])
        item = dict((k, v) for k, v in body.items() if k not in ('id', '_links'))
        item.update(id=self.new_id(), type=body.get('type') or DEFAULT_TYPE[kind])
        if parent:
            item[PARENT_FIELD[kind]] = {'id': parent['id'], 'type': parent['type'], 'name': parent.get('name')}
        if kind == 'zones':
            item.setdefault('absoluteName', item['name'])
        if kind == 'resourceRecords':  # the server computes it from the zone
            item['absoluteName'] = '%s.%s' % (item['name'], parent.get('absoluteName') or parent.get('name'))
        self.resources[kind].append(item)
        self.count('changes')
        return hal(201, dict(item))

    def resource(self, request, session, kind, raw_id, sub=None):
        item = self.find(kind, raw_id)
        if item is None:
            return error(404, 'ObjectNotFound', 'Resource %s was not found' % raw_id[:20])
        if sub:
            child = CHILDREN.get(kind)
            if sub != child:
                return error(404, 'NotFound', 'No resource at %s' % request.path)
            if request.method == 'GET':
                return self.collection(request, child, self.children(child, kind, item))
            return self.only(request, 'GET', 'POST') or self.create(request, session, child, item)
        if request.method == 'GET':
            return hal(200, dict(item))
        denied = self.only(request, 'GET', 'PUT', 'PATCH', 'DELETE')
        if denied:
            return denied
        if session['read_only']:
            return error(403, 'ReadOnlySession', 'A read-only session cannot make changes')
        if request.method == 'DELETE':
            self.remove(kind, item)
            self.count('changes')
            return json_reply(204, b'')
        return self.update(request, item)

    def update(self, request, item):
        """PUT replaces the representation, PATCH (merge-patch+json) changes the given fields."""
        media = 'application/merge-patch+json' if request.method == 'PATCH' else 'application/json'
        if (request.header('Content-Type') or '').split(';')[0].strip() != media:
            return error(415, 'UnsupportedMediaType', 'Content-Type must be %s' % media)
        body = request.json(default=None)
        if not isinstance(body, dict):
            return error(400, 'InvalidFieldValue', 'The request body must be a JSON object')
        if request.method == 'PUT' and not body.get('name'):
            return error(400, 'MissingRequiredField', 'The field name is required')
        fixed = dict((k, item[k]) for k in ('id', 'type') + tuple(PARENT_FIELD.values()) if k in item)
        if request.method == 'PUT':
            item.clear()
        item.update((k, v) for k, v in body.items() if k != '_links')
        item.update(fixed)
        self.count('changes')
        return hal(200, dict(item))

    def remove(self, kind, item):
        """Deleting a resource deletes what it holds."""
        self.resources[kind].remove(item)
        child = CHILDREN.get(kind)
        for sub in list(self.children(child, kind, item)) if child else ():
            self.remove(child, sub)
