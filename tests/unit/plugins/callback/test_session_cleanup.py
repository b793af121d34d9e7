# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""apiauth.sessions.session_cleanup: ends what the lookup opened in this run, warns, removes the cache."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import json
import multiprocessing
import os
import signal
import threading
import types

import pytest
import yaml

from ansible import constants as C
try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core < 2.19 has no is_controller flag: a stand-in takes the toggles
    module_utils_internal = types.SimpleNamespace()

from ansible_collections.apiauth.sessions.plugins.callback import session_cleanup
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache

# Importing controller code sets a process-wide flag that sends module warnings to Display; the
# module tests of the same session expect it off. Off again here, on during these tests only.
module_utils_internal.is_controller = False


@pytest.fixture(autouse=True)
def controller_side():
    module_utils_internal.is_controller = True
    yield
    module_utils_internal.is_controller = False


NAME = 'apiauth.sessions.session_cleanup'
APP_TOKEN = 'AppTok-callback-unit-7d1e05c9'
PASSWORD = 'Passw0rd-callback-unit-3a8f62'
ITSM = {'url': 'https://itsm.example.com/apirest.php', 'validate_certs': True, 'ca_path': None, 'timeout': 30,
        'app_token': APP_TOKEN, 'user_token': 'UserTok-callback-unit-0b94', 'username': None, 'password': None,
        'credentials_in': 'header'}
SAYMON = {'url': 'https://saymon.example.com', 'validate_certs': True, 'ca_path': None, 'timeout': 30,
          'username': 'admin', 'password': PASSWORD, 'user_id': None}
FORK = multiprocessing.get_context('fork')
# Python 3.12+ warns about fork() when another test left a thread behind; Ansible forks its
# workers this same way, which is what these tests reproduce.
pytestmark = pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')


def opened(token):
    # handle: what each system's open_session gives (created: a token this login made)
    return lambda params: {'token': token, 'headers': {}, 'params': {}, 'full': {}, 'expires_at': None,
                           'handle': {'session_token': token, 'created': True}}


@pytest.fixture
def callback(monkeypatch, tmp_path):
    doc = yaml.safe_load(session_cleanup.DOCUMENTATION)
    C.config.initialize_plugin_configuration_definitions('callback', NAME, doc['options'])
    monkeypatch.setenv(token_cache.ENV_CACHE_DIR, str(tmp_path / 'cache'))
    monkeypatch.delenv('APIAUTH_SESSIONS_KEEP_SAYMON_TOKENS', raising=False)
    monkeypatch.delenv('ITSMNG_APP_TOKEN', raising=False)
    handlers = dict((signum, signal.getsignal(signum)) for signum in session_cleanup.CAUGHT)
    plugin = session_cleanup.CallbackModule()
    plugin._load_name = NAME
    plugin.set_options()
    warnings, shown = [], []
    monkeypatch.setattr(plugin._display, 'warning', lambda msg, *a, **k: warnings.append(msg))
    monkeypatch.setattr(plugin._display, 'v', lambda msg, *a, **k: shown.append(msg))
    plugin.warnings, plugin.shown = warnings, shown
    yield plugin
    atexit.unregister(plugin._at_exit)
    token_cache.end_run()
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


@pytest.fixture
def closed(monkeypatch):
    """Replace each system's lookup_close: record (system, params, handle), answer True."""
    calls = []
    for system, client in SYSTEMS.items():
        monkeypatch.setattr(client, 'end_session',
                            lambda params, handle, system=system: calls.append((system, params, handle)) or True)
    return calls


def _worker_login(cache, system, params, token):
    token_cache.obtain(system, params, configured_dir=cache, opener=opened(token))


def login_in_worker(tmp_path, system, params, token):
    proc = FORK.Process(target=_worker_login, args=(str(tmp_path / 'cache'), system, params, token))
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == 0


def test_the_sessions_of_the_run_are_ended_with_the_secrets_handed_over(callback, closed, tmp_path):
    login_in_worker(tmp_path, 'itsmng', ITSM, 'itsm-session-1')
    login_in_worker(tmp_path, 'saymon', SAYMON, 'saymon-token-1')
    callback.v2_playbook_on_stats(None)
    by_system = dict((system, (params, handle)) for system, params, handle in closed)
    assert sorted(by_system) == ['itsmng', 'saymon']
    assert by_system['itsmng'][0]['app_token'] == APP_TOKEN  # sealed with the key the workers inherit
    assert by_system['itsmng'][1] == {'session_token': 'itsm-session-1', 'created': True}
    assert by_system['saymon'][0]['password'] == PASSWORD and by_system['saymon'][0]['username'] == 'admin'
    assert callback.warnings == []
    assert callback.shown == ['%s: ended 1 ITSM-NG session(s), 1 SAYMON session(s).' % NAME]
    assert sorted(os.listdir(str(tmp_path / 'cache'))) == ['mac-key', 'shared']
    closed[:] = []
    callback.v2_playbook_on_stats(None)  # a second playbook of the same command: nothing left
    assert closed == []


def test_saymon_tokens_are_kept_on_request(callback, closed, tmp_path, monkeypatch):
    monkeypatch.setenv('APIAUTH_SESSIONS_KEEP_SAYMON_TOKENS', 'true')
    callback.set_options()
    login_in_worker(tmp_path, 'saymon', SAYMON, 'saymon-token-1')
    login_in_worker(tmp_path, 'itsmng', ITSM, 'itsm-session-1')
    callback.v2_playbook_on_stats(None)
    assert [system for system, _p, _h in closed] == ['itsmng']


def test_a_session_that_cannot_be_ended_is_a_warning_without_secret(callback, tmp_path, monkeypatch):
    def fails(params, handle):
        raise RuntimeError('server said no to %s with %s' % (handle['session_token'], params['app_token']))
    monkeypatch.setattr(SYSTEMS['itsmng'], 'end_session', fails)

    def refused(params, handle):
        exc = ApiError('SAYMON', 'SAYMON: https://saymon.example.com refused the API token.')
        exc.warnings = ['TLS certificate verification is off for https://saymon.example.com.']
        raise exc
    monkeypatch.setattr(SYSTEMS['saymon'], 'end_session', refused)
    login_in_worker(tmp_path, 'itsmng', ITSM, 'itsm-session-1')
    login_in_worker(tmp_path, 'saymon', SAYMON, 'saymon-token-1')
    callback.v2_playbook_on_stats(None)
    assert len(callback.warnings) == 3
    tls = callback.warnings.index('%s: TLS certificate verification is off for https://saymon.example.com.' % NAME)
    assert 'refused the API token' in callback.warnings[tls + 1]  # the error's warnings come before it
    text = ' '.join(callback.warnings)
    assert 'could not end a ITSM-NG session' in text and 'RuntimeError' in text
    assert 'refused the API token' in text
    assert APP_TOKEN not in text and 'itsm-session-1' not in text and PASSWORD not in text
    assert not [n for n in os.listdir(str(tmp_path / 'cache')) if n.startswith('run-')]  # removed all the same


def test_the_environment_is_never_used_to_end_a_session(callback, closed, tmp_path, monkeypatch):
    monkeypatch.setenv('ITSMNG_APP_TOKEN', 'AppTok-from-the-environment')
    monkeypatch.setenv('ITSMNG_URL', 'https://elsewhere.example.com/apirest.php')
    login_in_worker(tmp_path, 'itsmng', dict(ITSM, app_token=APP_TOKEN), 'itsm-session-1')
    callback.v2_playbook_on_stats(None)
    assert [(p['url'], p['app_token']) for _s, p, _h in closed] == [(ITSM['url'], APP_TOKEN)]


def test_a_second_ctrl_c_stops_the_waiting_and_leaves_no_token_on_disk(callback, tmp_path, monkeypatch):
    release = threading.Event()

    def hung(params, handle):  # the server does not answer; the user presses Ctrl-C again
        os.kill(os.getpid(), signal.SIGINT)
        release.wait(30)
        return True
    monkeypatch.setattr(SYSTEMS['itsmng'], 'end_session', hung)
    login_in_worker(tmp_path, 'itsmng', ITSM, 'itsm-session-1')
    callback.v2_playbook_on_stats(None)
    release.set()
    assert callback.warnings == ['%s: 1 session(s) were still being ended when the cleanup was interrupted; they '
                                 'are left to expire on the server.' % NAME]
    assert not [n for n in os.listdir(str(tmp_path / 'cache')) if n.startswith('run-')]


def _controller_killed_by(signum, cache, report):
    """A run: the callback loaded, a worker logs in, then the run receives `signum`."""
    def end(params, handle):
        with open(report, 'a') as handle_file:
            handle_file.write(json.dumps(handle) + '\n')
        return True
    SYSTEMS['itsmng'].end_session = end
    plugin = session_cleanup.CallbackModule()
    plugin._load_name = NAME
    plugin.set_options()
    worker = FORK.Process(target=_worker_login, args=(cache, 'itsmng', ITSM, 'itsm-session-9'))
    worker.start()
    worker.join(timeout=30)
    sleeper = FORK.Process(target=threading.Event().wait, args=(60,))  # a worker busy with a long task
    sleeper.start()
    os.kill(os.getpid(), signum)
    threading.Event().wait(30)  # not reached: the run dies of the signal


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_the_sessions_then_the_run_dies_of_the_signal(callback, tmp_path, signum):
    cache, report = str(tmp_path / 'cache'), str(tmp_path / 'ended')
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: a run of its own
        try:
            _controller_killed_by(signum, cache, report)
        finally:
            os._exit(3)
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signum
    with open(report) as handle:
        assert [json.loads(line)['session_token'] for line in handle] == ['itsm-session-9']
    assert not [n for n in os.listdir(cache) if n.startswith('run-')]


def test_the_cleanup_runs_at_exit_when_the_run_stopped_early(callback, closed, tmp_path):
    login_in_worker(tmp_path, 'itsmng', ITSM, 'itsm-session-1')
    callback._at_exit()
    assert [system for system, _p, _h in closed] == ['itsmng']
    assert not token_cache.cleanup_enabled()


def test_nothing_happens_in_a_forked_worker(callback, closed, tmp_path):
    login_in_worker(tmp_path, 'itsmng', ITSM, 'itsm-session-1')
    proc = FORK.Process(target=callback.v2_playbook_on_stats, args=(None,))
    proc.start()
    proc.join(timeout=30)
    assert closed == [] and os.listdir(str(tmp_path / 'cache'))


def test_the_callback_is_opt_in():
    assert session_cleanup.CallbackModule.CALLBACK_NEEDS_ENABLED is True
    assert session_cleanup.CallbackModule.CALLBACK_TYPE == 'aggregate'
