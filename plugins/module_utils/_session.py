# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session interface every system of the collection implements, in one place.

The token lookup's cache, the request modules and the session_cleanup callback know a system
only through this class: they never test which system they hold. A system is one
``plugins/module_utils/<name>.py`` with a subclass of SessionSystem, plus one line in
``_registry.py`` (see docs/developing.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apiauth.sessions.plugins.module_utils._http import argument_spec as _argument_spec


class SessionSystem(object):
    """Open, check and end one session of a system, from a plain dict of its option values.

    open_session(params) returns a dict:
      token       what the lookup returns by default (session token, apiToken, API token, cookie)
      headers     HTTP headers that carry the session, ready for ansible.builtin.uri
      params      query parameters that carry it (SAYMON api-token), else {}
      full        the login answer (what the lookup's query option selects from)
      expires_at  epoch seconds, or None when the server does not say
      handle      what session_alive and end_session need again (JSON-able)
    """

    NAME = None     # registry key and the lookup's term, e.g. 'itsmng'
    SYSTEM = None   # the product's name in messages, e.g. 'ITSM-NG'
    PREFIX = None   # environment variables are <PREFIX>_<OPTION>
    OPTIONS = ()    # the connection option table (_http.Option)
    # True when every login of a user gets the same token (SAYMON): open_session then says in
    # handle['created'] whether this login made it, and concurrent runs share it.
    SHARED_TOKEN = False

    @classmethod
    def argument_spec(cls, **extra):
        """AnsibleModule argument_spec: the connection options (secrets no_log, env fallbacks) plus extra."""
        spec = _argument_spec(cls.PREFIX, cls.OPTIONS)
        spec.update(extra)
        return spec

    @classmethod
    def env_names(cls, secret_only=False):
        return [opt.env(cls.PREFIX) for opt in cls.OPTIONS if opt.secret or not secret_only]

    @classmethod
    def open_session(cls, params):
        raise NotImplementedError

    @classmethod
    def session_alive(cls, params, result, handle):
        """True while the server still accepts the session (one cheap read-only request)."""
        raise NotImplementedError

    @classmethod
    def end_session(cls, params, handle):
        """End the session; True if a live one was ended, False if there was nothing to end."""
        raise NotImplementedError
