# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run-scoped session cache shared by the token lookup, the modules and the session_cleanup callback.

One ansible-playbook run = one private directory, the same for the controller process and every
worker it forks, different for the next run:

    <base>/                            0700, and every parent owned by root or us, written by nobody else
        mac-key                        0600  authenticates the recovery records
        shared/<sha256>.json, .lock    0600  tokens every login of a user gets (SAYMON): which runs use them
        run-<pid>-<stamp>/             0700  pid: the controller (ansible-playbook) process
            <name>.lock                0600  flock: one login per name, whatever the forks
            <name>.entry               0600  the session, sealed (AES-GCM) with the run key
            <name>.recovery            0600  what the next run needs to end it if this one is killed
            key                        0600  the run key, only when the callback is not enabled

The run key is 32 random bytes. With the session_cleanup callback enabled, the callback makes it in
the controller process before any worker is forked: the workers inherit it in memory and it is
never written anywhere. A copy of the directory then reveals no token, and <name> - an HMAC with
that key of the system, url, identity and long-lived secrets - allows no offline guessing of a
password. The long-lived secrets the callback needs to end a session (ITSM-NG App-Token, SAYMON
password) are sealed in the entry, bound to its url. Without the callback, no process outlives the
workers to hold the key, so it is a file of the run directory; the long-lived secrets are then not
written at all and tokens every login of a user shares (SAYMON) are not stored either.

A run killed before its cleanup (SIGKILL, a crash) leaves its directory. The .recovery records,
which hold no long-lived secret and no shared token, let the next run that uses the same system,
url and identity end those sessions, before it removes the directory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import os
import signal
import threading
import time
import uuid
from contextlib import contextmanager

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - ansible-core requires cryptography
    AESGCM = InvalidTag = None
    CRYPTOGRAPHY_IMPORT_ERROR = exc

from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS
from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError, Redactor
from ansible_collections.apiauth.sessions.plugins.plugin_utils._cache_files import (
    ENV_CACHE_DIR, CacheError, FileLock, base_dir, create_once, dead_runs, private_dir, read_text, remove,
    remove_tree, run_alive, run_dir_name, run_owner, too_old, write_private)

# Options that change how a session is reached, not whose session it is.
NOT_IDENTITY = frozenset(('validate_certs', 'ca_path', 'timeout', 'credentials_in', 'api_key_transport'))
RESULT_FIELDS = ('token', 'headers', 'params', 'full', 'expires_at')
_SECRET_REF = '$apiauth_secret'
_TEMPLATE = '$apiauth_template'
_FORMAT = 2
_RUN = {}  # {'key': run key, 'owner': controller pid}: set by the callback before the workers fork
_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
PARALLEL = 32  # sessions ended at once at the end of a run


def connection_options(system):
    return SYSTEMS[system].OPTIONS


def secret_values(system, params):
    """{option name: value} of the long-lived secrets given for this system."""
    return dict((o.name, params[o.name]) for o in connection_options(system)
                if o.secret and params.get(o.name) not in (None, ''))


def public_options(system, params):
    """The non-secret option values: what ending a session needs besides the secrets."""
    return dict((o.name, params.get(o.name)) for o in connection_options(system) if not o.secret)


def shared_token(system):
    """Does every login of a user get the same token (SAYMON's one API token per user)?"""
    return bool(getattr(SYSTEMS[system], 'SHARED_TOKEN', False))


def normal_url(url):
    return (url or '').strip().rstrip('/')


def identity(system, params):
    """System, url and public identity: which sessions a run with these options may end."""
    public = dict((name, value) for name, value in public_options(system, params).items() if name not in NOT_IDENTITY)
    public['url'] = normal_url(public.get('url'))
    return json.dumps([system, sorted(public.items(), key=lambda kv: kv[0])], default=str)


def sha256(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


# --------------------------------------------------------------------------------------------
# The run key
# --------------------------------------------------------------------------------------------
def start_run():
    """Called by the callback in the controller before any worker forks: the run key, in memory."""
    if CRYPTOGRAPHY_IMPORT_ERROR is not None:
        raise CacheError('the session cache needs the Python library cryptography on the controller.')
    _RUN.clear()
    _RUN.update(key=os.urandom(32), owner=os.getpid())


def end_run():
    _RUN.clear()


def cleanup_enabled():
    """Is the session_cleanup callback active in this run (it made the run key)?"""
    return bool(_RUN) and _RUN.get('owner') == run_owner()


def run_key(directory):
    if cleanup_enabled():
        return _RUN['key']
    return bytes.fromhex(create_once(os.path.join(directory, 'key'), os.urandom(32).hex()).strip())


def entry_name(system, params, key):
    """HMAC, with the run key, of system, identity and long-lived secrets: no secret inside, no guessing."""
    material = json.dumps([identity(system, params), sorted(secret_values(system, params).items())])
    return hmac.new(key, material.encode('utf-8'), hashlib.sha256).hexdigest()


def seal(key, name, data):
    nonce = os.urandom(12)
    blob = AESGCM(key).encrypt(nonce, json.dumps(data).encode('utf-8'), name.encode('utf-8'))
    return json.dumps({'format': _FORMAT, 'nonce': nonce.hex(), 'sealed': base64.b64encode(blob).decode('ascii')})


def unseal(key, name, text):
    """The data sealed under `name`, or None (absent, foreign, moved from another name, tampered)."""
    try:
        outer = json.loads(text or '')
        if outer.get('format') != _FORMAT:
            return None
        plain = AESGCM(key).decrypt(bytes.fromhex(outer['nonce']), base64.b64decode(outer['sealed']),
                                    name.encode('utf-8'))
        data = json.loads(plain.decode('utf-8'))
    except (ValueError, TypeError, KeyError, AttributeError, InvalidTag):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------------
# Long-lived secrets out of what is written
# --------------------------------------------------------------------------------------------
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
# Records authenticated with the per-directory MAC key (recovery records, shared tokens)
# --------------------------------------------------------------------------------------------
def _mac_key(base):
    return bytes.fromhex(create_once(os.path.join(base, 'mac-key'), os.urandom(32).hex()).strip())


def write_signed(base, path, data):
    body = json.dumps(data, sort_keys=True)
    mac = hmac.new(_mac_key(base), (os.path.basename(path) + body).encode('utf-8'), hashlib.sha256).hexdigest()
    write_private(path, json.dumps({'body': body, 'mac': mac}))


def read_signed(base, path):
    """The record at path if its MAC is right, else None (planted, moved or damaged)."""
    try:
        outer = json.loads(read_text(path) or '')
        body = outer['body']
        good = hmac.new(_mac_key(base), (os.path.basename(path) + body).encode('utf-8'), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(good, outer['mac']):
            return None
        data = json.loads(body)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------------
# The run directory
# --------------------------------------------------------------------------------------------
def run_dir(configured=None, create=True):
    base = base_dir(configured)
    path = os.path.join(base, run_dir_name())
    if not create:
        return path
    fresh = not os.path.isdir(path)
    private_dir(base, fix=not (configured or os.environ.get(ENV_CACHE_DIR)))
    private_dir(path)
    if fresh:
        sweep(base, keep=path)
    return path


def sweep(base, keep=None):
    """Remove the directories of dead runs that hold nothing to end any more (or too old to matter)."""
    removed = []
    for path, name in dead_runs(base, keep):
        if too_old(path) or not _pending(path):
            remove_tree(path)
            removed.append(name)
    return removed


def _pending(path):
    try:
        return [n for n in os.listdir(path) if n.endswith('.recovery')]
    except OSError:
        return []


@contextmanager
def _no_interruption():
    """Hold SIGTERM, SIGHUP and SIGINT while a session is opened and recorded: a signal that arrives
    then takes effect once the session is on record, so that it is ended, not lost."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    except (AttributeError, ValueError, OSError):
        old = None
    try:
        yield
    finally:
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Run(object):
    """The files of one name in this run's directory."""

    def __init__(self, system, params, configured_dir, name=None):
        self.system = system
        self.params = params
        self.secrets = secret_values(system, params)
        self.directory = run_dir(configured_dir)
        self.base = os.path.dirname(self.directory)
        self.key = run_key(self.directory)
        self.name = name or entry_name(system, params, self.key)

    def path(self, suffix):
        return os.path.join(self.directory, self.name + suffix)

    def lock(self):
        return FileLock(self.path('.lock'), 4 * float(self.params.get('timeout') or 30) + 30)

    def load(self):
        entry = unseal(self.key, self.name, read_text(self.path('.entry')))
        if entry is None or entry.get('system') != self.system:
            return None
        entry['result'] = restore_secrets(entry.get('result'), self.secrets) if entry.get('result') else None
        entry['handle'] = restore_secrets(entry.get('handle') or {}, self.secrets)
        entry['retired'] = [restore_secrets(h, self.secrets) for h in entry.get('retired') or []]
        return entry

    def save(self, opened, retired, now):
        keep_secrets = cleanup_enabled()  # only with the key in memory
        store_result = keep_secrets or not shared_token(self.system)
        entry = {'system': self.system, 'options': public_options(self.system, self.params),
                 'secrets': self.secrets if keep_secrets else {},
                 'result': strip_secrets(_public(opened), self.secrets) if store_result and opened else None,
                 'handle': strip_secrets(opened.get('handle') or {}, self.secrets) if opened else {},
                 'retired': [strip_secrets(h, self.secrets) for h in retired],
                 'shared': opened.get('shared') if opened else None,
                 'opened_at': now, 'checked_at': now}
        write_private(self.path('.entry'), seal(self.key, self.name, entry))
        if shared_token(self.system):
            return
        handles = [entry['handle']] + entry['retired']
        write_signed(self.base, self.path('.recovery'),
                     {'system': self.system, 'options': entry['options'], 'handles': handles})

    def touch(self, token, now):
        """Note a successful check of `token`, so that other forks skip theirs until revalidate_after.
        Skipped when another worker holds the lock (it is replacing the session: its entry wins)."""
        try:
            with FileLock(self.path('.lock'), 0):
                data = unseal(self.key, self.name, read_text(self.path('.entry')))
                if data is not None and restore_secrets(data.get('result') or {}, self.secrets).get('token') == token:
                    data['checked_at'] = now
                    write_private(self.path('.entry'), seal(self.key, self.name, data))
        except CacheError:
            pass

    def forget(self):
        found = remove(self.path('.entry'))
        remove(self.path('.recovery'))
        return found


# --------------------------------------------------------------------------------------------
# Tokens every login of a user gets (SAYMON): used by several runs at once
# --------------------------------------------------------------------------------------------
def _shared_paths(base, system, params, token):
    directory = private_dir(os.path.join(base, 'shared'))
    return (os.path.join(directory, sha256(identity(system, params)) + '.lock'),
            os.path.join(directory, sha256(token) + '.json') if token else None)


def _open_shared(run, opener):
    """Open a session of a system whose token is shared by every login of the user.

    A token that a run created and that a live run still uses is shared (recorded as used by this
    run too); one that only dead runs used is never adopted: it is ended and a new one made.
    """
    client = SYSTEMS[run.system]
    lock_path, _unused = _shared_paths(run.base, run.system, run.params, None)
    me = os.path.basename(run.directory)
    with FileLock(lock_path, 4 * float(run.params.get('timeout') or 30) + 30, 'another run to get the same token'):
        for _attempt in range(2):  # a dead run's token is ended once, then a new one is made
            opened = opener(run.params)
            _lock, record_path = _shared_paths(run.base, run.system, run.params, opened.get('token'))
            record = read_signed(run.base, record_path) if os.path.exists(record_path) else None
            created = bool((opened.get('handle') or {}).get('created'))
            if created or record:
                runs = [r for r in (record or {}).get('runs', []) if run_alive(r)] if record else []
                if created or runs:
                    handle = strip_secrets(opened.get('handle') or {}, run.secrets) if created else record['handle']
                    write_signed(run.base, record_path, {'system': run.system, 'handle': handle,
                                                         'runs': sorted(set(runs + [me]))})
                    return dict(opened, shared=sha256(opened['token']))
                client.end_session(run.params, restore_secrets(record['handle'], run.secrets))
                remove(record_path)
                continue
            return dict(opened, shared=None)  # the user's own token: never ended
    raise CacheError('the %s token of a run that was killed could not be replaced; try again.' % client.SYSTEM)


def _release_shared(base, run_name, system, params, fingerprint, keep):
    """This run no longer uses a shared token: end it if a run made it and no other live run uses it."""
    client = SYSTEMS[system]
    lock_path, _unused = _shared_paths(base, system, params, None)
    record_path = os.path.join(base, 'shared', fingerprint + '.json')
    with FileLock(lock_path, 4 * float(params.get('timeout') or 30) + 30, 'another run to release the same token'):
        record = read_signed(base, record_path)
        if record is None:
            return False
        others = [r for r in record.get('runs', []) if r != run_name and run_alive(r)]
        if others:
            write_signed(base, record_path, dict(record, runs=others))
            return False
        remove(record_path)
        return False if keep else client.end_session(params, restore_secrets(record['handle'],
                                                                             secret_values(system, params)))


# --------------------------------------------------------------------------------------------
# Sessions that a killed run left: ended by the next run that has the credentials
# --------------------------------------------------------------------------------------------
def recover(run):
    """End what dead runs recorded for this system, url and identity, with this run's secrets
    (sent only to that url), then remove what they left. Returns the number of sessions ended."""
    client = SYSTEMS[run.system]
    mine = identity(run.system, run.params)
    ended = 0
    for path, _name in dead_runs(run.base, keep=run.directory):
        for file_name in _pending(path):
            record_path = os.path.join(path, file_name)
            record = read_signed(run.base, record_path)
            if record is None:
                remove(record_path)  # not ours (planted, damaged): never acted upon
                continue
            if record.get('system') != run.system or identity(run.system, record.get('options') or {}) != mine:
                continue
            claimed = '%s.%d.claimed' % (record_path, os.getpid())
            try:
                os.rename(record_path, claimed)  # one recovering run per record
            except OSError:
                continue
            for handle in record.get('handles') or []:
                try:
                    ended += bool(client.end_session(run.params, restore_secrets(handle, run.secrets)))
                except (ApiError, CacheError):
                    pass  # gone already, or no longer reachable: it expires on the server
            remove(claimed)
        if not _pending(path):
            remove_tree(path)
    return ended


# --------------------------------------------------------------------------------------------
# The lookup's entry points
# --------------------------------------------------------------------------------------------
def obtain(system, params, configured_dir=None, reuse=True, validate=False, revalidate_after=60.0,
           refresh_margin=300.0, opener=None, checker=None, clock=time.time):
    """The session of (system, url, identity) for this run: reused, or opened under the lock.

    Returns (result, opened, handed_over): result has token, headers, params, full, expires_at;
    opened is True when this call logged in; handed_over is True when the cleanup callback will
    end this session (None without the callback).
    A cached session is replaced when it expires within refresh_margin seconds, or when a check
    (validate=True: at every reuse; otherwise when the last check is older than revalidate_after
    seconds) finds that the server ended it. Checks run outside the lock, in parallel. The
    session replaced stays on record, and the callback ends it too if it is still alive.
    """
    opener = opener or SYSTEMS[system].open_session
    checker = checker or SYSTEMS[system].session_alive
    handed_over = True if cleanup_enabled() else None
    if not reuse and not cleanup_enabled() and not shared_token(system):
        return _public(opener(params)), True, None  # nothing to share, nobody to clean up: no file
    run = _Run(system, params, configured_dir, None if reuse else 'once-' + uuid.uuid4().hex)
    seen = run.load() if reuse else None
    result = seen.get('result') if seen else None
    if result and _reusable(run, seen, validate, revalidate_after, refresh_margin, checker, clock()):
        return _public(result), False, None
    result, relogged = _replace(run, opener, result.get('token') if result else None, clock)
    return result, relogged, handed_over if relogged else None


def _reusable(run, seen, validate, revalidate_after, refresh_margin, checker, now):
    """Is the session seen in the cache good for this call? Checks run outside the lock, in parallel."""
    result = seen['result']
    expires = result.get('expires_at')
    if expires is not None and expires - now <= refresh_margin:
        return False
    if not validate and now - seen.get('checked_at', 0) < revalidate_after:
        return True
    if not checker(run.params, result, seen['handle']):
        return False
    run.touch(result.get('token'), now)
    return True


def _replace(run, opener, stale, clock):
    """Under the lock: the cached session if another worker replaced `stale` meanwhile, else a new one."""
    with run.lock():
        entry = run.load()
        current = entry.get('result') if entry else None
        if current and current.get('token') != stale:
            return _public(current), False
        retired = []
        if entry and not shared_token(run.system):
            retired = [entry['handle']] + list(entry.get('retired') or [])
        if entry is None:
            recover(run)
        with _no_interruption():
            opened = _open_shared(run, opener) if shared_token(run.system) else opener(run.params)
            run.save(opened, retired, clock())
    return _public(opened), True


def replace_session(system, params, stale_token, configured_dir=None, opener=None, clock=time.time):
    """A new session in place of `stale_token`, which the server refused: (result, relogged).

    Under the key's lock: if the cached session is still `stale_token`, log in again (the old
    one retired, so that the cleanup ends it if it is still alive) and relogged is True; if
    another worker already replaced it, its session is returned and relogged is False. However
    many workers see the refusal at once, one login is made.
    """
    run = _Run(system, params, configured_dir)
    return _replace(run, opener or SYSTEMS[system].open_session, stale_token, clock)


def _public(opened):
    return dict((name, opened.get(name)) for name in RESULT_FIELDS)


# --------------------------------------------------------------------------------------------
# Sessions that modules open and end themselves
# --------------------------------------------------------------------------------------------
def _module_run(system, params, handle, configured_dir):
    directory = run_dir(configured_dir)
    key = run_key(directory)
    # The task that ends a session may give other options than the one that opened it: the url
    # and the handle alone name it.
    material = json.dumps([system, normal_url(params.get('url')), handle or {}], sort_keys=True, default=str)
    name = 'mod-' + hmac.new(key, material.encode('utf-8'), hashlib.sha256).hexdigest()
    return _Run(system, params, configured_dir, name)


def record_opened(system, params, handle, configured_dir=None):
    """Record a session a module opened in this run, so that the cleanup callback ends it if no
    task does (end_play, Ctrl-C, a failed play). False (nothing recorded) without the callback."""
    if not cleanup_enabled():
        return False
    run = _module_run(system, params, handle, configured_dir)
    run.save({'handle': handle or {}}, [], time.time())
    return True


def forget(system, params, handle, configured_dir=None):
    """A task ended the session record_opened recorded: the cleanup leaves it alone. True if it was on record."""
    if not cleanup_enabled():
        return False
    return _module_run(system, params, handle, configured_dir).forget()


_WARNED = set()


def warn_once(name):
    """True the first time `name` is asked in this run, whatever the fork: show a warning once per run."""
    digest = sha256(name)
    try:
        path = os.path.join(run_dir(None), 'warned-' + digest)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        return False
    except (OSError, CacheError):  # no usable run directory: once per process
        if digest in _WARNED:
            return False
    _WARNED.add(digest)
    return True


# --------------------------------------------------------------------------------------------
# The callback's entry point
# --------------------------------------------------------------------------------------------
def close_run(directory, keep_shared=False, deadline=60.0, abort=None, closer=None):
    """End every session recorded in `directory` in parallel, within one overall deadline, then remove it.

    Returns (ended: {system: count}, warnings: [sentence]). Never raises for a session that
    cannot be ended: that is a warning (already redacted, no secret). `abort` (a threading.Event),
    when set - a second Ctrl-C - stops the waiting; the directory is removed in any case.
    """
    ended, warnings = {}, []
    try:
        jobs = _jobs(directory, keep_shared, closer, warnings)
        _run_jobs(jobs, deadline, abort or threading.Event(), ended, warnings)
    finally:
        remove_tree(directory)
    return ended, warnings


def _jobs(directory, keep_shared, closer, warnings):
    """(system, call, secrets, handle) for every session recorded in this run's directory."""
    if not cleanup_enabled():
        return []
    try:
        names = sorted(n[:-len('.entry')] for n in os.listdir(directory) if n.endswith('.entry'))
    except OSError:
        return []
    jobs = []
    for name in names:
        entry = unseal(_RUN['key'], name, read_text(os.path.join(directory, name + '.entry')))
        if entry is None or entry.get('system') not in SYSTEMS:
            warnings.append('a cache entry of this run does not authenticate; it was ignored.')
            continue
        jobs.extend(_entry_jobs(directory, entry, keep_shared, closer))
    return jobs


def _entry_jobs(directory, entry, keep_shared, closer):
    system, secrets = entry['system'], dict(entry.get('secrets') or {})
    params = dict(entry.get('options') or {}, **secrets)
    if entry.get('shared'):
        base, me = os.path.dirname(directory), os.path.basename(directory)
        return [(system, lambda: _release_shared(base, me, system, params, entry['shared'], keep_shared), secrets, [])]
    if keep_shared and shared_token(system):
        return []  # a token a module made: kept too
    close = closer or SYSTEMS[system].end_session
    return [(system, lambda h=stored: close(params, restore_secrets(h, secrets)), secrets, stored)
            for stored in [entry.get('handle')] + list(entry.get('retired') or []) if stored]


def _run_jobs(jobs, deadline, abort, ended, warnings):
    """Up to PARALLEL sessions ended at once; waiting stops at the deadline or when `abort` is set."""
    lock, pending = threading.Lock(), list(reversed(jobs))
    started = [0]

    def worker():
        while not abort.is_set():
            with lock:
                if not pending:
                    return
                job = pending.pop()
                started[0] += 1
            _end_one(*(job + (ended, warnings, lock)))
            with lock:
                started[0] -= 1
    threads = [threading.Thread(target=worker) for _index in range(min(PARALLEL, len(jobs)))]
    for thread in threads:
        thread.daemon = True  # a hung server must not hold the exit of ansible-playbook
        thread.start()
    stop = time.monotonic() + deadline
    for thread in threads:
        while thread.is_alive() and not abort.is_set() and time.monotonic() < stop:
            thread.join(min(0.1, max(0.0, stop - time.monotonic())))
    with lock:
        late = started[0] + len(pending)
        pending[:] = []  # the workers still waiting on a server take nothing more
        if late:
            warnings.append('%d session(s) were still being ended %s; they are left to expire on the server.'
                            % (late, 'when the cleanup was interrupted' if abort.is_set()
                               else 'after %g seconds' % deadline))


def _end_one(system, call, secrets, handle, ended, warnings, lock):
    client = SYSTEMS[system]
    redact = Redactor()
    redact.add(*secrets.values())
    redact.add(*_strings(handle))
    before = []
    try:
        done, text = call(), None
    except ApiError as exc:  # its own warnings first (TLS off...), then the error
        done, text, before = False, str(exc), list(getattr(exc, 'warnings', None) or [])
    except CacheError as exc:
        done, text = False, str(exc)
    except Exception as exc:  # a cleanup problem must not fail the run, nor print a secret
        done, text = False, '%s: %s' % (type(exc).__name__, redact(str(exc))[:300])
    with lock:
        if done:
            ended[client.SYSTEM] = ended.get(client.SYSTEM, 0) + 1
        warnings.extend(before)
        if text:
            warnings.append('could not end a %s session at the end of the run: %s' % (client.SYSTEM, text))


def _strings(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
