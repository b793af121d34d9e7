# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directories, files and locks of the run-scoped session cache (see token_cache.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import hashlib
import multiprocessing
import os
import shutil
import stat
import subprocess
import time
import uuid

ENV_CACHE_DIR = 'APIAUTH_SESSIONS_CACHE_DIR'
# A dead run's directory whose sessions nobody came back for is removed after this many seconds:
# by then the servers have expired them.
DEAD_RUN_KEPT = 7 * 24 * 3600
_SAFE = set()  # paths whose parents this process has checked: once per process (a worker: one task)


class CacheError(Exception):
    """The cache cannot be used safely (ownership, permissions, lock timeout): one sentence."""


def run_owner():
    """pid of the controller process of this run: Ansible forks every worker from it, so in a
    worker multiprocessing.parent_process() is the controller, and in the controller there is none."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def process_stamp(pid):
    """What tells this process apart from an earlier one with the same pid; None if it is gone."""
    stat_line = read_text('/proc/%d/stat' % pid)
    if stat_line is not None:
        started = stat_line.rsplit(')', 1)[-1].split()[19]  # field 22: start time in clock ticks
        boot = (read_text('/proc/sys/kernel/random/boot_id') or '').strip()
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


def run_dir_name(pid=None):
    pid = run_owner() if pid is None else pid
    return 'run-%d-%s' % (pid, process_stamp(pid) or 'unknown')


def run_alive(name):
    """Is the run of directory `name` (run-<pid>-<stamp>) still going? None if it is no run name."""
    parts = name.split('-')
    if len(parts) != 3 or parts[0] != 'run' or not parts[1].isdigit():
        return None
    pid = int(parts[1])
    if parts[2] == 'unknown':
        return _pid_alive(pid)
    return parts[2] == process_stamp(pid)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


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


def check_parents(path):
    """Every directory above `path` must be as safe as ssh wants the parents of its configuration:
    owned by root or by us, and writable by nobody else - or a root-owned sticky directory such
    as /tmp, where others cannot rename nor remove what is ours. Otherwise another user could put
    a directory of theirs in place of ours."""
    if path in _SAFE:
        return
    uid = os.getuid()
    current = os.path.dirname(os.path.realpath(path))
    for _depth in range(4096):  # bounded by the depth of the path
        try:
            info = os.stat(current)
        except FileNotFoundError:  # made by us, 0700, when the cache is created
            current = os.path.dirname(current)
            continue
        mode = stat.S_IMODE(info.st_mode)
        if info.st_uid not in (0, uid):
            raise CacheError('the session cache directory %s is inside %s, which belongs to another user; set %s '
                             'to a directory only you can write to.' % (path, current, ENV_CACHE_DIR))
        if mode & 0o022 and not (mode & stat.S_ISVTX and info.st_uid == 0):
            raise CacheError('the session cache directory %s is inside %s, which other users can write to '
                             '(mode %03o); set %s to a directory only you can write to.'
                             % (path, current, mode, ENV_CACHE_DIR))
        parent = os.path.dirname(current)
        if parent == current:
            _SAFE.add(path)
            return
        current = parent


def private_dir(path, fix=True):
    """Create path (0700) or check an existing one: a directory of ours that nobody else can read.
    fix: make an existing one 0700 (our own directories); else refuse it (one the user named)."""
    check_parents(path)
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


def write_private(path, text):
    """Atomic write of a 0600 file (never through a symbolic link)."""
    tmp = '%s.%d.%s.tmp' % (path, os.getpid(), uuid.uuid4().hex[:8])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        remove(tmp)
        raise


def create_once(path, text):
    """Write a 0600 file only if it does not exist yet; the content of the first writer either way."""
    if not os.path.exists(path):
        tmp = '%s.%d.%s.tmp' % (path, os.getpid(), uuid.uuid4().hex[:8])
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        try:
            os.link(tmp, path)  # the first writer wins; the others read what it wrote
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return read_text(path)


def remove(path):
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def dead_runs(base, keep=None):
    """[(path, name)] of the run directories in base whose controller is gone."""
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(base, name)
        if path != keep and run_alive(name) is False and os.path.isdir(path) and not os.path.islink(path):
            found.append((path, name))
    return found


def too_old(path, now=None):
    try:
        return (now or time.time()) - os.lstat(path).st_mtime > DEAD_RUN_KEPT
    except OSError:
        return True


class FileLock(object):
    """flock on a 0600 lock file, waiting at most `timeout` seconds (polling: bounded)."""

    def __init__(self, path, timeout, what='another worker to finish logging in'):
        self.path = path
        self.timeout = timeout
        self.what = what
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
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
                raise CacheError('waited %d seconds for %s (lock %s); is the server slow to answer? Raise '
                                 'timeout, or set cache=false.' % (self.timeout, self.what, os.path.basename(self.path)))
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
