# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP core every system client of this collection is built on.

It owns what is common to the four APIs: URL joining, timeouts, TLS settings,
bounded retries of read-only calls, tolerant JSON decoding, one error type, and
redaction so that no secret ever reaches a message. It also holds the table
format in which each system declares its connection options once, for the
modules (argument_spec with env fallbacks) and for the lookup (same names).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import time

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the import sanity test
    from urlparse import urlsplit, urlunsplit  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the controller
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible.module_utils.basic import env_fallback, missing_required_lib

MASK = '********'


# --------------------------------------------------------------------------------------------
# Connection options, declared once per system
# --------------------------------------------------------------------------------------------
class Option(object):
    """One connection option: the single declaration modules and the lookup build from."""

    def __init__(self, name, type='str', secret=False, default=None, choices=None, help=''):
        self.name = name
        self.type = type
        self.secret = secret
        self.default = default
        self.choices = choices
        self.help = help

    def env(self, prefix):
        return '%s_%s' % (prefix, self.name.upper())


COMMON_OPTIONS = (
    Option('url', help='Base URL of the server.'),
    Option('validate_certs', type='bool', default=True, help='Verify the server TLS certificate.'),
    Option('ca_path', type='path', help='CA bundle (PEM) to verify the server certificate with.'),
    Option('timeout', type='float', default=30, help='Seconds to wait for each HTTP answer.'),
)


def argument_spec(prefix, options):
    """AnsibleModule argument_spec for a table of options: secrets no_log, env fallbacks."""
    spec = {}
    for opt in options:
        entry = {'type': opt.type, 'fallback': (env_fallback, [opt.env(prefix)])}
        if opt.default is not None:
            entry['default'] = opt.default
        if opt.choices:
            entry['choices'] = list(opt.choices)
        if opt.secret:
            entry['no_log'] = True
        spec[opt.name] = entry
    return spec


def secret_option_names(options):
    return [opt.name for opt in options if opt.secret]


# --------------------------------------------------------------------------------------------
# Errors and redaction
# --------------------------------------------------------------------------------------------
class ApiError(Exception):
    """A failure a user must act on: one sentence, naming the system and never a secret."""

    def __init__(self, system, message, status=None, code=None, url=None):
        super(ApiError, self).__init__(message)
        self.system = system
        self.message = message
        self.status = status
        self.code = code
        self.url = url

    def __str__(self):
        return self.message

    def as_result(self):
        result = {'msg': self.message}
        if self.status is not None:
            result['status'] = self.status
        if self.code is not None:
            result['error_code'] = self.code
        return result


class Redactor(object):
    """Replaces every registered secret (and its base64/quoted forms) with a mask."""

    def __init__(self):
        self._secrets = set()

    def add(self, *values):
        for value in values:
            if value is None:
                continue
            value = str(value)
            # Very short values would mask ordinary words; they are still never sent in text.
            if len(value) >= 3:
                self._secrets.add(value)

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def safe_url(url, limit=200):
    """The URL as it may be shown: no user info, no query string (query credentials live there),
    at most `limit` characters. Never raises: it also describes URLs that are wrong."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return '<invalid URL>'
    # Host and port as written, without user info (parts.port would raise on a bad port).
    netloc = parts.netloc.rpartition('@')[2]
    text = urlunsplit((parts.scheme, netloc, parts.path, '', ''))
    return text if len(text) <= limit else text[:limit] + '...'


def check_base_url(system, url, path_suffix=None, root_only=False, example=None):
    """Refuse, before any request, a URL the system cannot be reached at.

    path_suffix: the path the URL must end with (ITSM-NG: /apirest.php).
    root_only: the URL must be the server root (BlueCat, SAYMON, IPCortex add their own paths).
    """
    hint = ' (for example %s)' % example if example else ''
    if not url or not isinstance(url, str) or not url.strip():
        raise ApiError(system, '%s: no url was given; set url or the environment variable%s.' % (system, hint))
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ApiError(system, '%s: url %r is not a valid URL%s.' % (system, safe_url(url), hint))
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ApiError(system, '%s: url must start with https:// or http:// and name a host%s; got %r.'
                       % (system, hint, safe_url(url)))
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ApiError(system, '%s: url must carry no credentials, query string or fragment%s; '
                               'give credentials with their own options.' % (system, hint))
    path = parts.path.rstrip('/')
    if path_suffix and not path.endswith(path_suffix):
        raise ApiError(system, '%s: url must be the API root ending in %s%s; got %s.'
                       % (system, path_suffix, hint, safe_url(url)))
    if root_only and path:
        raise ApiError(system, '%s: url must be the server root without a path%s; got %s '
                               '(the collection adds the API path itself).' % (system, hint, safe_url(url)))
    return urlunsplit((parts.scheme, parts.netloc, path, '', ''))


# --------------------------------------------------------------------------------------------
# The HTTP client
# --------------------------------------------------------------------------------------------
_SSL_REASON = re.compile(r"(certificate verify failed[^'\")\]]*|hostname '[^']*' doesn't match[^'\")]*|"
                         r"wrong version number|unknown protocol|tlsv1 alert[^'\")]*|"
                         r"self[- ]signed certificate[^'\")]*|certificate has expired)", re.I)


class HttpClient(object):
    """requests.Session with the collection's rules. One per module run or lookup call."""

    def __init__(self, system, base_url, validate_certs=True, ca_path=None, timeout=30,
                 retries=2, backoff=0.5, redactor=None):
        if not HAS_REQUESTS:
            raise ApiError(system, missing_required_lib('requests'))
        self.system = system
        self.base_url = base_url.rstrip('/')
        self.timeout = 30.0 if timeout is None else float(timeout)
        if self.timeout <= 0:
            raise ApiError(system, '%s: timeout must be a positive number of seconds.' % system)
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.redact = redactor or Redactor()
        self.warnings = []
        self.session = requests.Session()
        if not validate_certs:
            self.session.verify = False
            self.warnings.append('%s: TLS certificate verification is off for %s; the connection can be '
                                 'intercepted. Prefer ca_path with your CA bundle.' % (system, safe_url(self.base_url)))
            try:  # one warning from us, not one per request from urllib3
                import urllib3
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except Exception:  # pragma: no cover
                pass
        elif ca_path:
            if not os.path.exists(ca_path):  # requests would raise a bare OSError at the first request
                raise ApiError(system, '%s: ca_path %s does not exist; give the PEM file of the CA that signed '
                                       'the server certificate.' % (system, ca_path[:200]))
            self.session.verify = ca_path
        self.requests_made = 0

    def url(self, path):
        return '%s/%s' % (self.base_url, path.lstrip('/'))

    def error(self, message, status=None, code=None):
        return ApiError(self.system, self.redact(message), status=status, code=code, url=safe_url(self.base_url))

    def request(self, method, path, params=None, json_body=None, data=None, headers=None,
                read_only=False, allow_redirects=False):
        """Send one request; retry connection errors and 5xx only when read_only.

        Returns the requests.Response whatever its status: each system decides what its
        statuses mean. Raises ApiError for what never reached an HTTP answer.
        """
        url = self.url(path)
        where = safe_url(url)
        attempts = 1 + (self.retries if read_only else 0)
        send_headers = {'Accept': 'application/json'}
        send_headers.update(headers or {})
        # verify per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override
        # Session.verify, which would silently ignore ca_path wherever those are set.
        kwargs = dict(params=params, headers=send_headers, timeout=self.timeout,
                      allow_redirects=allow_redirects, verify=self.session.verify)
        if json_body is not None:
            kwargs['data'] = json.dumps(json_body)
            send_headers.setdefault('Content-Type', 'application/json')
        elif data is not None:
            kwargs['data'] = data
        last = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.backoff * (2 ** (attempt - 1)), 5.0))
            self.requests_made += 1
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.exceptions.SSLError as exc:
                found = _SSL_REASON.search(str(exc))
                reason = re.sub(r'\s*\(_ssl\.c:\d+$', '', found.group(1)) if found else 'certificate or protocol error'
                raise self.error('%s: TLS failure talking to %s: %s. Give the CA that signed the server '
                                 'certificate with ca_path, or fix the URL; validate_certs=false only for tests.'
                                 % (self.system, where, reason))
            except requests.exceptions.Timeout:
                raise self.error('%s: no answer from %s within %s seconds (timeout). Check that the server is '
                                 'up and reachable, or raise timeout.' % (self.system, where, _num(self.timeout)))
            except requests.exceptions.ConnectionError as exc:
                last = self.error('%s: cannot connect to %s (%s). Check the url, the port and that the '
                                  'server is running.' % (self.system, where, _connection_reason(exc)))
                continue
            except requests.exceptions.RequestException as exc:
                raise self.error('%s: request to %s failed: %s.' % (self.system, where, type(exc).__name__))
            response.attempts = attempt + 1
            if response.status_code >= 500 and attempt + 1 < attempts:
                last = response
                continue
            if response.status_code in (301, 302, 303, 307, 308):
                raise self.error('%s: %s redirects to %s; set url to the final address (https?).'
                                 % (self.system, where, safe_url(response.headers.get('Location', '?'))),
                                 status=response.status_code)
            return response
        if isinstance(last, ApiError):
            if attempts > 1:
                last.message = '%s (tried %d times)' % (last.message, attempts)
            raise last
        return last


def _num(value):
    return ('%f' % value).rstrip('0').rstrip('.')


def _connection_reason(exc):
    text = str(exc)
    for needle, reason in (('Connection refused', 'connection refused'),
                           ('Name or service not known', 'unknown host name'),
                           ('nodename nor servname', 'unknown host name'),
                           ('Temporary failure in name resolution', 'host name lookup failed'),
                           ('RemoteDisconnected', 'the server closed the connection without answering'),
                           ('Connection reset', 'connection reset by the server'),
                           ('Connection aborted', 'connection dropped by the server'),
                           ('No route to host', 'no route to host')):
        if needle in text:
            return reason
    return 'connection failed'


def decode_json(client, response, what):
    """The JSON of an answer; None for an empty body; a clear error for HTML or broken JSON."""
    body = response.content or b''
    if response.status_code >= 500 and not body.strip().startswith((b'[', b'{')):
        tried = getattr(response, 'attempts', 1)
        raise client.error('%s: %s answered HTTP %s to %s%s: the server, or a proxy in front of it, failed. '
                           'Try again later; if it lasts, check the server and its proxy.'
                           % (client.system, safe_url(response.url or client.base_url), response.status_code,
                              what, ' (tried %d times)' % tried if tried > 1 else ''),
                           status=response.status_code)
    if not body.strip():
        return None
    try:
        return json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        ctype = response.headers.get('Content-Type', 'no content type')
        kind = 'an HTML page' if b'<html' in body[:512].lower() or 'html' in ctype else 'data that is not valid JSON'
        raise client.error('%s: %s answered %s (HTTP %s, %s) instead of JSON to %s. Is url the API address, '
                           'and is no proxy or login page in the way?'
                           % (client.system, safe_url(response.url or client.base_url), kind,
                              response.status_code, ctype.split(';')[0], what),
                           status=response.status_code)
