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
  - Ending a session may need a long-lived secret that the cache never stores (the ITSM-NG App-Token, the
    SAYMON password for the deletion of a token). The lookup hands it to this callback in memory, through a
    pipe the callback opens in the C(ansible-playbook) process before the workers are forked; if that
    fails, the callback reads the C(<SYSTEM>_<OPTION>) environment variables (as AWX/AAP inject them).
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
import os

from ansible.plugins.callback import CallbackBase

from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache

PREFIX = 'apiauth.sessions.session_cleanup'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'apiauth.sessions.session_cleanup'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super(CallbackModule, self).__init__(display=display, options=options)
        # Loaded in the controller before any worker forks: the workers inherit the pipe's write end.
        self._owner = os.getpid()
        self._reader = token_cache.ChannelReader(token_cache.open_channel())
        atexit.register(self._at_exit)

    def _option(self, name, default=None):
        try:
            return self.get_option(name)
        except KeyError:  # options not set (callback used outside a normal run)
            return default

    def _drain(self, *args, **kwargs):
        # Read what workers handed over as results come in, so that the pipe never fills up.
        if os.getpid() == self._owner:
            self._reader.drain()

    v2_playbook_on_task_start = v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = _drain
    v2_runner_on_unreachable = v2_runner_item_on_ok = v2_runner_item_on_failed = _drain

    def v2_playbook_on_start(self, playbook):
        # Runs killed before their cleanup leave a directory of dead tokens behind: remove them.
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
        secrets = self._reader.drain()
        keep = self._option('keep_saymon_tokens', False)
        try:
            ended, warnings = token_cache.close_run(directory, secrets, keep_saymon_tokens=keep)
        finally:
            secrets.clear()
        for warning in warnings:
            self._display.warning('%s: %s' % (PREFIX, warning))
        if ended:
            counts = ', '.join('%d %s session(s)' % (n, system) for system, n in sorted(ended.items()))
            self._display.v('%s: ended %s.' % (PREFIX, counts))

    def _at_exit(self):
        # The run stopped before its statistics (error, Ctrl-C): still end what it opened.
        try:
            self.cleanup()
        except Exception:  # pylint: disable=broad-except
            # nothing may fail at interpreter exit
            pass
        finally:
            if os.getpid() == self._owner:
                token_cache.close_channel()
