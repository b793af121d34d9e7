# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run-scoped cache: keys, files, the lock, refresh, revalidation, the channel, the cleanup."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import multiprocessing
import os
import stat

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
FORK = multiprocessing.get_context('fork')  # as Ansible starts its workers
# Python 3.12+ warns about fork() when another test left a thread behind; Ansible forks its
# workers this same way, which is what these tests reproduce.
pytestmark = pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')


@pytest.fixture(autouse=True)
def no_channel():
    tc.close_channel()
    yield
    tc.close_channel()


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


def all_files(root):
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            yield os.path.join(base, name)


# ----------------------------------------------------------------------------------------
# Keys and files
# ----------------------------------------------------------------------------------------
def test_key_is_a_hash_without_secret_and_follows_identity():
    salt = b's' * 32
    key = tc.entry_key('itsmng', ITSM, salt)
    assert len(key) == 64 and int(key, 16) >= 0
    for secret in (APP_TOKEN, USER_TOKEN):
        assert secret not in key
    assert tc.entry_key('itsmng', dict(ITSM, timeout=5, validate_certs=False), salt) == key
    assert tc.entry_key('itsmng', dict(ITSM, url=ITSM['url'] + '/'), salt) == key
    assert tc.entry_key('itsmng', dict(ITSM, user_token='another-token-value'), salt) != key
    assert tc.entry_key('itsmng', dict(ITSM, url='https://other.example.com/apirest.php'), salt) != key
    assert tc.entry_key('itsmng', ITSM, b't' * 32) != key  # the run's salt: no offline guessing
    pw = tc.entry_key('bluecat', BLUECAT, salt)
    assert tc.entry_key('bluecat', dict(BLUECAT, password='other-password-x'), salt) != pw
    assert tc.entry_key('bluecat', dict(BLUECAT, username='other'), salt) != pw


def test_files_are_private_and_hold_no_long_lived_secret(tmp_path):
    opener = fake_open()
    result, opened, _handed = tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path / 'c'), opener=opener)
    assert opened and result['headers']['App-Token'] == APP_TOKEN
    base = tmp_path / 'c'
    assert stat.S_IMODE(os.lstat(str(base)).st_mode) == 0o700
    paths = list(all_files(str(base)))
    assert len(paths) == 4  # run dir, salt, .json, .lock
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
    (dead / 'x.json').write_text('{}')
    other = base / 'not-a-run'
    other.mkdir()
    live = tc.run_dir(str(base))
    assert not dead.exists() and other.exists() and os.path.isdir(live)
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
    entry = json.load(open(next(p for p in all_files(str(tmp_path)) if p.endswith('.json'))))
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
    assert not [p for p in all_files(str(tmp_path)) if p.endswith('.json')]
    opener = fake_open()
    tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path), opener=opener)
    assert len(opener.calls) == 1


def test_without_cache_and_without_cleanup_nothing_is_written(tmp_path):
    opener = fake_open()
    tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path / 'c'), opener=opener, reuse=False)
    tc.obtain('itsmng', ITSM, configured_dir=str(tmp_path / 'c'), opener=opener, reuse=False)
    assert len(opener.calls) == 2 and not (tmp_path / 'c').exists()


# ----------------------------------------------------------------------------------------
# The channel to the callback, and the cleanup
# ----------------------------------------------------------------------------------------
def _login_in_worker(cache):
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open())


def test_secrets_reach_the_callback_from_a_worker_and_end_the_sessions(tmp_path):
    reader = tc.ChannelReader(tc.open_channel())
    cache = str(tmp_path)
    proc = FORK.Process(target=_login_in_worker, args=(cache,))
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == 0
    secrets = reader.drain()
    assert list(secrets.values()) == [{'app_token': APP_TOKEN, 'user_token': USER_TOKEN}]
    closed = []
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False), secrets, environ={},
                                   closer=lambda params, handle: closed.append((params, handle)) or True)
    assert ended == {'ITSM-NG': 1} and warnings == []
    assert closed[0][0]['app_token'] == APP_TOKEN and closed[0][1] == {'session_token': 'sess-1-1'}
    assert os.listdir(cache) == []


def test_a_message_too_long_for_one_atomic_write_is_not_sent():
    tc.open_channel()
    assert tc.send_secrets('k', 'itsmng', {'app_token': 'x' * 10})
    assert not tc.send_secrets('k', 'itsmng', {'app_token': 'x' * 5000})


def test_cleanup_falls_back_to_the_environment_and_warns_without_secrets(tmp_path):
    tc.open_channel()  # the callback is active, but the secrets do not reach it
    cache = str(tmp_path)
    tc.obtain('itsmng', ITSM, configured_dir=cache, opener=fake_open())
    tc.obtain('bluecat', BLUECAT, configured_dir=cache, opener=fake_open(token='bc'))
    seen = {}

    def closer(params, handle):
        seen[params['url']] = params
        if 'bam' in params['url']:
            raise RuntimeError('boom with %s inside' % handle['session_token'])
        raise ApiError('ITSM-NG', 'ITSM-NG: http://itsm.example.com/apirest.php answered 500.')

    ended, warnings = tc.close_run(tc.run_dir(cache, create=False), {}, closer=closer,
                                   environ={'ITSMNG_APP_TOKEN': APP_TOKEN, 'BLUECAT_PASSWORD': PASSWORD})
    assert ended == {}
    assert seen[ITSM['url']]['app_token'] == APP_TOKEN and 'user_token' not in seen[ITSM['url']]
    assert seen[BLUECAT['url']]['password'] == PASSWORD
    assert len(warnings) == 2
    text = ' '.join(warnings)
    assert 'answered 500' in text and 'RuntimeError' in text and 'bc-1' not in text and '********' in text
    assert not os.listdir(cache)


def test_saymon_tokens_can_be_kept(tmp_path):
    tc.open_channel()
    cache = str(tmp_path)
    saymon = {'url': 'https://saymon.example.com', 'username': 'admin', 'password': PASSWORD, 'user_id': None}
    tc.obtain('saymon', saymon, configured_dir=cache, opener=fake_open())
    closed = []
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False), {}, keep_saymon_tokens=True, environ={},
                                   closer=lambda p, h: closed.append(h) or True)
    assert closed == [] and ended == {} and warnings == []


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
    entry = json.load(open(next(p for p in all_files(cache) if p.endswith('.json'))))
    assert [h['session_token'] for h in entry['retired']] == [stale]


def test_replace_session_without_a_cached_session_logs_in(tmp_path):
    opener = fake_open()
    result, relogged = tc.replace_session('itsmng', ITSM, 'gone', configured_dir=str(tmp_path), opener=opener)
    assert relogged and result['token'] == 'sess-1-1' and len(opener.calls) == 1


def test_a_recorded_session_is_ended_by_the_cleanup_unless_forgotten(tmp_path):
    cache = str(tmp_path)
    assert tc.record_opened('itsmng', ITSM, {'session_token': 'mod-1'}, configured_dir=cache) is False  # no callback
    assert not [p for p in all_files(cache) if p.endswith('.json')]
    reader = tc.ChannelReader(tc.open_channel())
    assert tc.cleanup_enabled()
    assert tc.record_opened('itsmng', ITSM, {'session_token': 'mod-1'}, configured_dir=cache) is True
    assert tc.record_opened('itsmng', ITSM, {'session_token': 'mod-2'}, configured_dir=cache) is True
    assert tc.forget('itsmng', ITSM, {'session_token': 'mod-2'}, configured_dir=cache) is True
    assert tc.forget('itsmng', ITSM, {'session_token': 'mod-2'}, configured_dir=cache) is False
    for path in all_files(cache):
        assert APP_TOKEN not in path and (os.path.isdir(path) or APP_TOKEN not in open(path).read())
    closed = []
    ended, warnings = tc.close_run(tc.run_dir(cache, create=False), reader.drain(), environ={},
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
