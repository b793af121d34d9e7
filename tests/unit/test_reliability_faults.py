# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry bounds, backoff, timeouts (one deadline per request, a dripping body included) and the
answer size cap of the four clients, measured against the real emulators
in-process (real HTTP on 127.0.0.1, faults injected into the emulator). The integration target
reliability_faults shows what the user sees through the modules; this measures the clients
without the module start-up time, for the figures of docs/reliability.md.

Set RELIABILITY_FIGURES=<file> to have every case append one JSON line (system, case, seconds,
requests seen by the emulator).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import time
import tracemalloc

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'emulators')
sys.path.insert(0, os.path.abspath(HERE))

from base import EmulatorServer, Fault  # noqa: E402  pylint: disable=wrong-import-position
from bluecat import BluecatEmulator  # noqa: E402  pylint: disable=wrong-import-position
from ipcortex import IpcortexEmulator  # noqa: E402  pylint: disable=wrong-import-position
from itsmng import ItsmngEmulator  # noqa: E402  pylint: disable=wrong-import-position
from saymon import SaymonEmulator  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.apiauth.sessions.plugins.module_utils import (  # noqa: E402
    bluecat, ipcortex, itsmng, saymon)
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError, HttpClient  # noqa: E402

SAYMON_ADMIN = '5e21b752308c3c66d64e0a01'
BACKOFF = 0.5 + 1.0  # the HTTP core's two sleeps before the 2nd and 3rd tries of a read-only call


class System(object):
    """How to drive one system: its emulator, credentials, and for each kind of call (login,
    read_only, change) a function(params) that does the setup and returns the call to measure,
    with the path (and method) a fault must match."""

    def __init__(self, name, emulator, params, calls, paths):
        self.name, self.emulator_class, self.params = name, emulator, params
        self.calls, self.paths = calls, paths


def itsmng_calls():
    def opened(p):
        client = itsmng.ItsmngClient(p)
        client.login()
        return client

    def login(p):
        return itsmng.ItsmngClient(p).login

    def read_only(p):
        return opened(p).my_profiles

    def change(p):
        client = opened(p)
        return lambda: client.change_profile(6)
    return {'login': login, 'read_only': read_only, 'change': change}


def bluecat_calls():
    def opened(p):
        client = bluecat.BluecatClient(p)
        client.login()
        return client

    def login(p):
        return bluecat.BluecatClient(p).login

    def read_only(p):
        return opened(p).current

    def change(p):
        return opened(p).logout
    return {'login': login, 'read_only': read_only, 'change': change}


def saymon_calls():
    def login(p):  # the token is what the collection issues: its creation is the "login"
        client = saymon.SaymonClient(p)
        return lambda: client.create_token(SAYMON_ADMIN)

    def read_only(p):
        return saymon.SaymonClient(p).current_user

    def change(p):
        client = saymon.SaymonClient(p)
        client.create_token(SAYMON_ADMIN)
        return lambda: client.delete_token(SAYMON_ADMIN)
    return {'login': login, 'read_only': read_only, 'change': change}


def ipcortex_calls():
    def login(p):
        return ipcortex.IpcortexClient(p).login

    def read_only(p):
        client = ipcortex.IpcortexClient(p)
        session = client.login()[0]
        return lambda: client.check_session(session)

    def change(p):
        client = ipcortex.IpcortexClient(p)
        session = client.login()[0]
        return lambda: client.logout(session)
    return {'login': login, 'read_only': read_only, 'change': change}


SYSTEMS = {
    'itsmng': System(
        'itsmng', ItsmngEmulator,
        {'app_token': 'mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b', 'user_token': 'V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA'},
        itsmng_calls(),
        {'login': ('initSession$', None), 'read_only': ('getMyProfiles$', None), 'change': ('changeActiveProfile$', None)}),
    'bluecat': System(
        'bluecat', BluecatEmulator, {'username': 'api', 'password': 'api-password'}, bluecat_calls(),
        {'login': ('/sessions$', 'POST'), 'read_only': ('/current$', None), 'change': (None, 'PATCH')}),
    'saymon': System(
        'saymon', SaymonEmulator, {'username': 'admin', 'password': 'admin-S4ymon-emulator-pw'}, saymon_calls(),
        {'login': ('/auth-token$', 'POST'), 'read_only': ('/users/current$', None), 'change': ('/auth-token$', 'DELETE')}),
    'ipcortex': System(
        'ipcortex', IpcortexEmulator, {'username': 'alice', 'password': 'alice-secret-password'}, ipcortex_calls(),
        {'login': ('^/rest/auth/$', None), 'read_only': ('^/rest/auth/$', None), 'change': ('/logout$', None)}),
}
SYSTEM_NAMES = sorted(SYSTEMS)


@pytest.fixture(scope='module')
def servers():
    running = dict((name, EmulatorServer(system.emulator_class()).start()) for name, system in SYSTEMS.items())
    yield running
    for server in running.values():
        server.shutdown()


def measure(server, system, kind, faults, timeout=10):
    """Arrange the call (its own setup requests are not counted), inject the faults, run it.

    Returns (result or ApiError, seconds, requests the emulator saw during the call)."""
    emulator = server.emulator
    with emulator.lock:
        emulator.faults = []  # reset() keeps them: left over from the previous case
        emulator.reset()
    params = dict(system.params, url=server.url, timeout=timeout)
    call = system.calls[kind](params)
    path, method = system.paths[kind]
    with emulator.lock:
        emulator.faults = [Fault(dict(spec, path=path, method=method)) for spec in faults]
    before = emulator.stats['requests']
    start = time.time()
    try:
        outcome = call()
    except ApiError as exc:
        outcome = exc
    seconds = time.time() - start
    requests = emulator.stats['requests'] - before
    figures = os.environ.get('RELIABILITY_FIGURES')
    if figures:
        with open(figures, 'a') as handle:
            handle.write(json.dumps({'system': system.name, 'call': kind, 'faults': faults,
                                     'seconds': round(seconds, 3), 'requests': requests,
                                     'error': str(outcome) if isinstance(outcome, ApiError) else None}) + '\n')
    return outcome, seconds, requests


FAULTS = {'drop': {'kind': 'drop'}, '503': {'kind': 'status', 'status': 503}, '502': {'kind': 'status', 'status': 502}}


@pytest.mark.parametrize('fault', ['drop', '503'])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_read_only_call_retried_twice_then_succeeds(servers, name, fault):
    outcome, seconds, requests = measure(servers[name], SYSTEMS[name], 'read_only', [dict(FAULTS[fault], times=2)])
    assert not isinstance(outcome, ApiError), outcome
    assert requests == 3
    assert BACKOFF <= seconds < BACKOFF + 5  # the upper bound is loose: shared CI machines are slow


@pytest.mark.parametrize('fault', ['drop', '502'])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_read_only_call_gives_up_after_three_tries(servers, name, fault):
    outcome, seconds, requests = measure(servers[name], SYSTEMS[name], 'read_only', [dict(FAULTS[fault], times=5)])
    assert isinstance(outcome, ApiError)
    assert requests == 3, 'the bound is 1 try + 2 retries'
    assert BACKOFF <= seconds < BACKOFF + 5
    if fault == 'drop':
        assert 'cannot connect to http://127.0.0.1:' in outcome.message and outcome.message.endswith('(tried 3 times)')
    else:
        assert 'HTTP 502' in outcome.message


@pytest.mark.parametrize('kind', ['login', 'change'])
@pytest.mark.parametrize('fault', ['drop', '503'])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_login_and_change_are_never_retried(servers, name, fault, kind):
    outcome, seconds, requests = measure(servers[name], SYSTEMS[name], kind, [dict(FAULTS[fault], times=5)])
    assert isinstance(outcome, ApiError)
    assert requests == 1
    assert 'tried' not in outcome.message
    assert ('cannot connect to' if fault == 'drop' else 'HTTP 503') in outcome.message


@pytest.mark.parametrize('kind', ['login', 'read_only'])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_timeout_fails_at_the_limit_without_retry(servers, name, kind):
    outcome, seconds, requests = measure(servers[name], SYSTEMS[name], kind,
                                         [{'kind': 'latency', 'seconds': 2.0}], timeout=0.25)
    assert isinstance(outcome, ApiError)
    assert 'within 0.25 seconds (timeout)' in outcome.message and 'raise timeout' in outcome.message
    assert requests == 1, 'a timeout is not retried, even on a read-only call'
    assert 0.25 <= seconds < 1.5, 'gave up at the limit, before the (2 s late) answer'


@pytest.mark.parametrize('fault, words', [('html', 'an HTML page (HTTP 200, text/html)'),
                                          ('truncated', 'data that is not valid JSON (HTTP 200, application/json)')])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_an_answer_that_is_not_json(servers, name, fault, words):
    outcome, seconds, requests = measure(servers[name], SYSTEMS[name], 'login', [{'kind': fault}])
    assert isinstance(outcome, ApiError)
    assert words in outcome.message and 'instead of JSON' in outcome.message
    assert requests == 1


@pytest.mark.parametrize('kind', ['login', 'read_only'])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_a_dripping_answer_ends_at_the_timeout_without_retry(servers, name, kind):
    # one byte every 0.6 s: each read is quick, the whole answer would take about 40 s
    outcome, seconds, requests = measure(servers[name], SYSTEMS[name], kind,
                                         [{'kind': 'drip', 'seconds': 0.6, 'times': 3}], timeout=1)
    assert isinstance(outcome, ApiError)
    assert 'no complete answer from http://127.0.0.1:' in outcome.message
    assert 'within 1 seconds (timeout)' in outcome.message and 'cannot connect' not in outcome.message
    assert requests == 1, 'a timeout is not retried, even on a read-only call'
    assert seconds < 3, 'timeout bounds the whole request, not each read'


@pytest.mark.parametrize('length', [True, False], ids=['content-length', 'until-close'])
@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_a_huge_answer_is_refused_without_being_read_whole(servers, name, length):
    tracemalloc.start()
    try:
        outcome, seconds, requests = measure(servers[name], SYSTEMS[name], 'login',
                                             [{'kind': 'large', 'size': 100 * 1000 * 1000, 'length': length}])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, ApiError)
    assert 'answered more than 4 MiB (HTTP 200); no answer of the API is that large' in outcome.message
    assert requests == 1
    assert peak < 24 * 1024 * 1024, 'read at most the cap, not the 100 MB'


@pytest.mark.parametrize('name, path', [('bluecat', '/api/v2/sessions/current'), ('saymon', '/node/api/users/current')])
def test_calls_after_the_first_on_one_connection_reach_the_server_once(servers, name, path):
    """Reads and a change on one kept-alive connection: each is sent once and answered (a change is
    never retried, so a connection left mid-answer by the previous call would fail it)."""
    server = servers[name]
    with server.emulator.lock:
        server.emulator.faults = []
        server.emulator.reset()
    client = HttpClient(name, server.url, timeout=10)
    before = server.emulator.stats['requests']
    # The answers are kept, as callers do: a released answer would hide a connection left unfinished.
    answers = [client.request('GET', path, read_only=True) for _index in range(3)]
    answers.append(client.request('POST', path, json_body={}))
    assert server.emulator.stats['requests'] - before == 4
    assert [getattr(answer, 'attempts', 1) for answer in answers] == [1, 1, 1, 1]
    assert all(400 <= answer.status_code < 500 for answer in answers)
