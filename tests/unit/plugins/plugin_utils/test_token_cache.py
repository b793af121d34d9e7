# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run-scoped cache: keys, files, the lock, refresh, revalidation, the channel, the cleanup."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import multiprocessing
import os
import signal
import stat
import threading

import pytest

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache as tc

APP_TOKEN = 'AppTok-unit-5e1c09b7a3d24f68'
USER_TOKEN = 'UserTok-unit-c2f8a61e9d0b4753'
PASSWORD = 'Passw0rd-unit-8d3e1f6a0c7b92'
ITSM = {'url': 'https://itsm.example.com/apirest.php', 'validate_certs': True, 'ca_path': None, 'timeout': 30,
        'app_token': APP_TOKEN, 'user_token': USER_TOKEN, 'username': None, 'password': None,
        'credentials_in': 'header'}
BLUECAT = {'url': 'https://bam.example.com', 'validate_certs': True, 'ca_path': None, 'timeout': 30,
           'username': 'api', 'password': PASSWORD, 'read_only': False}
SAYMON = {'url': 'https://saymon.example.com', 'validate_certs': True, 'ca_path': None, 'timeout': 30,
          'username': 'admin', 'password': PASSWORD, 'user_id': None}
FORK = multiprocessing.get_context('fork')  # as Ansible starts its workers
# Python 3.12+ warns about fork() when another test left a thread behind; Ansible forks its
# workers this same way, which is what these tests reproduce.
pytestmark = pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')


@pytest.fixture(autouse=True)
def no_callback(monkeypatch):
    tc.end_run()
    monkeypatch.delenv(tc.ENV_CACHE_DIR, raising=False)
    yield
    tc.end_run()


def load_entry(cache, system, params):
    """The entry of (system, params) in this run, unsealed as the cache reads it."""
    return tc._Run(system, params, cache).load()


def fake_open(counter=None, token='sess-1', expires_at=None):
    """A lookup_open that counts its calls (one line per login in `counter`)."""
    calls = []

    def opener(params):
        calls.append(params)
        if counter:
            with open(counter, 'a') as handle:
                handle.write('login\n')
        n = len(calls)
        return {'token': '%s-%d' % (token, n), 'full': {'session': {'glpiname': 'itsm'}},
                'headers': {'Session-Token': '%s-%d' % (token, n), 'App-Token': params.get('app_token')},
                'params': {}, 'expires_at': expires_at, 'handle': {'session_token': '%s-%d' % (token, n)}}
    opener.calls = calls
    return opener


class Server(object):
    """A SAYMON-like server that keeps one API token per user, in a file that every process shares."""

    def __init__(self, path=None):
        self.path = path or os.path.join(os.environ.get('TMPDIR', '/tmp'), 'saymon-%s.json' % os.urandom(6).hex())
        self._write({'token': None, 'created': 0, 'deleted': 0, 'serial': 0})

    def _read(self):
        with open(self.path) as handle:
            return json.load(handle)

    def _write(self, state):
        with open(self.path, 'w') as handle:
            json.dump(state, handle)

    def _change(self, change):
        with open(self.path + '.lock', 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._read()
            answer = change(state)
            self._write(state)
            return answer

    token = property(lambda self: self._read()['token'])
    created = property(lambda self: self._read()['created'])
    deleted = property(lambda self: self._read()['deleted'])

    def open_session(self, params):
        def change(state):
            created = not state['token']
            if created:
                state['serial'] += 1
                state['created'] += 1
                state['token'] = 'SaymonTok-unit-%d-%s' % (state['serial'], os.urandom(4).hex())
            return created, state['token']
        created, token = self._change(change)
        return {'token': token, 'headers': {}, 'params': {'api-token': token}, 'full': {}, 'expires_at': None,
                'handle': {'user_id': 'u1', 'created': created,
                           'token_sha256': hashlib.sha256(token.encode()).hexdigest()}}

    def end_session(self, params, handle):
        def change(state):
            if not handle.get('created') or not state['token']:
                return False
            if hashlib.sha256(state['token'].encode()).hexdigest() != handle['token_sha256']:
                return False
            state['token'] = None
            state['deleted'] += 1
            return True
        return self._change(change)

    def install(self, monkeypatch):
        client = tc.SYSTEMS['saymon']
        monkeypatch.setattr(client, 'SHARED_TOKEN', True, raising=False)
        monkeypatch.setattr(client, 'open_session', self.open_session)
        monkeypatch.setattr(client, 'end_session', self.end_session)
        monkeypatch.setattr(client, 'session_alive', lambda params, result, handle: result['token'] == self.token)


def as_run(action, *args):
    """action(*args) in a process of its own, as a new ansible-playbook would be: its own run."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            action(*args)
            code = 0
        finally:
            os._exit(code)
    return pid


def wait(pid):
    _pid, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def all_files(root):
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            yield os.path.join(base, name)


# ----------------------------------------------------------------------------------------
# Keys and files
# ----------------------------------------------------------------------------------------
def test_key_is_a_hash_without_secret_and_follows_identity():
    salt = b's' * 32
    key = tc.entry_name('itsmng', ITSM, salt)
    assert len(key) == 64 and int(key, 16) >= 0
    for secret in (APP_TOKEN, USER_TOKEN):
        assert secret not in key
    assert tc.entry_name('itsmng', dict(ITSM, timeout=5, validate_certs=False), salt) == key
    assert tc.entry_name('itsmng', dict(ITSM, url=ITSM['url'] + '/'), salt) == key
    assert tc.entry_name('itsmng', dict(ITSM, user_token='another-token-value'), salt) != key
    assert tc.entry_name('itsmng', dict(ITSM, url='https://other.example.com/apirest.php'), salt) != key
    assert tc.entry_name('itsmng', ITSM, b't' * 32) != key  # the run's key: no offline guessing
    pw = tc.entry_name('bluecat', BLUECAT, salt)
    assert tc.entry_name('bluecat', dict(BLUECAT, password='other-password-x'), salt) != pw
    assert tc.entry_name('bluecat', dict(BLUECAT, username='other'), salt) != pw


def test_files_are_private_and_hold_no_long_lived_secret(tmp_path):
    opener = fake_open()
    result, opened, _handed = tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path / 'c'), opener=opener)
    assert opened and result['headers']['App-Token'] == APP_TOKEN
    base = tmp_path / 'c'
    assert stat.S_IMODE(os.lstat(str(base)).st_mode) == 0o700
    paths = list(all_files(str(base)))
    assert len(paths) == 6  # mac-key, run dir, its key (no callback), .entry, .recovery, .lock
    for path in paths:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        assert mode == (0o700 if os.path.isdir(path) else 0o600), path
        for secret in (APP_TOKEN, USER_TOKEN):
            assert secret not in path
            if os.path.isfile(path):
                assert secret not in open(path).read()
    # ... and the App-Token comes back in the headers of a reuse, from the caller's options.
    again, opened, _handed = tc.obtain('itsmng', ITSM, configured_dir=str(base), opener=opener)
    assert not opened and again == result and len(opener.calls) == 1


def test_a_loose_directory_is_refused_if_named_by_the_user_else_made_private(tmp_path):
    loose = tmp_path / 'loose'
    loose.mkdir(mode=0o755)
    os.chmod(str(loose), 0o755)
    with pytest.raises(tc.CacheError, match='can be read by other users'):
        tc.run_dir(str(loose))
    assert stat.S_IMODE(os.lstat(str(loose)).st_mode) == 0o755 and not os.listdir(str(loose))
    tc.private_dir(str(loose))  # one of our own (the default place, a run directory)
    assert stat.S_IMODE(os.lstat(str(loose)).st_mode) == 0o700
    link = tmp_path / 'link'
    link.symlink_to(loose)
    with pytest.raises(tc.CacheError, match='not a directory'):
        tc.private_dir(str(link))


@pytest.mark.parametrize('secrets, value', [
    ({'a': 'SECRET'}, {'h': 'x SECRET y SECRET', 'l': ['SECRET', 1, None], 'n': {'m': 'no'}}),
    ({'a': 'abc', 'b': 'abcdef'}, ['abcdefabc', 'xabcx', 'abcabc']),  # one secret inside another
    ({'a': 'key'}, 'token auth=key'),
])
def test_secrets_are_stripped_and_restored_exactly(secrets, value):
    stored = tc.strip_secrets(value, secrets)
    assert not any(s in json.dumps(stored) for s in secrets.values())
    assert tc.restore_secrets(stored, secrets) == value


# ----------------------------------------------------------------------------------------
# One login, whatever the forks
# ----------------------------------------------------------------------------------------
def _slow_open(counter):
    base = fake_open(counter)

    def opener(params):
        result = base(params)
        # A slow server: every worker arrives while the first login is in flight.
        import time
        time.sleep(0.3)
        return result
    return opener


def _slow_worker(cache, counter, barrier, results, reuse):
    barrier.wait(timeout=30)
    result, _opened, _handed = tc.obtain('itsmng', ITSM, configured_dir=cache, opener=_slow_open(counter), reuse=reuse)
    results.put(result['token'])


@pytest.mark.parametrize('reuse, logins', [(True, 1), (False, 20)])
def test_twenty_processes_at_once_make_one_login(tmp_path, reuse, logins):
    cache, counter = str(tmp_path / 'cache'), str(tmp_path / 'logins')
    barrier, results = FORK.Barrier(20), FORK.Queue()
    procs = [FORK.Process(target=_slow_worker, args=(cache, counter, barrier, results, reuse)) for _index in range(20)]
    for proc in procs:
        proc.start()
    tokens = [results.get(timeout=60) for _proc in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    with open(counter) as handle:
        assert len(handle.readlines()) == logins
    assert len(tokens) == 20 and (len(set(tokens)) == 1 or not reuse)


def test_run_owner_is_the_parent_of_forked_workers():
    queue = FORK.Queue()
    proc = FORK.Process(target=lambda q: q.put((tc.run_owner(), tc.run_dir_name())), args=(queue,))
    proc.start()
    owner, name = queue.get(timeout=30)
    proc.join(timeout=30)
    assert owner == os.getpid() == tc.run_owner()
    assert name == tc.run_dir_name() and name.startswith('run-%d-' % os.getpid())


def test_a_dead_run_is_swept_and_a_live_one_kept(tmp_path):
    proc = FORK.Process(target=int)
    proc.start()
    proc.join(timeout=30)
    base = tmp_path / 'c'
    base.mkdir(mode=0o700)
    dead = base / ('run-%d-%s' % (proc.pid, 'f' * 16))
    dead.mkdir()
    (dead / 'x.entry').write_text('{}')
    pending = base / ('run-%d-%s' % (proc.pid, 'e' * 16))
    pending.mkdir()
    (pending / 'x.recovery').write_text('{}')  # sessions the next run with the credentials ends
    other = base / 'not-a-run'
    other.mkdir()
    live = tc.run_dir(str(base))
    assert not dead.exists() and pending.exists() and other.exists() and os.path.isdir(live)
    assert tc.sweep(str(base)) == []


# ----------------------------------------------------------------------------------------
# Refresh before expiry, and the check of a cached session
# ----------------------------------------------------------------------------------------
def test_a_token_is_refreshed_before_it_expires(tmp_path):
    now = [1000000.0]
    opener = fake_open(expires_at=now[0] + 1000)

    def obtain():
        return tc.obtain('bluecat', BLUECAT, configured_dir=str(tmp_path), opener=opener,
                         refresh_margin=300, revalidate_after=1e9, clock=lambda: now[0])

    first = obtain()[0]['token']
    now[0] += 699  # 301 s left: reused
    assert obtain()[0]['token'] == first and len(opener.calls) == 1
    now[0] += 2  # 299 s left: a new login, the old session kept for the cleanup
    assert obtain()[0]['token'] != first and len(opener.calls) == 2
    entry = load_entry(str(tmp_path), 'bluecat', BLUECAT)
    assert [h['session_token'] for h in entry['retired']] == [first]


def test_a_session_the_server_ended_is_replaced(tmp_path):
    now = [5000.0]
    alive = {'value': True}
    checks = []

    def checker(params, result, handle):
        checks.append(handle['session_token'])
        return alive['value']

    opener = fake_open()

    def obtain(**kw):
        return tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path), opener=opener, checker=checker,
                         clock=lambda: now[0], **kw)[0]['token']

    first = obtain(revalidate_after=60)
    now[0] += 30
    assert obtain(revalidate_after=60) == first and checks == []       # checked less than 60 s ago
    assert obtain(validate=True) == first and checks == [first]        # validate: every reuse
    now[0] += 61
    alive['value'] = False
    second = obtain(revalidate_after=60)                               # older than 60 s: checked, gone
    assert second != first and len(opener.calls) == 2 and checks == [first, first]
    alive['value'] = True
    assert obtain(revalidate_after=0) == second and checks[-1] == second


def test_an_error_during_login_caches_nothing(tmp_path):
    def refused(params):
        raise ApiError('ITSM-NG', 'ITSM-NG ERROR_GLPI_LOGIN_USER_TOKEN on initSession: refused.')
    with pytest.raises(ApiError):
        tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path), opener=refused)
    assert not [p for p in all_files(str(tmp_path)) if p.endswith('.entry')]
    opener = fake_open()
    tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path), opener=opener)
    assert len(opener.calls) == 1


def test_without_cache_and_without_cleanup_nothing_is_written(tmp_path):
    opener = fake_open()
    tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path / 'c'), opener=opener, reuse=False)
    tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path / 'c'), opener=opener, reuse=False)
    assert len(opener.calls) == 2 and not (tmp_path / 'c').exists()


# ----------------------------------------------------------------------------------------
# The cleanup: secrets sealed with the run key, sessions ended in parallel
# ----------------------------------------------------------------------------------------
def _login_in_worker(cache):
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open())


def test_secrets_reach_the_callback_from_a_worker_and_end_the_sessions(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    proc = FORK.Process(target=_login_in_worker, args=(cache,))
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == 0
    closed = []
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False),
                                   closer=lambda params, handle: closed.append((params, handle)) or True)
    assert ended == {'ITSM-NG': 1} and warnings == []
    assert closed[0][0]['app_token'] == APP_TOKEN and closed[0][1] == {'session_token': 'sess-1-1'}
    assert os.listdir(cache) == ['mac-key']


def test_nothing_on_disk_holds_a_token_the_run_key_or_what_confirms_a_password(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(token='SessTok-unit-77c1e2a9'))
    tc.obtain('bluecat', BLUECAT, configured_dir=cache, opener=fake_open(token='BcTok-unit-4f0d8b16'))
    files = [p for p in all_files(cache) if os.path.isfile(p)]
    contents = ''.join(open(p).read() for p in files if not p.endswith('.recovery'))
    for secret in (APP_TOKEN, USER_TOKEN, PASSWORD, 'SessTok-unit-77c1e2a9', 'BcTok-unit-4f0d8b16',
                   tc._RUN['key'].hex()):
        assert secret not in contents
    assert not [p for p in files if os.path.basename(p) == 'key']  # the run key stays in memory
    # what a copy of the directory offers to recompute an entry's name: none of it is the key
    names = [os.path.basename(p)[:-len('.entry')] for p in files if p.endswith('.entry')]
    on_disk = [open(p).read().strip() for p in files if os.path.basename(p) in ('mac-key', 'key')]
    for candidate in on_disk:
        assert tc.entry_name('bluecat', BLUECAT, bytes.fromhex(candidate)) not in names
    assert tc.entry_name('bluecat', BLUECAT, tc._RUN['key']) in names
    # the short-lived tokens a killed run leaves for the next one, and never a long-lived secret
    recovery = ''.join(open(p).read() for p in files if p.endswith('.recovery'))
    assert 'SessTok-unit-77c1e2a9' in recovery and APP_TOKEN not in recovery and PASSWORD not in recovery


def test_a_planted_entry_is_never_acted_upon(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open())
    directory = tc.run_dir(cache, create=False)
    planted = dict(ITSM, url='https://attacker.example.net/apirest.php')
    # an entry sealed with another key, and a sealed entry of this run moved to another name
    other = tc.seal(os.urandom(32), 'f' * 64, {'system': 'itsmng', 'options': planted, 'secrets': {},
                                               'handle': {'session_token': 'x'}})
    tc.write_private(os.path.join(directory, 'f' * 64 + '.entry'), other)
    real = next(n for n in os.listdir(directory) if n.endswith('.entry'))
    tc.write_private(os.path.join(directory, 'e' * 64 + '.entry'), open(os.path.join(directory, real)).read())
    seen = []
    ended, warnings = tc.close_run(directory, closer=lambda params, handle: seen.append(params['url']) or True)
    assert seen == [ITSM['url']] and ended == {'ITSM-NG': 1}
    assert warnings == ['a cache entry of this run does not authenticate; it was ignored.'] * 2


def test_shared_tokens_can_be_kept(tmp_path, monkeypatch):
    saymon = Server()
    saymon.install(monkeypatch)
    tc.start_run()
    cache = str(tmp_path)
    token = tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token']
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False), keep_shared=True)
    assert ended == {} and warnings == [] and saymon.token == token and saymon.deleted == 0
    # kept: now the user's own token, which the next run uses and never deletes
    tc.start_run()
    assert tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token'] == token
    tc.close_run(tc.run_dir(cache, create=False))
    assert saymon.token == token and saymon.deleted == 0


def test_keeping_shared_tokens_keeps_the_ones_modules_made_too(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    handle = {'user_id': 'u1', 'created': True, 'token_sha256': 'f' * 64}
    assert tc.record_opened('saymon', SAYMON, handle, configured_dir=cache)
    tc.record_opened('itsmng', ITSM, {'session_token': 'mod-1'}, configured_dir=cache)
    closed = []
    ended, _warnings = tc.close_run(tc.run_dir(cache, create=False), keep_shared=True,
                                    closer=lambda params, handle: closed.append(handle) or True)
    assert closed == [{'session_token': 'mod-1'}] and ended == {'ITSM-NG': 1}


def test_sessions_are_ended_in_parallel_within_one_deadline(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    for index in range(20):
        tc.record_opened('itsmng', ITSM, {'session_token': 'hung-%d' % index}, configured_dir=cache)
    started, release = [], threading.Event()

    def hung(params, handle):  # a server that never answers within the deadline
        started.append(handle['session_token'])
        release.wait(30)
        return True
    directory = tc.run_dir(cache, create=False)
    ended, warnings = tc.close_run(directory, deadline=1.0, closer=hung)
    release.set()
    assert len(started) == 20  # all at once: one at a time, only the first would have started
    assert ended == {} and warnings == ['20 session(s) were still being ended after 1 seconds; they are left to '
                                        'expire on the server.']
    assert not os.path.exists(directory)


def test_an_interrupted_cleanup_still_removes_every_token(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    tc.record_opened('itsmng', ITSM, {'session_token': 'hung-1'}, configured_dir=cache)
    abort, release = threading.Event(), threading.Event()

    def hung(params, handle):
        abort.set()  # the second Ctrl-C arrives while the server does not answer
        release.wait(30)
        return True
    directory = tc.run_dir(cache, create=False)
    ended, warnings = tc.close_run(directory, deadline=600, abort=abort, closer=hung)
    release.set()
    assert warnings == ['1 session(s) were still being ended when the cleanup was interrupted; they are left to '
                        'expire on the server.']
    assert not os.path.exists(directory) and os.listdir(cache) == ['mac-key']


def test_a_session_that_cannot_be_ended_is_a_warning_without_secret(tmp_path):
    tc.start_run()
    cache = str(tmp_path)
    tc.obtain('bluecat', BLUECAT, configured_dir=cache, opener=fake_open(token='bc'))

    def closer(params, handle):
        raise RuntimeError('boom with %s and %s inside' % (handle['session_token'], params['password']))
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False), closer=closer)
    assert ended == {} and len(warnings) == 1
    assert 'RuntimeError' in warnings[0] and 'bc-1' not in warnings[0] and PASSWORD not in warnings[0]


# ----------------------------------------------------------------------------------------
# The checks of a cached session, against (faked) servers
# ----------------------------------------------------------------------------------------
def test_the_itsmng_check_tells_a_dead_session(requests_mock):
    url = ITSM['url'] + '/getMyProfiles'
    requests_mock.get(url, [{'json': {'myprofiles': []}},
                            {'status_code': 401, 'json': ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid']}])
    handle = {'session_token': 'sess-1'}
    assert tc.SYSTEMS['itsmng'].session_alive(ITSM, {}, handle) is True
    assert tc.SYSTEMS['itsmng'].session_alive(ITSM, {}, handle) is False
    assert requests_mock.request_history[0].headers['Session-Token'] == 'sess-1'
    assert requests_mock.request_history[0].headers['App-Token'] == APP_TOKEN


def test_the_bluecat_check_tells_a_dead_session(requests_mock):
    requests_mock.get(BLUECAT['url'] + '/api/v2/sessions/current',
                      [{'json': {'id': 3, 'state': 'LOGGED_IN'}}, {'status_code': 401, 'json': {'status': 401}}])
    handle = {'session_id': 3, 'api_token': 'tok-1', 'username': 'api', 'basic': 'YXBpOnRvay0x'}
    assert tc.SYSTEMS['bluecat'].session_alive(BLUECAT, {}, handle) is True
    assert tc.SYSTEMS['bluecat'].session_alive(BLUECAT, {}, handle) is False
    assert requests_mock.request_history[0].headers['Authorization'] == 'Basic YXBpOnRvay0x'


# ----------------------------------------------------------------------------------------
# What the request and session modules use: replace_session, record_opened/forget, warn_once
# ----------------------------------------------------------------------------------------
def _replace_worker(cache, counter, stale, barrier, results):
    barrier.wait(timeout=30)
    result, relogged = tc.replace_session('itsmng', ITSM, stale, configured_dir=cache, opener=_slow_open(counter))
    results.put((result['token'], relogged))


def test_replace_session_logs_in_once_however_many_workers_saw_the_refusal(tmp_path):
    cache, counter = str(tmp_path / 'cache'), str(tmp_path / 'logins')
    stale = tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(token='old'))[0]['token']
    barrier, results = FORK.Barrier(8), FORK.Queue()
    procs = [FORK.Process(target=_replace_worker, args=(cache, counter, stale, barrier, results)) for _i in range(8)]
    for proc in procs:
        proc.start()
    answers = [results.get(timeout=60) for _proc in procs]
    for proc in procs:
        proc.join(timeout=30)
    with open(counter) as handle:
        assert len(handle.readlines()) == 1
    tokens = set(token for token, _relogged in answers)
    assert len(tokens) == 1 and stale not in tokens
    assert sorted(relogged for _token, relogged in answers) == [False] * 7 + [True]
    # the next lookup gets the new session, and the old one is kept for the cleanup to end
    again, opened, _handed = tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(), revalidate_after=1e9)
    assert not opened and again['token'] in tokens
    assert [h['session_token'] for h in load_entry(cache, 'itsmng', ITSM)['retired']] == [stale]


def test_replace_session_without_a_cached_session_logs_in(tmp_path):
    opener = fake_open()
    result, relogged = tc.replace_session('itsmng', ITSM, 'gone', configured_dir=str(tmp_path), opener=opener)
    assert relogged and result['token'] == 'sess-1-1' and len(opener.calls) == 1


def test_a_recorded_session_is_ended_by_the_cleanup_unless_forgotten(tmp_path):
    cache = str(tmp_path)
    assert tc.record_opened('itsmng', ITSM, {'session_token': 'mod-1'}, configured_dir=cache) is False  # no callback
    assert not [p for p in all_files(cache) if p.endswith('.entry')]
    tc.start_run()
    assert tc.cleanup_enabled()
    assert tc.record_opened('itsmng', ITSM, {'session_token': 'mod-1'}, configured_dir=cache) is True
    assert tc.record_opened('itsmng', ITSM, {'session_token': 'mod-2'}, configured_dir=cache) is True
    ending = dict(ITSM, user_token=None, username='someone', timeout=5)  # the ending task's own options
    assert tc.forget('itsmng', ending, {'session_token': 'mod-2'}, configured_dir=cache) is True
    assert tc.forget('itsmng', ITSM, {'session_token': 'mod-2'}, configured_dir=cache) is False
    for path in all_files(cache):
        assert APP_TOKEN not in path and (os.path.isdir(path) or APP_TOKEN not in open(path).read())
    closed = []
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False),
                                   closer=lambda params, handle: closed.append((params['app_token'], handle)) or True)
    assert closed == [(APP_TOKEN, {'session_token': 'mod-1'})] and ended == {'ITSM-NG': 1} and warnings == []


def _warn_worker(cache, results):
    os.environ[tc.ENV_CACHE_DIR] = cache
    results.put(tc.warn_once('no cleanup'))


def test_warn_once_is_true_once_per_run_across_forks(tmp_path, monkeypatch):
    cache = str(tmp_path)
    monkeypatch.setenv(tc.ENV_CACHE_DIR, cache)
    results = FORK.Queue()
    procs = [FORK.Process(target=_warn_worker, args=(cache, results)) for _i in range(5)]
    for proc in procs:
        proc.start()
    answers = [results.get(timeout=30) for _proc in procs]
    for proc in procs:
        proc.join(timeout=30)
    assert sorted(answers) == [False] * 4 + [True]
    assert tc.warn_once('no cleanup') is False and tc.warn_once('another warning') is True


# ----------------------------------------------------------------------------------------
# Where the cache may live: every parent checked
# ----------------------------------------------------------------------------------------
def test_a_cache_dir_under_a_directory_others_can_write_is_refused(tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o777)
    with pytest.raises(tc.CacheError, match=r'inside .*shared, which other users can write to \(mode 777\)'):
        tc.run_dir(str(shared / 'mine' / 'cache'))
    assert not (shared / 'mine').exists()
    theirs = tmp_path / 'theirs'
    theirs.mkdir()
    os.chown(str(theirs), 4321, 4321)
    with pytest.raises(tc.CacheError, match='which belongs to another user'):
        tc.run_dir(str(theirs / 'cache'))
    sticky = tmp_path / 'sticky'  # like /tmp: others cannot replace what is ours inside
    sticky.mkdir()
    os.chmod(str(sticky), 0o1777)
    assert os.path.isdir(tc.run_dir(str(sticky / 'cache')))


# ----------------------------------------------------------------------------------------
# Checks outside the lock
# ----------------------------------------------------------------------------------------
def _checking_worker(cache, barrier, counter):
    def checker(params, result, handle):
        barrier.wait(timeout=20)  # every worker checks at the same time, or this fails
        return True
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(counter), checker=checker, validate=True)


def test_validate_checks_run_in_parallel_not_one_at_a_time_under_the_lock(tmp_path):
    cache, counter = str(tmp_path / 'cache'), str(tmp_path / 'logins')
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(counter))
    barrier = FORK.Barrier(6)
    procs = [FORK.Process(target=_checking_worker, args=(cache, barrier, counter)) for _i in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
    assert [proc.exitcode for proc in procs] == [0] * 6
    with open(counter) as handle:
        assert len(handle.readlines()) == 1


# ----------------------------------------------------------------------------------------
# A run killed with SIGKILL: the next run with the credentials ends what it left
# ----------------------------------------------------------------------------------------
def _killed_run(cache):
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(token='dead'))
    tc.obtain('bluecat', BLUECAT, configured_dir=cache, opener=fake_open(token='dead-bc'))
    tc.obtain('saymon', SAYMON, configured_dir=cache)
    os.kill(os.getpid(), signal.SIGKILL)


def test_the_next_run_ends_what_a_killed_run_left_and_never_adopts_its_token(tmp_path, monkeypatch):
    saymon = Server(str(tmp_path / 'saymon.json'))
    saymon.install(monkeypatch)
    ended = []
    monkeypatch.setattr(tc.SYSTEMS['itsmng'], 'end_session', lambda params, handle: ended.append(
        (params['url'], params['app_token'], handle['session_token'])) or True)
    cache = str(tmp_path / 'cache')
    assert wait(as_run(_killed_run, cache)) == -signal.SIGKILL
    dead_token = saymon.token
    assert dead_token and saymon.created == 1
    assert len([n for n in os.listdir(cache) if n.startswith('run-')]) == 1
    # the next run (this process), with the ITSM-NG and SAYMON credentials only
    tc.start_run()
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(token='next'))
    assert ended == [(ITSM['url'], APP_TOKEN, 'dead-1')]
    token = tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token']
    assert token != dead_token and saymon.deleted == 1 and saymon.created == 2
    # the BlueCat session waits for a run that has its credentials; the dead directory stays until then
    runs = [n for n in os.listdir(cache) if n.startswith('run-')]
    assert len(runs) == 2
    closed = tc.close_run(tc.run_dir(cache, create=False))
    assert closed[0] == {'SAYMON': 1, 'ITSM-NG': 1} and saymon.token is None  # no SAYMON token outlives the two runs
    monkeypatch.setattr(tc.SYSTEMS['bluecat'], 'end_session', lambda params, handle: ended.append(
        (params['url'], params['password'], handle['session_token'])) or True)
    tc.start_run()
    tc.obtain('bluecat', BLUECAT, configured_dir=cache, opener=fake_open(token='bc'))
    assert ended[-1] == (BLUECAT['url'], PASSWORD, 'dead-bc-1')
    assert len([n for n in os.listdir(cache) if n.startswith('run-')]) == 1


def test_a_killed_runs_record_goes_only_to_its_own_url(tmp_path, monkeypatch):
    ended = []
    monkeypatch.setattr(tc.SYSTEMS['itsmng'], 'end_session', lambda params, handle: ended.append(params['url']) or True)
    cache = str(tmp_path / 'cache')
    assert wait(as_run(_killed_run_itsm, cache)) == -signal.SIGKILL
    other = dict(ITSM, url='https://other.example.com/apirest.php')
    tc.obtain('itsmng', other, configured_dir=cache, opener=fake_open())
    assert ended == []  # another server: the credentials given for it never go to the dead run's url
    dead = next(os.path.join(cache, n) for n in os.listdir(cache) if n.startswith('run-') and
                n != os.path.basename(tc.run_dir(cache, create=False)))
    record = next(os.path.join(dead, n) for n in os.listdir(dead) if n.endswith('.recovery'))
    data = json.loads(open(record).read())
    data['body'] = data['body'].replace('itsm.example.com', 'attacker.example.net')
    tc.write_private(record, json.dumps(data))  # a record changed by someone else
    tc.obtain('itsmng', dict(ITSM, url='https://attacker.example.net/apirest.php'), configured_dir=cache,
              opener=fake_open())
    assert ended == [] and not os.path.exists(record)


def _killed_run_itsm(cache):
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open(token='dead'))
    os.kill(os.getpid(), signal.SIGKILL)


# ----------------------------------------------------------------------------------------
# Two runs at once with the same SAYMON credential
# ----------------------------------------------------------------------------------------
def _run_a(cache, ready, go, done):
    tc.start_run()
    tc.obtain('saymon', SAYMON, configured_dir=cache)
    ready.set()
    go.wait(30)
    tc.close_run(tc.run_dir(cache, create=False))
    done.set()


def test_two_runs_share_a_token_and_only_the_last_one_out_deletes_it(tmp_path, monkeypatch):
    saymon = Server(str(tmp_path / 'saymon.json'))
    saymon.install(monkeypatch)
    cache = str(tmp_path / 'cache')
    ready, go, done = FORK.Event(), FORK.Event(), FORK.Event()
    run_a = as_run(_run_a, cache, ready, go, done)
    assert ready.wait(30)
    tc.start_run()  # run B, while A is alive
    token_b = tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token']
    assert token_b == saymon.token and saymon.created == 1
    go.set()
    assert done.wait(30) and wait(run_a) == 0
    assert saymon.token == token_b and saymon.deleted == 0  # A ended, B's token still works
    assert tc.obtain('saymon', SAYMON, configured_dir=cache, validate=True)[0]['token'] == token_b
    ended, _warnings = tc.close_run(tc.run_dir(cache, create=False))
    assert ended == {'SAYMON': 1} and saymon.token is None and saymon.deleted == 1


def test_the_users_own_token_is_never_deleted(tmp_path, monkeypatch):
    saymon = Server(str(tmp_path / 'saymon.json'))
    saymon.install(monkeypatch)
    own = saymon.open_session({})['token']  # the user made it, outside any run
    tc.start_run()
    cache = str(tmp_path / 'cache')
    assert tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token'] == own
    assert tc.close_run(tc.run_dir(cache, create=False)) == ({}, [])
    assert saymon.token == own


def test_without_the_callback_no_shared_token_is_written(tmp_path, monkeypatch):
    saymon = Server(str(tmp_path / 'saymon.json'))
    saymon.install(monkeypatch)
    cache = str(tmp_path / 'cache')
    token = tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token']
    assert tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token'] == token
    for path in all_files(cache):
        assert token not in path and (os.path.isdir(path) or token not in open(path).read())


def _run_without_cache(cache):
    tc.obtain('saymon', SAYMON, configured_dir=cache, reuse=False)


def test_a_token_made_with_cache_false_and_no_callback_is_not_adopted_by_the_next_run(tmp_path, monkeypatch):
    saymon = Server(str(tmp_path / 'saymon.json'))
    saymon.install(monkeypatch)
    cache = str(tmp_path / 'cache')
    assert wait(as_run(_run_without_cache, cache)) == 0
    made = saymon.token
    tc.start_run()
    assert tc.obtain('saymon', SAYMON, configured_dir=cache)[0]['token'] not in (made, None)
    assert saymon.deleted == 1


def _login_then_signalled(cache):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a worker: the signal kills it

    def opener(params):
        os.kill(os.getpid(), signal.SIGTERM)  # the run is cancelled while the server answers the login
        return fake_open(token='in-flight')(params)
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=opener)
    os._exit(0)  # not reached: the signal, held during the login, takes effect once it is on record


def test_a_signal_during_a_login_takes_effect_once_the_session_is_on_record(tmp_path):
    cache = str(tmp_path / 'cache')
    proc = FORK.Process(target=_login_then_signalled, args=(cache,))
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == -signal.SIGTERM
    names = os.listdir(tc.run_dir(cache, create=False))
    assert [n for n in names if n.endswith('.entry')] and [n for n in names if n.endswith('.recovery')]
