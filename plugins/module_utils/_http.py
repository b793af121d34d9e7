# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP core every system client of this collection is built on.

It owns what is common to the four APIs: URL checks, one deadline per request, a cap on the
size of an answer, TLS settings, bounded retries of read-only calls, tolerant JSON decoding,
one error type, and redaction so that no secret reaches a message in any encoding. It also
holds the table format in which each system declares its connection options once, for the
modules (argument_spec with env fallbacks) and for the lookup (same names).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import html
import http.client
import json
import math
import os
import re
import time
import zlib
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

try:
    import requests
    import urllib3  # always installed with requests
    HAS_REQUESTS = True
except ImportError:  # pragma: no cover - depends on the controller
    requests = urllib3 = None
    HAS_REQUESTS = False

from ansible.module_utils.basic import env_fallback, missing_required_lib

MASK = '********'

# No answer of the four APIs comes near this; a larger one is a wrong URL or a hostile server,
# and is never read whole.
MAX_BODY = 4 * 1024 * 1024
# timeout is the total time of one request: more than an hour is a mistake, and much larger
# values overflow the socket layer.
MAX_TIMEOUT = 3600
# What a message shows of a value the user gave (a 100,000-character id stays a short sentence).
SHOWN = 80
# Secrets up to this length are masked in any mix of encodings, character by character; longer
# ones (no real password or token is) in each whole-string encoding, which stays fast.
MIXED_LIMIT = 256


# --------------------------------------------------------------------------------------------
# Connection options, declared once per system
# --------------------------------------------------------------------------------------------
class Option(object):
    """One connection option: the single declaration modules and the lookup build from.
    Its documentation is the system's doc fragment (plugins/doc_fragments/<system>.py)."""

    def __init__(self, name, type='str', secret=False, default=None, choices=None):
        self.name = name
        self.type = type
        self.secret = secret
        self.default = default
        self.choices = choices

    def env(self, prefix):
        return '%s_%s' % (prefix, self.name.upper())


COMMON_OPTIONS = (
    Option('url'),
    Option('validate_certs', type='bool', default=True),
    Option('ca_path', type='path'),
    Option('timeout', type='float', default=30),
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


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
class ApiError(Exception):
    """A failure a user must act on: one sentence, prefixed with the system's name, never a secret.

    warnings: sentences the user must see with the error (for example that TLS verification
    was off while credentials went out); the HTTP client attaches its own to every error.
    """

    def __init__(self, system, message, status=None, code=None, url=None, warnings=None):
        message = str(message)
        if system and not message.startswith((system + ':', system + ' ')):
            message = '%s: %s' % (system, message)
        super(ApiError, self).__init__(message)
        self.system = system
        self.message = message
        self.status = status
        self.code = code
        self.url = url
        self.warnings = list(warnings or ())

    def __str__(self):
        return self.message

    def as_result(self):
        result = {'msg': self.message}
        if self.status is not None:
            result['status'] = self.status
        if self.code is not None:
            result['error_code'] = self.code
        return result


def shorten(value, limit=SHOWN):
    """A value the user gave, as a message may show it: at most `limit` characters."""
    text = str(value)
    if len(text) <= limit:
        return text
    return '%s... (%d characters)' % (text[:limit], len(text))


def check_timeout(system, value, option='timeout'):
    """The timeout as seconds (float): refuse what is not a number in (0, MAX_TIMEOUT]."""
    number = None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = None
    if number is None or math.isnan(number) or not 0 < number <= MAX_TIMEOUT:
        raise ApiError(system, '%s must be a number of seconds above 0 and at most %d (the total time one request '
                               'may take); got %s.' % (option, MAX_TIMEOUT, shorten(value, 40)))
    return number


def header_problem(value):
    """Why a value cannot be sent in an HTTP header, or None."""
    text = str(value)
    if text[:1] in (' ', '\t'):
        return 'it starts with a space'
    for char in text:
        code = ord(char)
        if char in '\r\n':
            return 'it holds a line break'
        if code < 32 or code == 127:
            return 'it holds a control character'
        if code > 255:
            return 'it holds a character outside Latin-1 (U+%04X)' % code
    return None


def check_header_value(system, option, value):
    """Refuse, naming the option and never showing the value, what cannot go into a header."""
    if value is None:
        return value
    problem = header_problem(value)
    if problem:
        raise ApiError(system, '%s cannot be sent in an HTTP header: %s; check the value (a copy and paste '
                               'error?).' % (option, problem))
    return value


# --------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------
_JSON_SHORT = {'"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r',
               '\t': '\\t'}
_HTML_NAMED = {'&': ('&amp;',), '<': ('&lt;',), '>': ('&gt;',), '"': ('&quot;',), "'": ('&apos;',),
               '/': ('&sol;',), '=': ('&equals;',), '+': ('&plus;',), '#': ('&num;',), '?': ('&quest;',),
               '%': ('&percnt;',), ':': ('&colon;',), '@': ('&commat;',), ' ': ('&nbsp;',)}
_URLSAFE = {ord('+'): '-', ord('/'): '_'}


def _hex(number, width=None):
    """Regex for `number` in hexadecimal, either case, optional leading zeros unless width."""
    digits = '%x' % number
    digits = digits.rjust(width, '0') if width else digits
    pattern = ''.join('[%s%s]' % (d, d.upper()) if d.isalpha() else d for d in digits)
    return pattern if width else '0*' + pattern


def _char_forms(char):
    """Every way a server may echo one character: literal, URL-encoded (once or twice, either
    hex case, '+' for a space), HTML entity (named, decimal, hex) and JSON escape."""
    code = ord(char)
    forms = [re.escape(char), ''.join('%%(?:25)?%s' % _hex(byte, 2) for byte in char.encode('utf-8')),
             '&#0*%d;?' % code, '&#[xX]%s;?' % _hex(code)]
    if char == ' ':
        forms.append(r'\+')
    forms.extend(re.escape(name) for name in _HTML_NAMED.get(char, ()))
    if char in _JSON_SHORT:
        forms.append(re.escape(_JSON_SHORT[char]))
    if char == '"':  # JSON-escaped, then HTML-escaped
        forms.append(r'\\(?:&quot;|&#0*34;?|&#[xX]0*22;?)')
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(r'\\[uU]%s\\[uU]%s' % (_hex(high, 4), _hex(low, 4)))
    else:
        forms.append(r'\\[uU]%s' % _hex(code, 4))
    return '(?:%s)' % '|'.join(forms)


def _whole_forms(value):
    """The usual encodings of the whole value, for values too long for the per-character pattern."""
    encoded = quote(value, safe='')
    forms = set([value, encoded, re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), encoded), quote(value),
                 quote_plus(value), html.escape(value), html.escape(value, quote=False),
                 json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]])
    return forms | _base64_forms(value)


def _base64_forms(value):
    """base64 of the value, alone or inside a larger encoded string (Basic user:secret, a token
    in a blob) at each of the three byte alignments; standard and URL-safe alphabets."""
    raw = value.encode('utf-8')
    forms = set([base64.b64encode(raw).decode('ascii')])
    for shift in range(3):
        encoded = base64.b64encode(b'\0' * shift + raw).decode('ascii').rstrip('=')
        # Leave out the characters that also depend on the bytes before or after the value.
        end = len(encoded) - (1 if (shift + len(raw)) % 3 else 0)
        core = encoded[(0, 2, 3)[shift]:end]
        if len(core) >= 6:
            forms.add(core)
    return forms | set(form.translate(_URLSAFE) for form in forms)


class Redactor(object):
    """Replaces every registered secret with a mask, in every encoding a server or proxy could
    echo it in: literal, URL-encoded, HTML-escaped, JSON-escaped (and any mix of these, character
    by character), base64 (of the value, and of the value inside user:value)."""

    def __init__(self):
        self._secrets = set()
        self._pattern = None
        self._long = set()

    def add(self, *values):
        for value in values:
            if value is None:
                continue
            value = str(value)
            # Very short values would mask ordinary words; they are still never sent in text.
            if len(value) >= 3 and value not in self._secrets:
                self._secrets.add(value)
                self._pattern = None

    def _compiled(self):
        if self._pattern is None:
            parts, self._long = [], set()
            for secret in sorted(self._secrets, key=len, reverse=True):
                if len(secret) > MIXED_LIMIT:
                    self._long |= _whole_forms(secret)
                    continue
                parts.extend(re.escape(form) for form in sorted(_base64_forms(secret), key=len, reverse=True))
                parts.append(''.join(_char_forms(char) for char in secret))
            self._pattern = re.compile('|'.join(parts)) if parts else False
        return self._pattern

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        pattern = self._compiled()
        for form in sorted(self._long, key=len, reverse=True):
            text = text.replace(form, MASK)
        return pattern.sub(MASK, text) if pattern else text


# --------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------
def _without_user_info(url):
    """The URL with everything between '://' and the last '@' removed (user info, whatever
    characters a password holds: '/', '?', '#')."""
    scheme, sep, rest = url.partition('://')
    if not sep:
        return url.rpartition('@')[2] if '@' in url else url
    return scheme + sep + rest.rpartition('@')[2]


def mask_user_info(url):
    """The URL as given, with whatever precedes the last '@' of it masked: for echoing an option
    value (a url that will be refused, or not) without the password it may hold."""
    if not isinstance(url, str) or '@' not in url:
        return url
    scheme, sep, rest = url.partition('://')
    return (scheme + sep if sep else '') + MASK + '@' + rest.rpartition('@')[2]


def safe_url(url, limit=200):
    """The URL as it may be shown: no user info, no query string (query credentials live there),
    at most `limit` characters. Never raises: it also describes URLs that are wrong."""
    try:
        parts = urlsplit(_without_user_info(str(url)))
    except ValueError:
        return '<invalid URL>'
    text = urlunsplit((parts.scheme, parts.netloc, parts.path, '', ''))
    return text if len(text) <= limit else text[:limit] + '...'


def _split_url(system, url, hint, env):
    """(url, its parts) for a URL that is given, holds no user info and parses."""
    if not url or not isinstance(url, str) or not url.strip():
        where = ' or the environment variable %s' % env if env else ''
        raise ApiError(system, 'no url was given; set url%s%s.' % (where, hint))
    url = url.strip()
    # Before any parsing: a password may hold '/', '?' or '#', which would make a parser take
    # part of it for the host or the path, and show it.
    if '@' in url:
        raise ApiError(system, 'url must carry no user name or password (nothing before an "@")%s; give '
                               'credentials with their own options.' % hint)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ApiError(system, 'url %r is not a valid URL%s.' % (safe_url(url), hint))
    return url, parts


def check_base_url(system, url, path_suffix=None, root_only=False, example=None, env=None):
    """Refuse, before any request, a URL the system cannot be reached at.

    path_suffix: the path the URL must end with (ITSM-NG: /apirest.php).
    root_only: the URL must be the server root (BlueCat, SAYMON, IPCortex add their own paths).
    env: the environment variable url may come from, named when url is missing.
    """
    hint = ' (for example %s)' % example if example else ''
    url, parts = _split_url(system, url, hint, env)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ApiError(system, 'url must start with https:// or http:// and name a host%s; got %r.'
                       % (hint, safe_url(url)))
    if parts.query or parts.fragment:
        raise ApiError(system, 'url must carry no credentials, query string or fragment%s; '
                               'give credentials with their own options.' % hint)
    path = parts.path.rstrip('/')
    if path_suffix and not path.endswith(path_suffix):
        raise ApiError(system, 'url must be the API root ending in %s%s; got %s.'
                       % (path_suffix, hint, safe_url(url)))
    if root_only and path:
        raise ApiError(system, 'url must be the server root without a path%s; got %s '
                               '(the collection adds the API path itself).' % (hint, safe_url(url)))
    return urlunsplit((parts.scheme, parts.netloc, path, '', ''))


# --------------------------------------------------------------------------------------------
# The HTTP client
# --------------------------------------------------------------------------------------------
_SSL_REASON = re.compile(r"(certificate verify failed(?::[^\"\n]*?)?|hostname '[^']*' doesn't match[^\"\n]*?|"
                         r"wrong version number|unknown protocol|tlsv1 alert[^'\")]*|"
                         r"self[- ]signed certificate[^'\")]*|certificate has expired)"
                         r"(?=\.? \(_ssl\.c:\d+\)|\"|\)|$)", re.I)
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 65536


class _Broken(Exception):
    """The connection failed after the request went out: retried like a connection error."""


def tls_reason(exc):
    found = _SSL_REASON.search(str(exc))
    return found.group(1).strip() if found else 'certificate or protocol error'


class HttpClient(object):
    """requests.Session with the collection's rules. One per module run or lookup call."""

    def __init__(self, system, base_url, validate_certs=True, ca_path=None, timeout=30,
                 retries=2, backoff=0.5, redactor=None):
        if not HAS_REQUESTS:
            raise ApiError(system, missing_required_lib('requests'))
        self.system = system
        self.base_url = base_url.rstrip('/')
        self.timeout = check_timeout(system, 30 if timeout is None else timeout)
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.redact = redactor or Redactor()
        self.warnings = []
        self.session = requests.Session()
        if not validate_certs:
            self.session.verify = False
            self.warnings.append('%s: TLS certificate verification is off for %s; the connection can be '
                                 'intercepted. Prefer ca_path with your CA bundle.' % (system, safe_url(self.base_url)))
            # one warning from us, not one per request from urllib3
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        elif ca_path:
            if not os.path.exists(ca_path):  # requests would raise a bare OSError at the first request
                raise ApiError(system, 'ca_path %s does not exist; give the PEM file of the CA that signed '
                                       'the server certificate.' % shorten(ca_path, 200))
            self.session.verify = ca_path

    def url(self, path):
        return '%s/%s' % (self.base_url, path.lstrip('/'))

    def error(self, message, status=None, code=None):
        """An ApiError of this client: redacted, with the client's warnings attached."""
        return ApiError(self.system, self.redact(message), status=status, code=code, url=safe_url(self.base_url),
                        warnings=self.warnings)

    def request(self, method, path, params=None, json_body=None, data=None, headers=None,
                read_only=False, allow_redirects=False):
        """Send one request; retry connection errors and 5xx only when read_only.

        `timeout` bounds each try as a whole (connecting, waiting, reading the body), and a
        timeout is never retried. Returns the requests.Response, its body read (at most
        MAX_BODY bytes), whatever its status: each system decides what its statuses mean.
        Raises ApiError for what never reached a complete HTTP answer.
        """
        url = self.url(path)
        where = safe_url(url)
        attempts = 1 + (self.retries if read_only else 0)
        # identity: the body is read by this client under its size cap, not inflated by urllib3
        send_headers = {'Accept': 'application/json', 'Accept-Encoding': 'identity'}
        send_headers.update(headers or {})
        self._check_headers(send_headers)
        # verify per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override
        # Session.verify, which would silently ignore ca_path wherever those are set.
        kwargs = dict(params=params, headers=send_headers, allow_redirects=allow_redirects,
                      verify=self.session.verify)
        if json_body is not None:
            kwargs['data'] = json.dumps(json_body)
            send_headers.setdefault('Content-Type', 'application/json')
        elif data is not None:
            kwargs['data'] = data
        last = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.backoff * (2 ** (attempt - 1)), 5.0))
            try:
                response = self._attempt(method, url, kwargs, where)
            except _Broken as exc:
                last = exc.args[0]
                continue
            response.attempts = attempt + 1
            if response.status_code >= 500 and attempt + 1 < attempts:
                last = response
                continue
            return response
        if isinstance(last, ApiError):
            if attempts > 1:
                last.message = '%s (tried %d times)' % (last.message, attempts)
            raise last
        return last

    def _check_headers(self, headers):
        for name, value in headers.items():
            problem = header_problem(value) if isinstance(value, str) else None
            if problem:
                raise self.error('the %s header cannot be sent: %s; check the option that gives it.'
                                 % (name, problem))

    def _attempt(self, method, url, kwargs, where):
        """One try under one deadline: the response with its body read."""
        deadline = time.monotonic() + self.timeout
        try:
            response = self.session.request(method, url, stream=True, timeout=(self.timeout, self.timeout), **kwargs)
        except requests.exceptions.SSLError as exc:
            raise self.error('TLS failure talking to %s: %s. Give the CA that signed the server certificate with '
                             'ca_path, or fix the URL; validate_certs=false only for tests.' % (where, tls_reason(exc)))
        except requests.exceptions.Timeout:
            raise self.timeout_error(where)
        except requests.exceptions.ConnectionError as exc:
            raise _Broken(self.error('cannot connect to %s (%s). Check the url, the port and that the server is '
                                     'running.' % (where, _connection_reason(exc))))
        except requests.exceptions.RequestException as exc:
            raise self.error('request to %s failed: %s.' % (where, type(exc).__name__))
        try:
            if response.status_code in _REDIRECTS:
                raise self.error('%s redirects to %s; set url to the final address (https?).'
                                 % (where, safe_url(response.headers.get('Location', '?'))),
                                 status=response.status_code)
            body = self._read_body(response, deadline, where)
        except BaseException:
            response.close()
            raise
        response._content = body
        response._content_consumed = True
        response.close()  # the body is complete: the connection goes back to the pool
        return response

    def timeout_error(self, where, body=False):
        what = 'no complete answer' if body else 'no answer'
        return self.error('%s from %s within %s seconds (timeout). Check that the server is up and reachable, or '
                          'raise timeout.' % (what, where, _num(self.timeout)))

    def _read_body(self, response, deadline, where):
        """The body, read piece by piece as it arrives, until the deadline and MAX_BODY bytes."""
        declared = (response.headers.get('Content-Length') or '').strip()
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise self._too_large(response, where)
        raw = response.raw
        # http.client's read1 returns what has arrived; urllib3's read(n) would wait for n bytes.
        raw_fp = getattr(raw, '_fp', None)
        read = getattr(raw_fp, 'read1', None) or raw.read
        sock = getattr(getattr(raw, '_connection', None), 'sock', None)
        chunks, size = [], 0
        while True:  # bounded: every turn reads at least one byte or ends, before the deadline
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.timeout_error(where, body=True)
            if sock is not None:
                sock.settimeout(left)
            chunk = self._read_chunk(read, where)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY:
                raise self._too_large(response, where)
            chunks.append(chunk)
            if getattr(raw_fp, 'length', None) == 0:
                # Python before 3.12 does not mark a fully read response done in read1 (later ones
                # do), and the next request on this kept-alive connection would fail.
                if raw_fp.fp is not None:
                    raw_fp._close_conn()
                break
        if sock is not None:  # the connection goes back to the pool: not with what was left
            sock.settimeout(self.timeout)
        return _decoded(self, b''.join(chunks), response, where)

    def _read_chunk(self, read, where):
        try:
            return read(_CHUNK)
        except (OSError, http.client.HTTPException, requests.exceptions.RequestException,
                urllib3.exceptions.HTTPError) as exc:
            if _is_timeout(exc):
                raise self.timeout_error(where, body=True)
            raise _Broken(self.error('the connection to %s broke while the answer was read (%s). Check the server '
                                     'and any proxy in front of it.' % (where, type(exc).__name__)))

    def _too_large(self, response, where):
        return self.error('%s answered more than %d MiB (HTTP %s); no answer of the API is that large: check that '
                          'url is the API address and that no proxy is in the way.'
                          % (where, MAX_BODY // (1024 * 1024), response.status_code), status=response.status_code)


def _is_timeout(exc):
    return isinstance(exc, TimeoutError) or 'timed out' in str(exc).lower() or 'Timeout' in type(exc).__name__


def _decoded(client, body, response, where):
    """The body as sent if the server ignored Accept-Encoding: identity, inflated under the cap."""
    encoding = (response.headers.get('Content-Encoding') or '').strip().lower()
    if encoding not in ('gzip', 'x-gzip', 'deflate') or not body:
        return body
    try:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        data = inflater.decompress(body, MAX_BODY + 1)
    except zlib.error:
        try:
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, MAX_BODY + 1)
        except zlib.error:
            raise client.error('%s answered a %s body that does not decompress.' % (where, encoding),
                               status=response.status_code)
    if len(data) > MAX_BODY:
        raise client._too_large(response, where)
    return data


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
        raise client.error('%s answered HTTP %s to %s%s: the server, or a proxy in front of it, failed. '
                           'Try again later; if it lasts, check the server and its proxy.'
                           % (safe_url(response.url or client.base_url), response.status_code,
                              what, ' (tried %d times)' % tried if tried > 1 else ''),
                           status=response.status_code)
    if not body.strip():
        return None
    try:
        return json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        ctype = response.headers.get('Content-Type', 'no content type')
        kind = 'an HTML page' if b'<html' in body[:512].lower() or 'html' in ctype else 'data that is not valid JSON'
        raise client.error('%s answered %s (HTTP %s, %s) instead of JSON to %s. Is url the API address, '
                           'and is no proxy or login page in the way?'
                           % (safe_url(response.url or client.base_url), kind,
                              response.status_code, ctype.split(';')[0], what),
                           status=response.status_code)
