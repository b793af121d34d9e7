# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The act step: one authenticated API call on a session, shared by the four request modules.

What differs between the systems (where the API root is, how the session rides on a request,
how the server says a session is gone, how it pages) comes from the system's SessionSystem
class (the methods under "request modules" at the end of plugins/module_utils/<system>.py);
everything else is here, once: option checks, the call, one new login when the session is
gone, paging with a bound, check mode, and a result with every secret removed.

Sessions come from a provider:
  RunSessions   in-process on the controller: the token lookup's run-scoped cache (same key and
                lock as the lookup, one login per credential per run, ended by session_cleanup)
  TaskSession   the module on another host: logs in at the first call and out when the task ends
  GivenSession  the session the user named with the module's session option
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ansible_collections.apiauth.sessions.plugins.module_utils._http import (
    ApiError, HttpClient, Redactor, decode_json, safe_url,
)

METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE')
READ_METHODS = ('GET', 'HEAD')
DEFAULT_PAGE_SIZE = 1000
DEFAULT_MAX_PAGES = 100
MAX_PAGES_LIMIT = 100000
# Response headers that carry or set credentials: never returned.
DROPPED_HEADERS = frozenset(('set-cookie', 'authorization', 'cookie', 'www-authenticate', 'proxy-authorization'))
CONTROL = re.compile(r'[\x00-\x1f\x7f]')
NO_CLEANUP = ('%s: the sessions the request modules open in this run stay open on the server until they expire, '
              'because the apiauth.sessions.session_cleanup callback is not enabled. Enable it in ansible.cfg '
              '([defaults] callbacks_enabled = apiauth.sessions.session_cleanup) or with '
              'ANSIBLE_CALLBACKS_ENABLED=apiauth.sessions.session_cleanup.')


def request_options(system, session_option):
    """The options every request module adds to its system's connection options."""
    return dict(
        path=dict(type='str', required=True),
        method=dict(type='str', default='GET'),
        query=dict(type='dict'),
        body=dict(type='raw'),
        headers=dict(type='dict'),
        status_code=dict(type='list', elements='int'),
        all_pages=dict(type='bool', default=False),
        page_size=dict(type='int', default=DEFAULT_PAGE_SIZE),
        max_pages=dict(type='int', default=DEFAULT_MAX_PAGES),
        **{session_option: dict(type='str', no_log=True)}
    )


# --------------------------------------------------------------------------------------------
# What a system tells the request modules (defaults; each system's class overrides)
# --------------------------------------------------------------------------------------------
class RequestSupport(object):
    """Mixed into each SessionSystem class: how a request rides on that system's session."""

    PATH_EXAMPLE = 'items'
    REQUEST_SESSION_OPTION = 'session'
    AUTH_HEADERS = ('authorization', 'cookie')   # lower case: never set by the user, never returned
    AUTH_QUERY = ()                              # query parameters that carry credentials
    AUTH_BODY = ()                               # top-level body keys that carry credentials
    PAGING = 'the API does not page: one request returns the whole list'

    @classmethod
    def request_root(cls, params):
        """The URL that `path` is relative to."""
        raise NotImplementedError

    @classmethod
    def given_session(cls, params, value):
        """The session result (token, headers, params) for a session the user gave."""
        raise NotImplementedError

    @classmethod
    def request_auth(cls, params, session, method, headers, query, body):
        """Put the session on a request: (headers, query, body)."""
        headers.update(session.get('headers') or {})
        query.update(session.get('params') or {})
        return headers, query, body

    @classmethod
    def session_gone(cls, status, data):
        """Does this answer say that the server no longer knows the session?"""
        return status == 401

    @classmethod
    def api_failure(cls, status, data):
        """A failure the status does not show (a 200 that says "fail"): its text, else None."""
        return None

    @classmethod
    def is_read(cls, method, path):
        return method in READ_METHODS

    @classmethod
    def first_page(cls, path, query, body, size):
        return path, query, body

    @classmethod
    def next_page(cls, page, response, data, size):
        """(the items of this answer, the next page's (path, query, body) or None)."""
        if isinstance(data, list):
            return data, None
        return ([] if data is None or data is _NotJson else [data]), None


# --------------------------------------------------------------------------------------------
# Checking what the user asked, before any request
# --------------------------------------------------------------------------------------------
class Call(object):
    """One request as the user described it, checked: method, path (relative to the API root),
    query, headers, body."""

    def __init__(self, system, params):
        self.system = system
        self.method = self._method(params.get('method'))
        self.path, path_query = self._path(params.get('path'))
        self.query = self._strings('query', dict(path_query))  # a query string in path is checked alike
        self.query.update(self._strings('query', params.get('query') or {}))
        self.headers = self._headers(params.get('headers') or {})
        self.body = self._body(params.get('body'))
        self.all_pages = bool(params.get('all_pages'))
        self.page_size = self._bounded('page_size', params.get('page_size'), DEFAULT_PAGE_SIZE, MAX_PAGES_LIMIT)
        self.max_pages = self._bounded('max_pages', params.get('max_pages'), DEFAULT_MAX_PAGES, MAX_PAGES_LIMIT)
        self.expected = params.get('status_code') or None
        self.read = system.is_read(self.method, self.path)
        if self.all_pages and not self.read:
            self.refuse('all_pages reads every page of a list; it cannot be used with %s %s, which writes'
                        % (self.method, self.path))

    def refuse(self, sentence):
        raise ApiError(self.system.SYSTEM, '%s.' % sentence)

    def _method(self, value):
        method = str(value or 'GET').strip().upper()
        if method not in METHODS:
            self.refuse('method must be one of %s; got %r' % (', '.join(METHODS), str(value)[:20]))
        return method

    def _path(self, value):
        if not isinstance(value, str) or not value.strip():
            self.refuse('path must name a resource under the API root, for example %s' % self.system.PATH_EXAMPLE)
        if CONTROL.search(value):
            self.refuse('path must not contain control characters (CR, LF, tab...)')
        parts = urlsplit(value.strip())
        if parts.scheme or parts.netloc or value.strip().startswith('//'):
            self.refuse('path must be relative to the API root (for example %s), not an absolute URL: the '
                        'server is the one of the url option' % self.system.PATH_EXAMPLE)
        if parts.fragment:
            self.refuse('path must not carry a #fragment')
        segments = [unquote(s) for s in parts.path.split('/')]
        if any(s in ('.', '..') or '/' in s for s in segments):
            self.refuse('path must stay under the API root: "..", "." and encoded slashes are refused')
        return '/'.join(s for s in parts.path.split('/') if s), parse_qsl(parts.query, keep_blank_values=True)

    def _strings(self, option, mapping):
        if not isinstance(mapping, dict):
            self.refuse('%s must be a dictionary' % option)
        out = {}
        for name, value in mapping.items():
            if value is None:
                continue
            text = json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)
            if CONTROL.search(str(name)) or CONTROL.search(text):
                self.refuse('%s %s must not contain CR, LF or other control characters' % (option, str(name)[:40]))
            if str(name).lower() in self.system.AUTH_QUERY:
                self.refuse('query must not set %s: the module puts the session on the request itself'
                            % str(name)[:40])
            out[str(name)] = value if isinstance(value, (list, str)) else text
        return out

    def _headers(self, headers):
        if not isinstance(headers, dict):
            self.refuse('headers must be a dictionary')
        out = {}
        for name, value in headers.items():
            name = str(name)
            if CONTROL.search(name) or CONTROL.search(str(value)) or ':' in name or not name.strip():
                self.refuse('header %r must have a plain name and no CR, LF or other control characters in its '
                            'value' % CONTROL.sub('?', name)[:40])
            if name.strip().lower() in self.system.AUTH_HEADERS:
                self.refuse('headers must not set %s: the module sends the authentication itself, from the '
                            'session (give the session option to use another one)' % name.strip())
            out[name.strip()] = str(value)
        return out

    def _body(self, body):
        if body is None:
            return None
        try:
            json.dumps(body, allow_nan=False)
        except (TypeError, ValueError) as exc:
            self.refuse('body must be JSON-serialisable (%s)' % CONTROL.sub(' ', str(exc))[:120])
        if isinstance(body, dict) and set(body) & set(self.system.AUTH_BODY):
            self.refuse('body must not set %s: the module authenticates the request itself'
                        % ', '.join(sorted(set(body) & set(self.system.AUTH_BODY))))
        return body

    def _bounded(self, option, value, default, limit):
        value = default if value is None else value
        if not 1 <= int(value) <= limit:
            self.refuse('%s must be between 1 and %d; got %s' % (option, limit, value))
        return int(value)


# --------------------------------------------------------------------------------------------
# Where the session comes from
# --------------------------------------------------------------------------------------------
class RunSessions(object):
    """The run's session from the token lookup's cache (passed in by the action plugin)."""

    relogin = True

    def __init__(self, system, cache, warn, configured_dir=None):
        self.system, self.cache, self.warn, self.configured_dir = system, cache, warn, configured_dir

    def get(self, params):
        result, opened, _handed = self.cache.obtain(self.system.NAME, params, configured_dir=self.configured_dir)
        if opened and not self.cache.cleanup_enabled() and self.cache.warn_once('request-modules-no-cleanup'):
            self.warn(NO_CLEANUP % self.system.SYSTEM)
        return result

    def replace(self, params, stale):
        result, relogged = self.cache.replace_session(self.system.NAME, params, stale.get('token'),
                                                      configured_dir=self.configured_dir)
        return result, relogged

    def close(self, params):
        """The callback ends the run's sessions."""


class TaskSession(object):
    """No controller cache (the module runs on another host): one login for the task, ended with it."""

    relogin = True

    def __init__(self, system):
        self.system = system
        self.opened = []

    def get(self, params):
        opened = self.system.open_session(params)
        self.opened.append(opened)
        return opened

    def replace(self, params, stale):
        return self.get(params), True

    def close(self, params):
        for opened in self.opened:
            try:
                self.system.end_session(params, opened.get('handle') or {})
            except ApiError:
                pass  # already gone, or expired: nothing left open


class GivenSession(object):
    """The session the user gave: used as it is, never replaced."""

    relogin = False

    def __init__(self, system, option):
        self.system, self.option = system, option

    def get(self, params):
        return self.system.given_session(params, params[self.option])

    def close(self, params):
        """The user's session stays theirs."""


def provider(system, params, cache=None, warn=None, configured_dir=None):
    option = system.REQUEST_SESSION_OPTION
    if params.get(option):
        return GivenSession(system, option)
    if cache is not None:
        return RunSessions(system, cache, warn or (lambda message: None), configured_dir)
    return TaskSession(system)


# --------------------------------------------------------------------------------------------
# The call
# --------------------------------------------------------------------------------------------
class Requester(object):
    def __init__(self, system, params, call, sessions, redact):
        self.system, self.params, self.call, self.sessions, self.redact = system, params, call, sessions, redact
        self.http = HttpClient(system.SYSTEM, system.request_root(params),
                               validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
                               timeout=params.get('timeout') or 30, redactor=redact)
        self.session = None
        self.relogged = False
        self.requests = 0

    def use(self, session):
        self.session = session
        self.redact.add(*secret_strings(session))

    def send(self, path, query, body):
        """One request with the session; one new session and one retry when the server says it is gone."""
        if self.session is None:
            self.use(self.sessions.get(self.params))
        response, data = self._send(path, query, body)
        if self.system.session_gone(response.status_code, data):
            if not self.sessions.relogin:
                raise self.http.error('the server refused the session given in %s (HTTP %s): it is ended or '
                                      'expired. Give a live one, or leave %s out to use the run\'s session.'
                                      % (self.system.REQUEST_SESSION_OPTION, response.status_code,
                                         self.system.REQUEST_SESSION_OPTION), status=response.status_code)
            fresh, relogged = self.sessions.replace(self.params, self.session)
            self.relogged = self.relogged or relogged
            self.use(fresh)
            response, data = self._send(path, query, body)
        return response, data

    def _send(self, path, query, body):
        headers, params, body = self.system.request_auth(self.params, self.session, self.call.method,
                                                         dict(self.call.headers), dict(query), body)
        self.requests += 1
        response = self.http.request(self.call.method, path, params=params or None, json_body=body,
                                     headers=headers, read_only=self.call.read)
        return response, self._decode(response, path)

    def _decode(self, response, path):
        if not (response.content or b'').strip():
            return None
        if 'json' not in response.headers.get('Content-Type', 'application/json').lower():
            return _NotJson
        try:
            return decode_json(self.http, response, path)
        except ApiError:
            return _NotJson


class _NotJsonType(object):
    """A body that is not JSON: returned as content."""


_NotJson = _NotJsonType()


def secret_strings(session):
    """Every string of a session result that authenticates: token, header and parameter values."""
    found = [session.get('token')]
    for group in ('headers', 'params'):
        for value in (session.get(group) or {}).values():
            found.append(value)
            if isinstance(value, str) and '=' in value:  # Cookie: name=value
                found.append(value.split('=', 1)[1])
            if isinstance(value, str) and ' ' in value:  # Authorization: Basic <b64>, token auth=<key>
                found.append(value.split(' ', 1)[1])
    return [str(value) for value in found if value]  # the Redactor masks every encoding of each


def redactor_for(system, params):
    redact = Redactor()
    redact.add(*[params.get(opt.name) for opt in system.OPTIONS if opt.secret])
    redact.add(params.get(system.REQUEST_SESSION_OPTION))
    return redact


def scrub(value, redact):
    """A copy of an answer with every secret masked, keys included."""
    if isinstance(value, dict):
        return dict((redact(k), scrub(v, redact)) for k, v in value.items())
    if isinstance(value, list):
        return [scrub(v, redact) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def response_headers(system, response, redact):
    """The answer's headers without those that carry or set credentials."""
    out = {}
    for name, value in response.headers.items():
        if name.lower() in DROPPED_HEADERS or name.lower() in system.AUTH_HEADERS:
            continue
        masked = redact(value)
        if masked != value:
            continue  # a header that echoes a secret is left out whole
        out[name] = value
    return out


# --------------------------------------------------------------------------------------------
# Entry point of the four modules
# --------------------------------------------------------------------------------------------
def execute(system, params, check_mode=False, warn=None, cache=None, configured_dir=None):
    """The request module's run(): the result dict, or ApiError (one sentence)."""
    call = Call(system, params)
    changed = not call.read
    if check_mode and not call.read:
        return {'changed': changed, 'sent': False, 'status': None, 'method': call.method, 'path': call.path,
                'msg': 'Check mode: %s %s was not sent (it writes); changed reports what it would do.'
                       % (call.method, call.path)}
    sessions = provider(system, params, cache, warn, configured_dir)
    redact = redactor_for(system, params)
    requester = Requester(system, params, call, sessions, redact)
    try:
        result = _pages(requester) if call.all_pages else _single(requester)
    finally:
        sessions.close(params)
    result.update(changed=changed, sent=True, method=call.method, path=call.path,
                  relogged_in=requester.relogged, requests=requester.requests)
    return scrub(result, redact)


def _single(requester):
    call = requester.call
    response, data = requester.send(call.path, call.query, call.body)
    _check_status(requester, response, data)
    result = {'status': response.status_code, 'headers': response_headers(requester.system, response, requester.redact),
              'url': safe_url(response.url or requester.http.url(call.path))}
    if data is _NotJson:
        result['content'] = response.text
    else:
        result['json'] = data
    return result


def _pages(requester):
    call, system = requester.call, requester.system
    page = system.first_page(call.path, call.query, call.body, call.page_size)
    items, pages = [], 0
    response = None
    while page is not None:
        if pages >= call.max_pages:
            raise requester.http.error('%s has more than max_pages=%d pages of %d; raise max_pages or '
                                       'page_size, or narrow the query.' % (call.path, call.max_pages, call.page_size))
        path, query, body = page
        response, data = requester.send(path, query, body)
        _check_status(requester, response, data)
        pages += 1
        got, page = system.next_page(page, response, data, call.page_size)
        items.extend(got)
    return {'status': response.status_code, 'headers': response_headers(requester.system, response, requester.redact),
            'url': safe_url(requester.http.url(call.path)), 'json': items, 'pages': pages}


def _check_status(requester, response, data):
    call, system = requester.call, requester.system
    status = response.status_code
    expected = call.expected
    ok = status in expected if expected else 200 <= status < 300
    failure = system.api_failure(status, data if data is not _NotJson else None)
    if ok and not failure:
        return
    if ok:
        raise requester.http.error('%s %s failed: %s.' % (call.method, call.path, failure), status=status)
    said = failure or _said(response, data)
    wanted = 'expected %s' % ', '.join(str(s) for s in expected) if expected else 'expected 2xx'
    raise requester.http.error('%s %s answered HTTP %s (%s)%s.'
                               % (call.method, call.path, status, wanted, ': %s' % said if said else ''), status=status)


def _said(response, data):
    if data is _NotJson or data is None:
        text = (response.text or '')[:200]
        return CONTROL.sub(' ', text).strip() if 'html' not in response.headers.get('Content-Type', '') else ''
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + '...'


class _WithCache(object):
    """A request module as the in-process action plugin runs it: run() on the controller's cache."""

    def __init__(self, module, cache, configured_dir=None):
        self.module, self.cache, self.configured_dir = module, cache, configured_dir
        self.ARGUMENT_SPEC = module.ARGUMENT_SPEC
        self.CONSTRAINTS = getattr(module, 'CONSTRAINTS', {})
        self.REVEAL = ()

    def run(self, params, check_mode=False, diff=False, warn=None):
        return self.module.run(params, check_mode=check_mode, diff=diff, warn=warn, cache=self.cache,
                               configured_dir=self.configured_dir)


def with_cache(module, cache, configured_dir=None):
    return _WithCache(module, cache, configured_dir)
