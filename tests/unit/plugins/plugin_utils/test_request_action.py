# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request modules' action plugin finds the cache directory where the token lookup and the
session_cleanup callback look for it, so that the callback ends the sessions the modules opened."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.plugin_utils import _request_action


def test_cache_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('APIAUTH_SESSIONS_CACHE_DIR', str(tmp_path))
    assert _request_action.cache_dir() == str(tmp_path)


def test_no_setting_means_the_lookup_default(monkeypatch):
    monkeypatch.delenv('APIAUTH_SESSIONS_CACHE_DIR', raising=False)
    assert _request_action.cache_dir() in (None, '')
