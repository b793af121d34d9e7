# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs itsmng_request in the worker process when the task's connection is local, on the run's session
cache (docs/act.md); as a module process otherwise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.module_utils._request import with_cache
from ansible_collections.apiauth.sessions.plugins.modules import itsmng_request
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache
from ansible_collections.apiauth.sessions.plugins.plugin_utils._action import InProcessAction


class ActionModule(InProcessAction):
    MODULE = with_cache(itsmng_request, token_cache)
