# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The systems the collection knows, by the name the lookup takes as its term."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.module_utils import bluecat, ipcortex, itsmng, saymon

SYSTEMS = dict((s.NAME, s) for s in (
    itsmng.Itsmng,
    bluecat.Bluecat,
    saymon.Saymon,
    ipcortex.Ipcortex,
))
