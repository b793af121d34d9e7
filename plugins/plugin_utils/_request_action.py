# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of the request modules: the module's run() in the worker process, on the run's
session cache (the token lookup's, in the directory the lookup and the callback use)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.loader import lookup_loader

from ansible_collections.apiauth.sessions.plugins.module_utils._request import with_cache
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache
from ansible_collections.apiauth.sessions.plugins.plugin_utils._action import InProcessAction

LOOKUP = 'apiauth.sessions.token'


def cache_dir(loader, templar, task_vars):
    """The lookup's cache_dir (ansible.cfg [apiauth_sessions] cache_dir, or its environment variable), so
    that the request modules, the lookup and the session_cleanup callback share one directory."""
    lookup = lookup_loader.get(LOOKUP, loader=loader, templar=templar)
    lookup.set_options(var_options=task_vars, direct={})
    return lookup.get_option('cache_dir')


class RequestAction(InProcessAction):
    """Subclasses set REQUEST_MODULE, the request module (plugins/modules/<system>_request.py)."""

    REQUEST_MODULE = None

    def run(self, tmp=None, task_vars=None):
        configured = cache_dir(self._loader, self._templar, task_vars or {})
        self.MODULE = with_cache(self.REQUEST_MODULE, token_cache, configured)
        return super(RequestAction, self).run(tmp, task_vars)
