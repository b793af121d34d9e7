# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run-scoped session cache shared by the token lookup and the session_cleanup callback.

One ansible-playbook run = one private directory, the same for the controller process and every
worker it forks, different for the next run:

    <base>/run-<pid>-<stamp>/          0700  pid: the controller (ansible-playbook) process
        salt                           0600  random, keys the HMAC of the credentials
        <key>.lock                     0600  flock: one login per key, whatever the forks
        <key>.json                     0600  what reuse and cleanup need: short-lived tokens only

Why the controller pid: Ansible forks every worker (one per task and host) from the controller
process with multiprocessing, so in a worker multiprocessing.parent_process() is the controller
and in the controller there is no parent. That holds for every fork and every lookup call,
needs nothing set up beforehand (the lookup works without the callback), and the callback,
which runs in the controller, finds the same directory. <stamp> adds the process start time and
the boot id so that a recycled pid never meets an old directory.

<key> is sha256 of the system, the url, the public identity (username, user_id...) and an HMAC,
with the run's random salt, of the long-lived secrets: a file name says nothing about a secret
and cannot be used to guess a password offline. Long-lived secrets (password, user token,
App-Token, API key) are never written: where a login answer or a handle contains one (ITSM-NG
headers carry the App-Token, an IPCortex Auth Key is its own token), the value is stored as a
reference to the option and put back from the caller's options on reuse.

The callback needs those secrets again to end some sessions (ITSM-NG killSession wants the
App-Token, SAYMON deletes a token with Basic credentials). They travel in memory: the callback
opens a pipe in the controller before any worker is forked; a worker that logs in writes the
secrets of that login to the pipe (one atomic write) and the callback keeps them in memory
until it ends the sessions. Failing that, the callback reads the <SYSTEM>_<OPTION> environment
variables (how AWX injects credentials).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import hashlib
import hmac
import json
import multiprocessing
import os
import select
import shutil
import stat
import subprocess
import time
import uuid

from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError, Redactor

ENV_CACHE_DIR = 'APIAUTH_SESSIONS_CACHE_DIR'
# Options that change how a session is reached, not whose session it is.
NOT_IDENTITY = frozenset(('validate_certs', 'ca_path', 'timeout', 'credentials_in', 'api_key_transport'))
RESULT_FIELDS = ('token', 'headers', 'params', 'full', 'expires_at')
_SECRET_REF = '$apiauth_secret'
_TEMPLATE = '$apiauth_template'
_FORMAT = 1


class CacheError(Exception):
    """The cache cannot be used safely (ownership, permissions, lock timeout): one sentence."""


def connection_options(system):
    return SYSTEMS[system].OPTIONS


def secret_values(system, params):
    """{option name: value} of the long-lived secrets given for this system."""
    return dict((o.name, params[o.name]) for o in connection_options(system)
                if o.secret and params.get(o.name) not in (None, ''))


def public_options(system, params):
    """The non-secret option values: what the callback may keep on disk to end a session."""
    return dict((o.name, params.get(o.name)) for o in connection_options(system) if not o.secret)


# --------------------------------------------------------------------------------------------
# The run directory
# --------------------------------------------------------------------------------------------
def run_owner():
    """pid of the controller process of this run (see the module docstring)."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def process_stamp(pid):
    """What tells this process apart from an earlier one with the same pid; None if it is gone."""
    stat_line = _read('/proc/%d/stat' % pid)
    if stat_line is not None:
        started = stat_line.rsplit(')', 1)[-1].split()[19]  # field 22: start time in clock ticks
        boot = (_read('/proc/sys/kernel/random/boot_id') or '').strip()
    elif os.path.isdir('/proc/self'):
        return None  # Linux, and the process is gone
    else:  # macOS, BSD: no /proc
        try:
            started = subprocess.check_output(['ps', '-o', 'lstart=', '-p', str(pid)],
                                              stderr=subprocess.DEVNULL).decode().strip()
        except (OSError, subprocess.CalledProcessError):
            return None
        if not started:
            return None
        boot = ''
    return hashlib.sha256(('%s|%s' % (started, boot)).encode()).hexdigest()[:16]


def default_base_dir():
    """$XDG_RUNTIME_DIR (per-user tmpfs, emptied at logout) when usable, else ~/.ansible/tmp."""
    xdg = os.environ.get('XDG_RUNTIME_DIR')
    if xdg and os.path.isdir(xdg):
        try:
            if os.stat(xdg).st_uid == os.getuid():
                return os.path.join(xdg, 'apiauth_sessions')
        except OSError:
            pass
    return os.path.join(os.path.expanduser('~'), '.ansible', 'tmp', 'apiauth_sessions')


def base_dir(configured=None):
    configured = configured or os.environ.get(ENV_CACHE_DIR)
    return os.path.abspath(os.path.expanduser(configured)) if configured else default_base_dir()


def private_dir(path, fix=True):
    """Create path (0700) or check an existing one: a directory of ours that nobody else can read.
    fix: make an existing one 0700 (our own directories); else refuse it (one the user named)."""
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise CacheError('cannot create the session cache directory %s: %s' % (path, exc.strerror))
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise CacheError('the session cache path %s exists and is not a directory (a symbolic link?); '
                         'remove it or set %s to another place.' % (path, ENV_CACHE_DIR))
    if info.st_uid != os.getuid():
        raise CacheError('the session cache directory %s belongs to another user; remove it or set %s '
                         'to a directory of yours.' % (path, ENV_CACHE_DIR))
    if stat.S_IMODE(info.st_mode) & 0o077:
        if not fix:
            raise CacheError('the session cache directory %s can be read by other users (mode %03o); make it '
                             'private (chmod 700) or set %s to another place.'
                             % (path, stat.S_IMODE(info.st_mode), ENV_CACHE_DIR))
        os.chmod(path, 0o700)
    return path


def run_dir_name(pid=None):
    pid = run_owner() if pid is None else pid
    return 'run-%d-%s' % (pid, process_stamp(pid) or 'unknown')


def run_dir(configured=None, create=True):
    base = base_dir(configured)
    path = os.path.join(base, run_dir_name())
    if not create:
        return path
    fresh = not os.path.isdir(path)
    private_dir(base, fix=not configured)
    private_dir(path)
    if fresh:
        sweep(base, keep=path)
    return path


def sweep(base, keep=None):
    """Remove the directories of runs whose controller is gone (no callback, or killed before it
    ran): short-lived tokens that no run can use any more. Their sessions expire on the server."""
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        path = os.path.join(base, name)
        parts = name.split('-')
        if path == keep or len(parts) != 3 or parts[0] != 'run' or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        stale = not _alive(pid) if parts[2] == 'unknown' else parts[2] != process_stamp(pid)
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
    return removed


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


# --------------------------------------------------------------------------------------------
# Files and locks
# --------------------------------------------------------------------------------------------
def write_private(path, text):
    """Atomic write of a 0600 file (never through a symbolic link)."""
    tmp = '%s.%d.%s.tmp' % (path, os.getpid(), uuid.uuid4().hex[:8])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600)
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def run_salt(directory):
    path = os.path.join(directory, 'salt')
    if not os.path.exists(path):
        tmp = '%s.%d.tmp' % (path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(os.urandom(32).hex())
        try:
            os.link(tmp, path)  # the first writer wins; the others read its salt
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return bytes.fromhex(_read(path).strip())


class FileLock(object):
    """flock on a 0600 lock file, waiting at most `timeout` seconds (polling: bounded)."""

    def __init__(self, path, timeout):
        self.path = path
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(self.fd)
                    raise
            if time.monotonic() >= deadline:
                os.close(self.fd)
                raise CacheError('waited %d seconds for another worker to finish logging in (lock %s); '
                                 'is the server slow to answer? Raise timeout, or set cache=false.'
                                 % (self.timeout, os.path.basename(self.path)))
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# --------------------------------------------------------------------------------------------
# Keys, and long-lived secrets out of what is written
# --------------------------------------------------------------------------------------------
def normal_url(url):
    return (url or '').strip().rstrip('/')


def entry_key(system, params, salt):
    """sha256 of system, url, public identity and HMAC(salt, long-lived secrets): no secret inside."""
    public = dict((name, value) for name, value in public_options(system, params).items()
                  if name not in NOT_IDENTITY)
    public['url'] = normal_url(public.get('url'))
    secrets = json.dumps(sorted(secret_values(system, params).items()))
    mac = hmac.new(salt, secrets.encode('utf-8'), hashlib.sha256).hexdigest()
    material = json.dumps([system, sorted(public.items(), key=lambda kv: kv[0]), mac], default=str)
    return hashlib.sha256(material.encode('utf-8')).hexdigest()


def strip_secrets(value, secrets):
    """value (JSON-able) with every occurrence of a secret replaced by a reference to its option."""
    if isinstance(value, dict):
        for key in value:
            if any(secret in str(key) for secret in secrets.values()):
                raise CacheError('a login answer has a secret in a field name; it is not cached')
        return dict((key, strip_secrets(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [strip_secrets(item, secrets) for item in value]
    if isinstance(value, str) and any(secret in value for secret in secrets.values()):
        return {_TEMPLATE: _split(value, sorted(secrets.items(), key=lambda kv: -len(kv[1])))}
    return value


def _split(text, ordered):
    """text as a list of literal pieces and {ref: option} for each secret (longest first)."""
    for name, secret in ordered:
        if secret in text:
            pieces = []
            for index, part in enumerate(text.split(secret)):
                if index:
                    pieces.append({_SECRET_REF: name})
                if part:
                    pieces.extend(_split(part, ordered))
            return pieces
    return [text]


def restore_secrets(value, secrets):
    """The inverse of strip_secrets, from the caller's current option values."""
    if isinstance(value, dict):
        if set(value) == {_TEMPLATE}:
            return ''.join(p if isinstance(p, str) else _secret(secrets, p[_SECRET_REF]) for p in value[_TEMPLATE])
        return dict((key, restore_secrets(item, secrets)) for key, item in value.items())
    if isinstance(value, list):
        return [restore_secrets(item, secrets) for item in value]
    return value


def _secret(secrets, name):
    if name not in secrets:
        raise CacheError('the cached session needs the %s option, which was not given' % name)
    return secrets[name]


# --------------------------------------------------------------------------------------------
# The channel to the callback: secrets needed to end a session, in memory only
# --------------------------------------------------------------------------------------------
_CHANNEL = {}


def open_channel():
    """Called by the callback in the controller, before workers fork; returns the read end."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)  # a full pipe must never block a worker
    _CHANNEL.clear()
    _CHANNEL.update(owner=os.getpid(), fd=write_fd, read_fd=read_fd)
    return read_fd


def close_channel():
    for name in ('fd', 'read_fd'):
        if name in _CHANNEL:
            try:
                os.close(_CHANNEL[name])
            except OSError:
                pass
    _CHANNEL.clear()


def cleanup_enabled():
    """Is the session_cleanup callback active in this run (it opened the channel)?"""
    return bool(_CHANNEL) and _CHANNEL.get('owner') == run_owner()


def send_secrets(key, system, secrets):
    """Hand the secrets needed to end the session of `key` to the callback; False if not possible."""
    if not cleanup_enabled():
        return False
    message = (json.dumps({'key': key, 'system': system, 'secrets': secrets}) + '\n').encode('utf-8')
    if len(message) > select.PIPE_BUF:  # only writes up to PIPE_BUF are atomic
        return False
    try:
        return os.write(_CHANNEL['fd'], message) == len(message)
    except OSError:
        return False


class ChannelReader(object):
    """The callback's end: collects {key: secrets} as workers send them."""

    def __init__(self, read_fd):
        self.fd = read_fd
        self.buffer = b''
        self.secrets = {}

    def drain(self):
        for _attempt in range(10000):  # bounded: 64 KiB pipe, small messages
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b'\n')
        for line in lines:
            try:
                message = json.loads(line.decode('utf-8'))
                self.secrets[message['key']] = dict(message['secrets'])
            except (ValueError, KeyError, TypeError):
                continue
        return self.secrets


# --------------------------------------------------------------------------------------------
# The lookup's entry point
# --------------------------------------------------------------------------------------------
def obtain(system, params, configured_dir=None, reuse=True, validate=False, revalidate_after=60.0,
           refresh_margin=300.0, opener=None, checker=None, clock=time.time):
    """The session of (system, url, identity) for this run: reused, or opened under the lock.

    Returns (result, opened, handed_over): result has token, headers, params, full, expires_at;
    opened is True when this call logged in; handed_over is False when the cleanup callback is
    active but could not be given the secrets it needs to end this session (else True or None).
    A cached session is replaced when it expires within refresh_margin seconds, or when a check
    (validate=True: at every reuse; otherwise when the last check is older than
    revalidate_after seconds) finds that the server ended it. The session replaced stays on
    record, and the callback ends it too if it is still alive.
    """
    opener = opener or SYSTEMS[system].open_session
    checker = checker or SYSTEMS[system].session_alive
    secrets = secret_values(system, params)
    if not reuse and not cleanup_enabled():
        return _public(opener(params)), True, None  # nothing to share, nobody to clean up: no file
    directory = run_dir(configured_dir)
    key = entry_key(system, params, run_salt(directory)) if reuse else 'once-' + uuid.uuid4().hex
    path = os.path.join(directory, key + '.json')
    timeout = 4 * float(params.get('timeout') or 30) + 30
    with FileLock(os.path.join(directory, key + '.lock'), timeout):
        entry = _load(path)
        retired = []
        if entry:
            result = restore_secrets(entry['result'], secrets)
            now = clock()
            expires = result.get('expires_at')
            checked = False
            if expires is not None and expires - now <= refresh_margin:
                fresh = False
            elif validate or now - entry.get('checked_at', 0) >= revalidate_after:
                fresh = checked = checker(params, result, restore_secrets(entry['handle'], secrets))
            else:
                fresh = True
            if fresh:
                if checked:
                    entry['checked_at'] = now
                    write_private(path, json.dumps(entry))
                return _public(result), False, None
            retired = list(entry.get('retired') or []) + [entry['handle']]
        opened = opener(params)
        now = clock()
        entry = {'format': _FORMAT, 'system': system, 'options': public_options(system, params),
                 'result': strip_secrets(_public(opened), secrets),
                 'handle': strip_secrets(opened.get('handle') or {}, secrets),
                 'retired': retired, 'opened_at': now, 'checked_at': now}
        write_private(path, json.dumps(entry))
        handed_over = send_secrets(key, system, secrets) if cleanup_enabled() else None
    return _public(opened), True, handed_over


def replace_session(system, params, stale_token, configured_dir=None, opener=None, clock=time.time):
    """A new session in place of `stale_token`, which the server refused: (result, relogged).

    Under the key's lock: if the cached session is still `stale_token`, log in again (the old
    one retired, so that the cleanup ends it if it is still alive) and relogged is True; if
    another worker already replaced it, its session is returned and relogged is False. However
    many workers see the refusal at once, one login is made.
    """
    opener = opener or SYSTEMS[system].open_session
    secrets = secret_values(system, params)
    directory = run_dir(configured_dir)
    key = entry_key(system, params, run_salt(directory))
    path = os.path.join(directory, key + '.json')
    with FileLock(os.path.join(directory, key + '.lock'), _lock_timeout(params)):
        entry = _load(path)
        if entry:
            result = restore_secrets(entry['result'], secrets)
            if result.get('token') != stale_token:
                return _public(result), False
        retired = (list(entry.get('retired') or []) + [entry['handle']]) if entry else []
        opened = _store(system, params, key, path, opener(params), retired, clock())
    return _public(opened), True


def _lock_timeout(params):
    return 4 * float(params.get('timeout') or 30) + 30


def _store(system, params, key, path, opened, retired, now):
    secrets = secret_values(system, params)
    entry = {'format': _FORMAT, 'system': system, 'options': public_options(system, params),
             'result': strip_secrets(_public(opened), secrets),
             'handle': strip_secrets(opened.get('handle') or {}, secrets),
             'retired': retired, 'opened_at': now, 'checked_at': now}
    write_private(path, json.dumps(entry))
    if cleanup_enabled():
        send_secrets(key, system, secrets)
    return opened


def _record_path(system, params, handle, configured_dir):
    directory = run_dir(configured_dir)
    secrets = secret_values(system, params)
    material = json.dumps([system, normal_url(params.get('url')), strip_secrets(handle or {}, secrets)],
                          sort_keys=True, default=str)
    name = 'mod-' + hmac.new(run_salt(directory), material.encode('utf-8'), hashlib.sha256).hexdigest()
    return directory, name


def record_opened(system, params, handle, configured_dir=None):
    """Record a session a module opened in this run, so that the cleanup callback ends it if no
    task does (end_play, Ctrl-C, a failed play). False (nothing recorded) without the callback."""
    if not cleanup_enabled():
        return False
    directory, name = _record_path(system, params, handle, configured_dir)
    secrets = secret_values(system, params)
    entry = {'format': _FORMAT, 'system': system, 'options': public_options(system, params), 'result': None,
             'handle': strip_secrets(handle or {}, secrets), 'retired': [], 'opened_at': time.time()}
    write_private(os.path.join(directory, name + '.json'), json.dumps(entry))
    send_secrets(name, system, secrets)
    return True


def forget(system, params, handle, configured_dir=None):
    """A task ended the session record_opened recorded: the cleanup leaves it alone. True if it was on record."""
    if not cleanup_enabled():
        return False
    directory, name = _record_path(system, params, handle, configured_dir)
    try:
        os.unlink(os.path.join(directory, name + '.json'))
    except FileNotFoundError:
        return False
    return True


_WARNED = set()


def warn_once(name):
    """True the first time `name` is asked in this run, whatever the fork: show a warning once per run."""
    digest = hashlib.sha256(name.encode('utf-8')).hexdigest()
    try:
        path = os.path.join(run_dir(None), 'warned-' + digest)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600))
    except FileExistsError:
        return False
    except (OSError, CacheError):  # no usable run directory: once per process
        if digest in _WARNED:
            return False
    _WARNED.add(digest)
    return True


def _public(opened):
    return dict((name, opened.get(name)) for name in RESULT_FIELDS)


def _load(path):
    text = _read(path)
    if not text:
        return None
    try:
        entry = json.loads(text)
    except ValueError:
        return None  # a torn file cannot happen (atomic replace); a foreign one is ignored
    return entry if isinstance(entry, dict) and entry.get('format') == _FORMAT else None


# --------------------------------------------------------------------------------------------
# The callback's entry point
# --------------------------------------------------------------------------------------------
def close_run(directory, channel_secrets=None, keep_saymon_tokens=False, environ=None, closer=None):
    """End every session recorded in `directory`, then remove it.

    Returns (ended: {system: count}, warnings: [sentence]). Never raises for a session that
    cannot be ended: that is a warning (already redacted, no secret).
    """
    environ = os.environ if environ is None else environ
    channel_secrets = channel_secrets or {}
    ended, warnings = {}, []
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith('.json'))
    except OSError:
        return ended, warnings
    for name in names:
        entry = _load(os.path.join(directory, name))
        if not entry or entry.get('system') not in SYSTEMS:
            continue
        system = entry['system']
        if system == 'saymon' and keep_saymon_tokens:
            continue
        client = SYSTEMS[system]
        params = dict(entry.get('options') or {})
        secrets = dict(channel_secrets.get(name[:-len('.json')]) or {})
        for opt in client.OPTIONS:  # not handed over: the AWX way, from the environment
            if opt.secret and opt.name not in secrets and environ.get(opt.env(client.PREFIX)):
                secrets[opt.name] = environ[opt.env(client.PREFIX)]
        params.update(secrets)
        redact = Redactor()
        redact.add(*secrets.values())
        for stored in [entry.get('handle')] + list(entry.get('retired') or []):
            try:
                handle = restore_secrets(stored or {}, secrets)
                redact.add(*_strings(handle))
                if (closer or client.end_session)(params, handle):
                    ended[client.SYSTEM] = ended.get(client.SYSTEM, 0) + 1
            except ApiError as exc:
                warnings.append('could not end a %s session at the end of the run: %s' % (client.SYSTEM, exc.message))
            except CacheError as exc:
                warnings.append('could not end a %s session at the end of the run: %s (set %s).'
                                % (client.SYSTEM, exc, ', '.join(o.env(client.PREFIX) for o in client.OPTIONS
                                                                 if o.secret)))
            except Exception as exc:  # a cleanup problem must not fail the run, nor print a secret
                warnings.append('could not end a %s session at the end of the run: %s: %s'
                                % (client.SYSTEM, type(exc).__name__, redact(str(exc))[:300]))
    shutil.rmtree(directory, ignore_errors=True)
    return ended, warnings


def _strings(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
