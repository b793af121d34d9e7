# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs itsmng_session in the worker process when the task's connection is local (docs/developing.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.modules import itsmng_session
from ansible_collections.apiauth.sessions.plugins.plugin_utils._action import InProcessAction


class ActionModule(InProcessAction):
    MODULE = itsmng_session
