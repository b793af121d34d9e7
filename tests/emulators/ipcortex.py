"""IPCortex Communication System REST emulator (the vendor's developer pages; tests/emulators/README.md).

Authentication, as the vendor text describes it:
  POST /rest/auth/         {"auth": {"type": "auth", "username", "password"}} -> a session
                           (cookie Red60urne); a login carrying a live Red60urne cookie
                           re-authenticates THAT session (same id) instead of making a new one.
                           {"auth": {"type": "auth", "key": K}} or the header
                           `Authorization: token auth=K` -> stateless key check, no cookie.
                           With neither, a live cookie answers like a login (same session):
                           the session-validity check the collection uses.
  POST /rest/auth/logout   {"auth": {"type": "auth"}} with the cookie -> ends that session.
Failures answer HTTP 200 {"result": "fail", ...}: the body decides, never the status.

Protected calls, `POST /rest/<section>/<verb>/<type>` with the cookie or a key:
  /rest/pbx/read/extension    {"result": "success", "values": [...], "numrows": n}
                              ("columns" and "scope": {"extension": "201" or a list} honoured)
  /rest/pbx/create/extension  {"values": {"extension", "name"}}
  /rest/pbx/update/extension  {"scope": {"extension": ...}, "values": {"name"}}
  /rest/pbx/delete/extension  {"scope": {"extension": ...}}
                              create, update and delete need the `pbx` permission and count
                              `changes`. No read pages: the vendor's read answers hold every
                              row (`numrows`).
An unreadable body is taken as {} (as the vendor's REST format page says).

Config: users [{username, password, id, name, company, home, perms}], keys {key: username},
session_ttl (idle seconds), extensions [...]. Counters: requests, logins, logouts,
failed_logins, key_auths (and key_auths_body / key_auths_header: where the key was),
failed_keys, session_checks, changes, refused.
"""

import copy
import json
import secrets

from base import Emulator, Reply, json_reply

COOKIE = 'Red60urne'
COUNTERS = ('failed_logins', 'key_auths', 'key_auths_body', 'key_auths_header', 'failed_keys', 'session_checks',
            'changes', 'refused')


class IpcortexEmulator(Emulator):
    name = 'ipcortex'
    api_root = ''
    DEFAULT_CONFIG = {
        'users': [
            {'username': 'alice', 'password': 'alice-secret-password', 'id': 101, 'name': 'Alice Admin',
             'company': 'acme', 'home': 'acme', 'perms': {'admin': 'company', 'pbx': 'yes'}},
            {'username': 'bob', 'password': 'bob-secret-password', 'id': 102, 'name': 'Bob Reader',
             'company': 'acme', 'home': 'acme', 'perms': {'user': 'yes'}},
        ],
        'keys': {'alice-auth-key-0123456789abcdef': 'alice'},
        'session_ttl': 1800,
        'generate_extensions': 0,  # N more extensions (5000, 5001, ...)
        'extensions': [
            {'id': 1, 'extension': '201', 'name': 'Reception'},
            {'id': 2, 'extension': '202', 'name': 'Support'},
        ],
    }

    # -- state ---------------------------------------------------------------------------
    def setup(self):
        self.extensions = copy.deepcopy(self.config.get('extensions') or [])
        first = max([e['id'] for e in self.extensions] or [0]) + 1
        for number in range(min(int(self.config.get('generate_extensions') or 0), 100000)):
            self.extensions.append({'id': first + number, 'extension': str(5000 + number),
                                    'name': 'Generated %d' % number})

    def forget_sessions(self):
        with self.lock:
            self.sessions = {}  # session id -> {'user': username, 'expires': epoch}

    def expire_sessions(self, ids=None):
        with self.lock:
            if ids is None:
                self.sessions = {}
            else:
                for sid in ids:
                    self.sessions.pop(sid, None)

    def live_sessions(self):
        with self.lock:
            now = self.now()
            return sum(1 for s in self.sessions.values() if s['expires'] > now)

    def summary(self):
        with self.lock:
            now = self.now()
            users = {}
            for s in self.sessions.values():
                if s['expires'] > now:
                    users[s['user']] = users.get(s['user'], 0) + 1
            body = {'sessions_by_user': users, 'extensions': len(self.extensions)}
            # Every counter of this system, 0 until counted, so tests can compare them at once.
            body.update((name, self.stats.get(name, 0)) for name in COUNTERS)
            return body

    # -- helpers -------------------------------------------------------------------------
    def _user(self, username):
        for user in self.config.get('users') or []:
            if user.get('username') == username:
                return user
        return None

    def _user_object(self, user, session=None):
        body = {'id': user.get('id'), 'login': user['username'], 'name': user.get('name', user['username']),
                'company': user.get('company', ''), 'home': user.get('home', user.get('company', '')),
                'perms': copy.deepcopy(user.get('perms') or {})}
        if session:
            body['session'] = session
        return body

    def _session_user(self, request):
        """The user of the live session named by the request's cookie (idle TTL is renewed)."""
        sid = request.cookies().get(COOKIE)
        if not sid:
            return None, None
        with self.lock:
            entry = self.sessions.get(sid)
            if not entry:
                return None, sid
            if entry['expires'] <= self.now():
                del self.sessions[sid]
                return None, sid
            user = self._user(entry['user'])
            if user is None:  # the user was removed from the configuration
                del self.sessions[sid]
                return None, sid
            entry['expires'] = self.now() + float(self.config.get('session_ttl') or 1800)
            return user, sid

    def _key_user(self, key):
        owner = (self.config.get('keys') or {}).get(key)
        return self._user(owner) if owner else None

    @staticmethod
    def _header_key(request):
        value = (request.header('Authorization') or '').strip()
        scheme, rest = (value.split(None, 1) + ['', ''])[:2]
        if scheme.lower() != 'token' or '=' not in rest:
            return None
        name, key = rest.split('=', 1)
        return key.strip() if name.strip().lower() == 'auth' and key.strip() else None

    @staticmethod
    def _body(request):
        # The vendor: a body that cannot be interpreted is read as an empty object.
        try:
            body = json.loads(request.body.decode('utf-8')) if request.body and request.body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            body = {}
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _fail(message):
        return json_reply(200, {'result': 'fail', 'message': message})

    # -- dispatch ------------------------------------------------------------------------
    def handle(self, request):
        path = request.path.rstrip('/')
        if not path.startswith('/rest/'):
            return Reply(404, 'Not Found', content_type='text/plain')
        body = self._body(request)
        if path == '/rest/auth':
            return self.auth(request, body)
        if path == '/rest/auth/logout':
            return self.logout(request)
        parts = path.split('/')[2:]
        if len(parts) not in (2, 3):
            return self._fail('Unknown request')
        section, verb = parts[0], parts[1]
        kind = parts[2] if len(parts) == 3 else body.get('type')
        user = self.authenticate(request, body)
        if user is None:
            self.count('refused')
            return self._fail('Authentication required')
        if (section, kind) != ('pbx', 'extension'):
            return self._fail('Unknown request')
        if verb == 'read':
            return self.read_extensions(body)
        if verb in ('create', 'update', 'delete') and 'pbx' not in (user.get('perms') or {}):
            return self._fail('Permission denied')
        if verb == 'create':
            return self.create_extension(user, body)
        if verb == 'update':
            return self.update_extension(body)
        if verb == 'delete':
            return self.delete_extension(body)
        return self._fail('Unknown request')

    def auth(self, request, body):
        auth = body.get('auth') if isinstance(body.get('auth'), dict) else {}
        if 'username' in auth or 'password' in auth:
            return self.login(request, auth)
        key = auth.get('key') or self._header_key(request)
        if key:
            user = self._key_user(str(key))
            if user is None:
                self.count('failed_keys')
                return json_reply(200, {'result': 'fail'})
            self.count('key_auths')
            self.count('key_auths_body' if auth.get('key') else 'key_auths_header')
            return json_reply(200, {'result': 'success', 'user': self._user_object(user)})
        # No credentials: an already authenticated session needs none (the vendor's words).
        self.count('session_checks')
        user, sid = self._session_user(request)
        if user is None:
            return json_reply(200, {'result': 'fail'})
        return json_reply(200, {'result': 'success', 'user': self._user_object(user, sid)})

    def login(self, request, auth):
        user = self._user(auth.get('username'))
        if user is None or auth.get('password') is None or str(auth.get('password')) != str(user.get('password')):
            self.count('failed_logins')
            return json_reply(200, {'result': 'fail'})
        sid = self._session_user(request)[1]
        with self.lock:
            if not sid or sid not in self.sessions:
                sid = secrets.token_hex(16)
            # A live cookie: that same session is (re)authenticated, as the vendor warns.
            self.sessions[sid] = {'user': user['username'],
                                  'expires': self.now() + float(self.config.get('session_ttl') or 1800)}
        self.count('logins')
        return json_reply(200, {'result': 'success', 'user': self._user_object(user, sid)},
                          headers=[('Set-Cookie', '%s=%s; path=/' % (COOKIE, sid))])

    def logout(self, request):
        user, sid = self._session_user(request)
        if user is None:
            return json_reply(200, {'result': 'fail', 'message': 'No session'})
        with self.lock:
            self.sessions.pop(sid, None)
        self.count('logouts')
        return json_reply(200, {'result': 'success'})

    def authenticate(self, request, body):
        """A protected call: a key in the body's auth object, the key header, or the cookie."""
        auth = body.get('auth') if isinstance(body.get('auth'), dict) else {}
        key = auth.get('key') or self._header_key(request)
        if key:
            return self._key_user(str(key))
        return self._session_user(request)[0]

    def scoped(self, body):
        """The extensions the request's `scope` names (`extension`: a number or a list), else all."""
        scope = body.get('scope') if isinstance(body.get('scope'), dict) else {}
        wanted = scope.get('extension')
        if wanted is None:
            return list(self.extensions)
        wanted = {str(w) for w in (wanted if isinstance(wanted, list) else [wanted])}
        return [e for e in self.extensions if e['extension'] in wanted]

    def read_extensions(self, body):
        columns = body.get('columns') if isinstance(body.get('columns'), list) else None
        with self.lock:
            values = [dict((c, e.get(c)) for c in columns) if columns else dict(e) for e in self.scoped(body)]
        return json_reply(200, {'result': 'success', 'values': values, 'numrows': len(values)})

    def update_extension(self, body):
        values = body.get('values') if isinstance(body.get('values'), dict) else {}
        with self.lock:
            found = self.scoped(body) if isinstance(body.get('scope'), dict) else []
            if not found:
                return self._fail('scope.extension must name an existing extension')
            for entry in found:
                entry.update((k, str(v)) for k, v in values.items() if k in ('name',))
        self.count('changes')
        return json_reply(200, {'result': 'success', 'values': [dict(e) for e in found], 'numrows': len(found)})

    def delete_extension(self, body):
        with self.lock:
            found = self.scoped(body) if isinstance(body.get('scope'), dict) else []
            if not found:
                return self._fail('scope.extension must name an existing extension')
            self.extensions = [e for e in self.extensions if e not in found]
        self.count('changes')
        return json_reply(200, {'result': 'success', 'numrows': len(found)})

    def create_extension(self, user, body):
        values = body.get('values') if isinstance(body.get('values'), dict) else {}
        if not values.get('extension'):
            return self._fail('values.extension is required')
        with self.lock:
            if any(e['extension'] == str(values['extension']) for e in self.extensions):
                return self._fail('Extension exists')
            entry = {'id': max([e['id'] for e in self.extensions] or [0]) + 1,
                     'extension': str(values['extension']), 'name': str(values.get('name', ''))}
            self.extensions.append(entry)
        self.count('changes')
        return json_reply(200, {'result': 'success', 'values': [entry]})
