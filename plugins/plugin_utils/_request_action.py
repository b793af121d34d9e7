# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of the request modules: the module's run() in the worker process, on the run's
session cache (the token lookup's, in the directory the lookup and the callback use)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible import constants as C

from ansible_collections.apiauth.sessions.plugins.module_utils._request import with_cache
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache
from ansible_collections.apiauth.sessions.plugins.plugin_utils._action import InProcessAction

# The token lookup's cache_dir option, from the same two places (its documentation says so): loading the
# lookup plugin to ask it would cost more than the API call itself.
CACHE_DIR = 'apiauth_sessions_request_cache_dir'
CACHE_DIR_DEF = {'cache_dir': {'type': 'path', 'env': [{'name': 'APIAUTH_SESSIONS_CACHE_DIR'}],
                               'ini': [{'section': 'apiauth_sessions', 'key': 'cache_dir'}]}}


def cache_dir():
    """Where the lookup and the session_cleanup callback keep the run's sessions (None: their default)."""
    C.config.initialize_plugin_configuration_definitions('lookup', CACHE_DIR, CACHE_DIR_DEF)
    return C.config.get_config_value('cache_dir', plugin_type='lookup', plugin_name=CACHE_DIR)


class RequestAction(InProcessAction):
    """Subclasses set REQUEST_MODULE, the request module (plugins/modules/<system>_request.py)."""

    REQUEST_MODULE = None

    def run(self, tmp=None, task_vars=None):
        self.MODULE = with_cache(self.REQUEST_MODULE, token_cache, cache_dir())
        return super(RequestAction, self).run(tmp, task_vars)
