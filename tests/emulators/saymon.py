"""SAYMON emulator: users, one API token per user, cookie sessions, a few protected endpoints.

Follows SAYMON's published API pages (tests/emulators/README.md):
  GET    /node/api/users/current          Basic, ?api-token= or Cookie sid: the caller
  GET    /node/api/users/:id              the user (another user's needs manage-users)
  POST   /node/api/users/:id/auth-token   manage-users; 200, body a JSON string "uuid"
  DELETE /node/api/users/:id/auth-token   manage-users; 200, empty body
  POST   /node/api/users/session          {"login","password"} or {"auth-token"}: "sid" + Set-Cookie
  DELETE /node/api/users/session          ends the cookie session
  GET    /node/api/objects                the whole list, never paged (`fields` honoured)
  POST   /node/api/objects                manage-objects; counts `changes`
  GET|PATCH|DELETE /node/api/objects/:id  one object; PATCH and DELETE need manage-objects
  POST   /node/api/v2/getObjects          {"filter", "fields", "limit", "offset"}: one page

One token per user: a new token replaces the old one, which is refused from then on.
Tokens are stored server-side: a restart (forget_sessions) keeps them and drops cookie
sessions; expire_sessions() invalidates tokens and sessions. Counters: requests, logins
(successful Basic authentications and session logins), logouts, tokens_created,
tokens_deleted, changes. summary() shows which user has a token, never a token value.
"""

import base64
import binascii
import copy
import json
import uuid

from base import Emulator, Reply, BadJson, json_reply

API = '/node/api'
MANAGE_USERS = 'manage-users'
MANAGE_OBJECTS = 'manage-objects'


def error(status, code, message, nested=True):
    """SAYMON's error body; auth errors carry a JSON string {"errorCode": 3, "message"} as message."""
    if nested:
        message = json.dumps({'errorCode': 3, 'message': message}, separators=(',', ':'))
    return json_reply(status, {'code': code, 'message': message})


def not_logged_in():
    return error(401, 'Unauthorized', 'Not logged in.')


def forbidden(permission):
    return error(403, 'Forbidden', 'Access denied: the "%s" permission is required.' % permission, nested=False)


class _Denied(Exception):
    def __init__(self, reply):
        super().__init__('denied')
        self.reply = reply


class SaymonEmulator(Emulator):
    name = 'saymon'
    api_root = ''
    DEFAULT_CONFIG = {
        'token_auth_enabled': True,
        # Keyed by login so that /_emulator/config can change one user. ids look like SAYMON's
        # (MongoDB ObjectIds); `token` optionally seeds a token at start.
        'users': {
            'admin': {'id': '5e21b752308c3c66d64e0a01', 'password': 'admin-S4ymon-emulator-pw',
                      'name': 'Administrator', 'permissions': [MANAGE_USERS, MANAGE_OBJECTS]},
            'alice': {'id': '5e21b752308c3c66d64e0a02', 'password': 'alice-S4ymon-emulator-pw',
                      'name': 'Alice', 'permissions': [MANAGE_OBJECTS]},
            'bob': {'id': '5e21b752308c3c66d64e0a03', 'password': 'bob-S4ymon-emulator-pw',
                    'name': 'Bob', 'permissions': []},
        },
        'generate_objects': 0,  # N more objects, for paging tests
        'objects': [
            {'id': '1', 'name': 'Root', 'class_id': 1, 'parent_id': []},
            {'id': '5e21b752308c3c66d64e0b01', 'name': 'web-01', 'class_id': 4, 'parent_id': ['1']},
        ],
    }

    # -- state --------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.tokens = {}      # user id -> token or None (deleted); survives restarts
            self.objects = None
            self.sessions = {}    # sid -> user id
            super().reset()

    def setup(self):
        users = {}
        for login, spec in (self.config.get('users') or {}).items():
            uid = str(spec['id'])
            users[uid] = {'id': uid, 'login': login, 'password': spec.get('password', ''),
                          'name': spec.get('name', login), 'permissions': list(spec.get('permissions') or [])}
            # A seeded token applies once: a later config change must not bring back a deleted one.
            if uid not in self.tokens:
                self.tokens[uid] = spec.get('token')
        self.users = users
        self.tokens = {uid: tok for uid, tok in self.tokens.items() if uid in users}
        self.sessions = {sid: uid for sid, uid in self.sessions.items() if uid in users}
        if self.objects is None:
            self.objects = copy.deepcopy(self.config.get('objects') or [])
            for number in range(min(int(self.config.get('generate_objects') or 0), 200000)):
                self.objects.append({'id': '%024x' % (0xa0000 + number), 'name': 'object-%05d' % number,
                                     'class_id': 4, 'parent_id': ['1']})

    def forget_sessions(self):
        # Tokens are stored with the user in SAYMON's database: a restart keeps them.
        self.sessions = {}

    def expire_sessions(self, ids=None):
        with self.lock:
            if ids is None:
                self.sessions = {}
                self.tokens = {uid: None for uid in self.tokens}
                return
            ids = set(ids)
            self.sessions = {sid: uid for sid, uid in self.sessions.items() if sid not in ids}
            for uid, tok in self.tokens.items():
                if uid in ids or tok in ids:
                    self.tokens[uid] = None

    def live_sessions(self):
        return len(self.sessions) + sum(1 for tok in self.tokens.values() if tok)

    def summary(self):
        return {
            'tokens': {uid: bool(tok) for uid, tok in self.tokens.items()},
            'user_ids': {user['login']: uid for uid, user in self.users.items()},
            'sessions': len(self.sessions),
            'tokens_created': self.stats.get('tokens_created', 0),
            'tokens_deleted': self.stats.get('tokens_deleted', 0),
            'changes': self.stats.get('changes', 0),
        }

    # -- authentication -----------------------------------------------------------------
    def by_login(self, login):
        for user in self.users.values():
            if user['login'] == login:
                return user
        return None

    def by_token(self, token):
        if not token:
            return None
        for uid, tok in self.tokens.items():
            if tok == token:
                return self.users[uid]
        return None

    def authenticate(self, request):
        """The calling user, or raise _Denied with SAYMON's 401 answer."""
        if 'api-token' in request.query:
            user = self.by_token(request.query['api-token'])
            if not self.config.get('token_auth_enabled', True) or user is None:
                raise _Denied(error(401, 'Unauthorized', 'Invalid API token.'))
            return user
        auth = request.header('Authorization') or ''
        if auth[:6].lower() == 'basic ':
            try:
                login, _sep, password = base64.b64decode(auth[6:].strip(), validate=True).decode('utf-8').partition(':')
            except (binascii.Error, ValueError, UnicodeDecodeError):
                login, password = None, None
            user = self.by_login(login) if login else None
            if user is None or user['password'] != password:
                raise _Denied(error(401, 'InvalidCredentials', 'Invalid login or password.'))
            self.count('logins')
            return user
        sid = request.cookies().get('sid')
        if sid:
            uid = self.sessions.get(sid)
            if uid is None:
                raise _Denied(error(401, 'Unauthorized', 'Session expired.'))
            return self.users[uid]
        raise _Denied(not_logged_in())

    def user_view(self, user):
        return {'id': user['id'], 'login': user['login'], 'name': user['name'], 'group': None,
                'authenticationToken': self.tokens.get(user['id']), 'status': 2, 'eventFilter': [],
                'permissions': list(user['permissions']), 'contacts': []}

    def target(self, caller, uid, own_allowed):
        """The user :id names, after SAYMON's permission check (403 before 404: no id probing)."""
        if not (own_allowed and uid == caller['id']) and MANAGE_USERS not in caller['permissions']:
            raise _Denied(forbidden(MANAGE_USERS))
        user = self.users.get(uid)
        if user is None:
            raise _Denied(error(404, 'NotFound', 'User with id %s not found.' % uid, nested=False))
        return user

    # -- endpoints ------------------------------------------------------------------------
    def handle(self, request):
        path = request.path.rstrip('/')
        if not path.startswith(API + '/'):
            return self.no_route(request)
        parts = path[len(API) + 1:].split('/')
        with self.lock:
            try:
                return self.route(request, parts)
            except _Denied as denied:
                return denied.reply
            except BadJson:
                return error(400, 'InvalidContent', 'Invalid JSON: Unexpected token in JSON.', nested=False)

    def route(self, request, parts):
        method = request.method
        if parts == ['users', 'session']:
            if method == 'POST':
                return self.session_login(request)
            if method == 'DELETE':
                return self.session_logout(request)
            return self.not_allowed(request)
        if parts == ['users', 'current']:
            if method != 'GET':
                return self.not_allowed(request)
            return json_reply(200, self.user_view(self.authenticate(request)))
        if len(parts) == 2 and parts[0] == 'users':
            if method != 'GET':
                return self.not_allowed(request)
            caller = self.authenticate(request)
            return json_reply(200, self.user_view(self.target(caller, parts[1], own_allowed=True)))
        if len(parts) == 3 and parts[0] == 'users' and parts[2] == 'auth-token':
            if method not in ('POST', 'DELETE'):
                return self.not_allowed(request)
            caller = self.authenticate(request)
            # The vendor text: manage-users, also for one's own token.
            user = self.target(caller, parts[1], own_allowed=False)
            if method == 'POST':
                token = str(uuid.uuid4())
                self.tokens[user['id']] = token  # replaces the old one, which now fails
                self.count('tokens_created')
                return Reply(200, json.dumps(token), content_type='application/json; charset=utf-8')
            if self.tokens.get(user['id']):
                self.count('tokens_deleted')
            self.tokens[user['id']] = None
            return Reply(200, b'')
        if parts[0] == 'objects' and len(parts) <= 2:
            return self.objects_endpoint(request, self.authenticate(request), parts[1:])
        if parts == ['v2', 'getObjects']:
            if method != 'POST':
                return self.not_allowed(request)
            return self.get_objects_v2(request, self.authenticate(request))
        return self.no_route(request)

    # -- objects ---------------------------------------------------------------------------
    def objects_endpoint(self, request, caller, rest):
        """GET (the whole list, `fields` honoured), POST; /objects/:id GET, PATCH, DELETE."""
        method = request.method
        if not rest:
            if method == 'GET':
                return json_reply(200, [self.view(o, request.query.get('fields')) for o in self.objects])
            if method != 'POST':
                return self.not_allowed(request)
            return self.create_object(request, caller)
        obj = next((o for o in self.objects if o['id'] == rest[0]), None)
        if method not in ('GET', 'PATCH', 'DELETE'):
            return self.not_allowed(request)
        if obj is None:
            return error(404, 'NotFound', 'Object with id %s not found.' % rest[0][:40], nested=False)
        if method == 'GET':
            return json_reply(200, self.view(obj, request.query.get('fields')))
        if MANAGE_OBJECTS not in caller['permissions']:
            return forbidden(MANAGE_OBJECTS)
        if method == 'DELETE':
            self.objects.remove(obj)
            self.count('changes')
            return Reply(200, b'')
        body = request.json(default={})
        if not isinstance(body, dict):
            return error(400, 'BadRequest', 'The request body must be a JSON object.', nested=False)
        obj.update((k, v) for k, v in body.items() if k != 'id')
        self.count('changes')
        return json_reply(200, obj)

    def create_object(self, request, caller):
        if MANAGE_OBJECTS not in caller['permissions']:
            return forbidden(MANAGE_OBJECTS)
        body = request.json(default={})
        if not isinstance(body, dict) or not body.get('name'):
            return error(400, 'BadRequest', 'Mandatory "name" parameter is absent/empty.', nested=False)
        obj = dict(body, id=uuid.uuid4().hex[:24], parent_id=body.get('parent_id') or ['1'])
        self.objects.append(obj)
        self.count('changes')
        return json_reply(200, obj)

    @staticmethod
    def view(obj, fields):
        if not fields:
            return obj
        wanted = set(f.strip() for f in str(fields).split(',')) | {'id'}
        return dict((k, v) for k, v in obj.items() if k in wanted)

    def get_objects_v2(self, request, caller):
        """POST /node/api/v2/getObjects: `filter` (name: part of the name, ids), `fields`,
        `limit` and `offset` in the body; the answer is the list of that page."""
        body = request.json(default={}) or {}
        if not isinstance(body, dict):
            return error(400, 'BadRequest', 'The request body must be a JSON object.', nested=False)
        found = self.objects
        wanted = body.get('filter') if isinstance(body.get('filter'), dict) else {}
        if wanted.get('name'):
            found = [o for o in found if str(wanted['name']).lower() in str(o.get('name', '')).lower()]
        if wanted.get('ids'):
            found = [o for o in found if o['id'] in wanted['ids']]
        try:
            offset = max(0, int(body.get('offset') or 0))
            limit = int(body['limit']) if body.get('limit') is not None else None
        except (TypeError, ValueError):
            return error(400, 'BadRequest', 'limit and offset must be integers.', nested=False)
        page = found[offset:offset + limit] if limit is not None else found[offset:]
        fields = body.get('fields')
        fields = ','.join(fields) if isinstance(fields, list) else None
        return json_reply(200, [self.view(o, fields) for o in page])

    def session_login(self, request):
        body = request.json(default={})
        if not isinstance(body, dict):
            body = {}
        if 'auth-token' in body:
            user = self.by_token(body.get('auth-token'))
            if not self.config.get('token_auth_enabled', True) or user is None:
                return error(401, 'Unauthorized', 'Invalid API token.')
        else:
            user = self.by_login(body.get('login') or '')
            if user is None or user['password'] != body.get('password'):
                return error(401, 'InvalidCredentials', 'Invalid login or password.')
        sid = uuid.uuid4().hex
        self.sessions[sid] = user['id']
        self.count('logins')
        return Reply(200, json.dumps(sid), headers=[('Set-Cookie', 'sid=%s; Path=/; HttpOnly' % sid)],
                     content_type='application/json; charset=utf-8')

    def session_logout(self, request):
        sid = request.cookies().get('sid')
        if not sid or sid not in self.sessions:
            return error(401, 'Unauthorized', 'Session expired.' if sid else 'Not logged in.')
        del self.sessions[sid]
        self.count('logouts')
        return Reply(200, b'')

    def no_route(self, request):
        return json_reply(404, {'code': 'ResourceNotFound', 'message': '%s does not exist' % request.path})

    def not_allowed(self, request):
        return json_reply(405, {'code': 'MethodNotAllowed', 'message': '%s is not allowed' % request.method})
