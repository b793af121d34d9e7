# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs itsmng_request in the worker process when the task's connection is local, on the run's session
cache (docs/act.md); as a module process otherwise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.modules import itsmng_request
from ansible_collections.apiauth.sessions.plugins.plugin_utils._request_action import RequestAction


class ActionModule(RequestAction):
    REQUEST_MODULE = itsmng_request
