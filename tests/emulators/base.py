"""What every API emulator shares: a threaded HTTP(S) server on loopback, request parsing,
counters, runtime configuration and fault injection, all behind /_emulator/ admin endpoints.

A system emulator subclasses Emulator, sets `name`, `api_root` and `DEFAULT_CONFIG`, and
implements handle(request) -> Reply. Admin endpoints (never counted):
  GET  /_emulator/stats     counters, requests per method, live sessions, the system's summary
  POST /_emulator/reset     forget sessions and counters, restore the start configuration
  POST /_emulator/config    deep-merge a JSON object into the configuration
  POST /_emulator/faults    {"faults": [ {...}, ... ]} replace the fault list (see Fault)
  POST /_emulator/expire    expire every live session now (or {"sessions": [ids]})
  POST /_emulator/restart   the server "restarts": every session is gone, counters stay
"""

import copy
import json
import re
import socket
import ssl
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Request:
    def __init__(self, method, raw_path, headers, body, client_ip):
        parts = urlsplit(raw_path)
        self.method = method
        self.raw_path = raw_path
        self.path = parts.path
        self.query_string = parts.query
        # Last value wins, as PHP and most frameworks do.
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = headers  # email.message.Message: case-insensitive get()
        self.body = body
        self.client_ip = client_ip

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self, default=None):
        if not self.body or not self.body.strip():
            return default
        try:
            return json.loads(self.body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise BadJson()

    def cookies(self):
        jar = {}
        for part in (self.header('Cookie') or '').split(';'):
            if '=' in part:
                k, v = part.split('=', 1)
                jar[k.strip()] = v.strip()
        return jar


class BadJson(Exception):
    pass


class Reply:
    """status, body (bytes, str, or a JSON-able object), extra headers in order."""

    def __init__(self, status, body=b'', headers=None, content_type='application/json; charset=UTF-8'):
        self.status = status
        if isinstance(body, bytes):
            self.body = body
        elif isinstance(body, str):
            self.body = body.encode('utf-8')
        else:
            self.body = json.dumps(body, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
        self.headers = list(headers or [])
        self.content_type = content_type
        self.drop = False
        # A body sent piece by piece (faults drip and large): `chunks` yields bytes, `pause`
        # seconds between two pieces, `length` the Content-Length to declare (None: none, the
        # end of the body is the end of the connection).
        self.chunks = None
        self.pause = 0
        self.length = None


def json_reply(status, obj, headers=None, content_type='application/json'):
    return Reply(status, obj, headers, content_type)


HTML_PAGE = ('<!DOCTYPE html><html><head><title>{status} {reason}</title></head><body>'
             '<h1>{status} {reason}</h1><p>The proxy could not reach the application.</p></body></html>')


class Fault:
    """An injected fault. Keys: kind (latency|status|drop|html|truncated|drip|large), path (regex
    on the path, default any), method, times (how many matching requests it hits, default 1, at
    most 1000), seconds (latency; for drip the pause between two bytes), status (for status, drip
    and large), body (optional text for status and drip) and content_type (of that body, default
    text/html: what a proxy in front of the API sends).

    drip: the status line and headers at once, then the body one byte every `seconds` (at most
    4096 bytes). large: a JSON body of `size` bytes (default 100 MB, at most 1 GiB), streamed, with
    its Content-Length unless `length` is false (then the body ends with the connection)."""

    KINDS = ('latency', 'status', 'drop', 'html', 'truncated', 'drip', 'large')

    def __init__(self, spec):
        self.kind = spec.get('kind')
        if self.kind not in self.KINDS:
            raise ValueError('fault kind must be one of %s' % ', '.join(self.KINDS))
        self.path = re.compile(spec.get('path') or '.*')
        self.method = (spec.get('method') or '').upper()
        self.times = max(0, min(int(spec.get('times', 1)), 1000))
        self.seconds = min(float(spec.get('seconds', 0)), 120.0)
        self.body = spec.get('body')
        self.content_type = spec.get('content_type') or 'text/html; charset=UTF-8'
        self.size = max(2, min(int(spec.get('size', 100 * 1000 * 1000)), 1 << 30))
        self.length = spec.get('length', True) is not False
        if self.kind == 'status':
            self.status = int(spec.get('status', 503))
        else:
            self.status = int(spec.get('status', 200))

    def matches(self, request):
        return (self.times > 0 and self.path.search(request.path)
                and (not self.method or self.method == request.method))


class Emulator:
    name = 'base'
    api_root = ''
    DEFAULT_CONFIG = {}

    def __init__(self, config=None, flavour=None):
        self.lock = threading.RLock()
        self.flavour = flavour
        self.start_config = copy.deepcopy(self.DEFAULT_CONFIG)
        deep_merge(self.start_config, config or {})
        self.faults = []
        self.reset()

    # -- to implement ------------------------------------------------------------------
    def handle(self, request):
        raise NotImplementedError

    def setup(self):
        """(Re)build state from self.config: called at start, reset and config changes."""

    def forget_sessions(self):
        """Drop every session (restart)."""

    def expire_sessions(self, ids=None):
        """Make sessions expire now (all, or the given ids)."""
        self.forget_sessions()

    def live_sessions(self):
        return 0

    def summary(self):
        """System-specific state for /_emulator/stats (e.g. tokens per user)."""
        return {}

    # -- shared ----------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(self.start_config)
            self.stats = Counter()
            self.endpoints = Counter()
            self.forget_sessions()
            self.setup()

    def count(self, what, n=1):
        with self.lock:
            self.stats[what] += n

    def now(self):
        return time.time()

    def stats_body(self):
        with self.lock:
            body = dict(self.stats)
            for key in ('requests', 'logins', 'logouts'):
                body.setdefault(key, 0)
            body['live_sessions'] = self.live_sessions()
            body['endpoints'] = dict(self.endpoints)
            # Requests per HTTP method (GET, POST, ...): a check-mode run proves it wrote nothing.
            methods = Counter()
            for endpoint, number in self.endpoints.items():
                methods[endpoint.split(' ', 1)[0]] += number
            body['methods'] = dict(methods)
            body['flavour'] = self.flavour
            body.update(self.summary())
            return body

    def admin(self, request):
        action = request.path[len('/_emulator/'):].strip('/')
        if action == 'stats':
            return json_reply(200, self.stats_body())
        if request.method != 'POST':
            return json_reply(405, {'error': 'use POST'})
        try:
            data = request.json(default={}) or {}
        except BadJson:
            return json_reply(400, {'error': 'body must be JSON'})
        with self.lock:
            if action == 'reset':
                self.faults = []
                self.reset()
            elif action == 'config':
                deep_merge(self.config, data)
                self.setup()
            elif action == 'faults':
                try:
                    self.faults = [Fault(spec) for spec in data.get('faults', [])]
                except (ValueError, TypeError) as exc:
                    return json_reply(400, {'error': str(exc)})
            elif action == 'expire':
                self.expire_sessions(data.get('sessions'))
            elif action == 'restart':
                self.forget_sessions()
            else:
                return json_reply(404, {'error': 'unknown admin action %s' % action})
        return json_reply(200, self.stats_body())

    def take_fault(self, request):
        with self.lock:
            for fault in self.faults:
                if fault.matches(request):
                    fault.times -= 1
                    return fault
        return None

    def dispatch(self, request):
        if request.path.startswith('/_emulator/'):
            return self.admin(request)
        self.count('requests')
        with self.lock:
            self.endpoints['%s %s' % (request.method, request.path)] += 1
        fault = self.take_fault(request)
        if fault and fault.kind == 'latency':
            time.sleep(fault.seconds)
            fault = None
        if fault:
            return fault_reply(fault)
        return self.handle(request)


def fault_reply(fault):
    if fault.kind == 'drop':
        reply = Reply(0)
        reply.drop = True
        return reply
    if fault.kind == 'status':
        reasons = {500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
                   504: 'Gateway Timeout'}
        reason = reasons.get(fault.status, 'Error')
        body = fault.body or HTML_PAGE.format(status=fault.status, reason=reason)
        return Reply(fault.status, body, content_type=fault.content_type)
    if fault.kind == 'html':
        return Reply(200, HTML_PAGE.format(status=200, reason='Login required'), content_type='text/html')
    if fault.kind == 'drip':
        body = (fault.body or '{"session_token": "%s"}' % ('d' * 40)).encode('utf-8')[:4096]
        reply = Reply(fault.status, b'', content_type='application/json')
        reply.chunks = (body[i:i + 1] for i in range(len(body)))
        reply.pause, reply.length = fault.seconds, len(body)
        return reply
    if fault.kind == 'large':
        reply = Reply(fault.status, b'', content_type='application/json')
        reply.chunks = large_body(fault.size)
        reply.length = fault.size if fault.length else None
        if not fault.length:
            reply.headers.append(('Connection', 'close'))
        return reply
    # truncated
    return Reply(200, b'{"session_token": "abc', content_type='application/json')


def large_body(size, piece=65536):
    """A JSON string of exactly `size` bytes, in pieces: never held whole in memory."""
    yield b'"'
    left = size - 2
    while left > 0:  # bounded: `left` shrinks by at least one byte each turn
        n = min(piece, left)
        yield b'x' * n
        left -= n
    yield b'"'


def deep_merge(target, source):
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'emulator'
    sys_version = ''

    def log_message(self, fmt, *args):  # quiet: tests read counters, not logs
        pass

    def _serve(self):
        emulator = self.server.emulator
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length > 0 else b''
        request = Request(self.command, self.path, self.headers, body, self.client_address[0])
        request.scheme = 'https' if isinstance(self.connection, ssl.SSLSocket) else 'http'
        try:
            reply = emulator.dispatch(request)
        except BadJson:
            reply = Reply(400, ['ERROR_JSON_PAYLOAD_INVALID', 'JSON payload seems not valid'])
        except Exception as exc:  # an emulator bug must show, not hang the client
            reply = Reply(500, {'emulator_error': repr(exc)})
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response_only(reply.status)
        self.send_header('Date', formatdate(usegmt=True))
        names = {header[0].lower() for header in reply.headers}
        for name, value in reply.headers:
            self.send_header(name, value)
        if 'content-type' not in names and reply.content_type and (reply.body or reply.status != 204):
            self.send_header('Content-Type', reply.content_type)
        if reply.chunks is None or reply.length is not None:
            self.send_header('Content-Length', str(len(reply.body) if reply.chunks is None else reply.length))
        if 'connection' in names and dict((n.lower(), v) for n, v in reply.headers)['connection'] == 'close':
            self.close_connection = True
        self.end_headers()
        if self.command == 'HEAD':
            return
        if reply.chunks is None:
            self.wfile.write(reply.body)
            return
        self.close_connection = True
        self.wfile.flush()
        for chunk in reply.chunks:  # bounded: drip and large bodies have a bounded size
            try:
                self.wfile.write(chunk)
                self.wfile.flush()
            except OSError:  # the client gave up: what the fault is there to show
                return
            if reply.pause:
                time.sleep(reply.pause)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator, host='127.0.0.1', port=0, ssl_context=None):
        super().__init__((host, port), _Handler)
        self.emulator = emulator
        self.scheme = 'http'
        if ssl_context is not None:
            # The handshake happens in the handler thread, so one bad client cannot stall accept().
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True,
                                                  do_handshake_on_connect=False)
            self.scheme = 'https'

    def handle_error(self, request, client_address):
        # Clients that drop the connection or fail the TLS handshake are part of the tests.
        pass

    @property
    def root(self):
        host, port = self.server_address[:2]
        return '%s://%s:%s' % (self.scheme, host, port)

    @property
    def url(self):
        return self.root + self.emulator.api_root

    def start(self):
        thread = threading.Thread(target=self.serve_forever, name='emulator-%s' % self.emulator.name,
                                  daemon=True)
        thread.start()
        return self


def tls_context(ca_dir):
    """A server TLS context from a test CA made with trustme; writes ca.pem into ca_dir."""
    import os
    import trustme
    os.makedirs(ca_dir, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert('127.0.0.1', 'localhost')
    ca.cert_pem.write_to_path(os.path.join(ca_dir, 'ca.pem'))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx, os.path.join(ca_dir, 'ca.pem')
