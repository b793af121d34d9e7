# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: session_cleanup
type: aggregate
author:
  - apiauth.sessions maintainers (@apiauth)
version_added: 1.0.0
short_description: Ends, when the playbook ends, every session the apiauth.sessions.token lookup opened
description:
  - The lookup P(apiauth.sessions.token#lookup) logs in once per system, url and identity per run and keeps
    the session in a private run-scoped cache. When the playbook ends (statistics time), this callback ends
    every session recorded there - ITSM-NG C(killSession), BlueCat logout, IPCortex logout, deletion of a
    SAYMON API token that the lookup created (not of a token the user already had) - and removes the cache
    directory of the run.
  - Sessions replaced during the run (a BlueCat token refreshed before its expiry, a session the server
    ended) are ended too when they are still alive.
  - A session that cannot be ended gives a warning (with the system, the URL and the cause, never a secret);
    it does not fail the run. If the run stops before its statistics (an error, Ctrl-C), the same cleanup
    runs when C(ansible-playbook) exits.
  - Sessions are ended in parallel, within one overall deadline (O(cleanup_timeout)); a second Ctrl-C stops
    the waiting, and the cache directory is removed in any case.
  - When the run is stopped by SIGTERM (AWX/AAP cancelling a job or ending it at its timeout) or SIGHUP, the
    callback passes the signal on to the workers, ends the sessions, then lets the run die of the signal.
  - The callback makes a random key in the C(ansible-playbook) process before any worker is forked; the
    workers inherit it in memory, and the cache entries are sealed (AES-GCM) with it. Ending a session may
    need a long-lived secret (the ITSM-NG App-Token, the SAYMON password for the deletion of a token); it is
    sealed in the entry with the url it was given for, and only ever sent there.
  - A run killed with SIGKILL cannot clean up; the next run that uses the same system, url and identity
    ends the sessions it recorded. See the collection's docs/reliability.md.
  - This callback needs to be enabled (C(callbacks_enabled) in C(ansible.cfg), or
    E(ANSIBLE_CALLBACKS_ENABLED)).
requirements:
  - "Enable it: C(callbacks_enabled = apiauth.sessions.session_cleanup) in the C([defaults]) section of
    C(ansible.cfg)."
options:
  keep_saymon_tokens:
    description:
      - Do not delete the SAYMON API tokens the lookup created; they stay valid after the run (SAYMON tokens
        do not expire). Tokens the users already had are never deleted.
    type: bool
    default: false
    env:
      - name: APIAUTH_SESSIONS_KEEP_SAYMON_TOKENS
    ini:
      - section: callback_session_cleanup
        key: keep_saymon_tokens
  cleanup_timeout:
    description:
      - Seconds the cleanup may take in all, however many sessions it ends (they are ended in parallel).
        Sessions still being ended then are left to expire on the server, with a warning.
    type: float
    default: 60
    env:
      - name: APIAUTH_SESSIONS_CLEANUP_TIMEOUT
    ini:
      - section: callback_session_cleanup
        key: cleanup_timeout
  cache_dir:
    description:
      - Where the lookup keeps the run directories; must be what the lookup uses. Default
        C($XDG_RUNTIME_DIR/apiauth_sessions) when E(XDG_RUNTIME_DIR) is set, else
        C(~/.ansible/tmp/apiauth_sessions).
    type: path
    env:
      - name: APIAUTH_SESSIONS_CACHE_DIR
    ini:
      - section: apiauth_sessions
        key: cache_dir
notes:
  - Shows what it ended at C(-v).
seealso:
  - plugin: apiauth.sessions.token
    plugin_type: lookup
'''

EXAMPLES = r'''
# ansible.cfg: end, when the playbook ends, every session the token lookup opened
# [defaults]
# callbacks_enabled = apiauth.sessions.session_cleanup
#
# or in the environment (an AWX/AAP job template's extra environment variables):
# ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup
#
# keep the SAYMON tokens the lookup created:
# [callback_session_cleanup]
# keep_saymon_tokens = true
'''

import atexit
import multiprocessing
import os
import signal
import threading

from ansible.plugins.callback import CallbackBase

from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache

PREFIX = 'apiauth.sessions.session_cleanup'
# Signals after which the run still ends its sessions (SIGINT is Ansible's KeyboardInterrupt: atexit).
CAUGHT = (signal.SIGTERM, signal.SIGHUP)
WORKERS_GRACE = 5.0  # seconds the workers have to record a login in flight before the cleanup reads the run


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'apiauth.sessions.session_cleanup'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super(CallbackModule, self).__init__(display=display, options=options)
        # Loaded in the controller before any worker forks: the workers inherit the run key in memory.
        self._owner = os.getpid()
        token_cache.start_run()
        self._previous = {}
        for signum in CAUGHT:
            self._previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._on_signal)
        atexit.register(self._at_exit)

    def _option(self, name, default=None):
        try:
            return self.get_option(name)
        except KeyError:  # options not set (callback used outside a normal run)
            return default

    def v2_playbook_on_start(self, playbook):
        # Directories of runs that are gone and hold nothing left to end: remove them.
        token_cache.sweep(token_cache.base_dir(self._option('cache_dir')))

    def v2_playbook_on_stats(self, stats):
        self.cleanup()

    def cleanup(self):
        """End the sessions of this run and remove its cache directory; warnings, never a failure."""
        if os.getpid() != self._owner:
            return
        directory = token_cache.run_dir(self._option('cache_dir'), create=False)
        if not os.path.isdir(directory):
            return
        abort = threading.Event()
        with _InterruptSets(abort):  # a second Ctrl-C stops the waiting, and still removes the tokens
            ended, warnings = token_cache.close_run(directory, keep_shared=self._option('keep_saymon_tokens', False),
                                                    deadline=float(self._option('cleanup_timeout', 60)), abort=abort)
        for warning in warnings:
            self._display.warning('%s: %s' % (PREFIX, warning))
        if ended:
            counts = ', '.join('%d %s session(s)' % (n, system) for system, n in sorted(ended.items()))
            self._display.v('%s: ended %s.' % (PREFIX, counts))

    def _on_signal(self, signum, frame):
        """SIGTERM (AWX cancelling a job, a timeout) or SIGHUP: end the sessions, then die of the signal."""
        if os.getpid() == self._owner:
            signal.signal(signum, signal.SIG_IGN)
            try:
                _stop_workers(signum)
                self.cleanup()
            except Exception:  # pylint: disable=broad-except
                # dying of the signal matters more than a cleanup problem
                pass
        previous = self._previous.get(signum)
        if callable(previous):
            previous(signum, frame)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def _at_exit(self):
        # The run stopped before its statistics (error, Ctrl-C): still end what it opened.
        try:
            self.cleanup()
        except BaseException:  # pylint: disable=broad-except
            # nothing may fail at interpreter exit
            pass
        finally:
            if os.getpid() == self._owner:
                token_cache.end_run()


def _stop_workers(signum):
    """Pass the signal on to the workers and give them a moment: one logging in records its
    session first (the cache holds the signal until then), so that the cleanup ends it too."""
    children = multiprocessing.active_children()
    for child in children:
        try:
            os.kill(child.pid, signum)
        except OSError:
            pass
    for child in children:
        child.join(WORKERS_GRACE / max(1, len(children)))


class _InterruptSets(object):
    """While the cleanup runs, SIGINT and SIGTERM set `event` instead of interrupting it half-way."""

    def __init__(self, event):
        self.event = event
        self.saved = {}

    def __enter__(self):
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self.saved[signum] = signal.signal(signum, lambda *_args: self.event.set())
            except ValueError:  # not the main thread: nothing to catch
                pass
        return self

    def __exit__(self, *exc):
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)
