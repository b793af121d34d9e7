"""Look for every long-lived secret of the run, and its Basic/base64 forms, in the -vvvv log and
in every file (content and name) the collection wrote; check the run was what it claims.

    python check_secrets.py SECRETS.json LOG CACHE_COPY CACHE_DIR STATE.json

Never prints a secret: a hit is reported by the secret's name.
"""
import base64
import json
import os
import re
import sys
import urllib.parse
import urllib.request

# Logins that used a password (Basic credential = base64 of "login:password").
BASIC = {'itsm_tech_pw': 'tech', 'itsm_new_pw': 'tech', 'itsm_wrong_pw': 'tech', 'bc_pw': 'bcops',
         'bc_wrong_pw': 'bcops', 'sm_pw': 'admin', 'sm_wrong_pw': 'admin', 'ipc_pw': 'opsbot',
         'ipc_wrong_pw': 'opsbot'}


def b64(text):
    return base64.b64encode(text.encode('utf-8')).decode('ascii').rstrip('=')


def forms(name, secret):
    found = {secret, b64(secret), urllib.parse.quote(secret, safe=''), json.dumps(secret)[1:-1]}
    if name in BASIC:
        found.add(b64('%s:%s' % (BASIC[name], secret)))
    return found


def stats(state, system):
    with urllib.request.urlopen(state[system]['admin'] + '/stats', timeout=10) as answer:
        return json.loads(answer.read().decode('utf-8'))


def main(secrets_file, log_file, cache_copy, cache_dir, state_file):
    with open(secrets_file) as handle:
        secrets = json.load(handle)
    with open(log_file, encoding='utf-8', errors='replace') as handle:
        log = handle.read()
    problems = []

    # The run is what it claims: -vvvv, failing cases included, cache copied while it existed.
    if '<127.0.0.1> EXEC' not in log and 'ESTABLISH LOCAL CONNECTION' not in log:
        problems.append('the log is not a -vvvv run')
    ignored = log.count('...ignoring')
    if ignored != 20:
        problems.append('expected 20 failing module and lookup cases (ignored), saw %d' % ignored)
    rescued = re.findall(r'rescued=(\d+)', log)
    if [int(n) for n in rescued] != [1, 1, 1, 1]:
        problems.append('expected one failing role per system (rescued), saw %s' % rescued)
    texts = {'the -vvvv output': log}
    copied = []
    for root, _dirs, files in os.walk(cache_copy):
        for name in files:
            path = os.path.join(root, name)
            copied.append(name)
            with open(path, encoding='utf-8', errors='replace') as handle:
                texts['cache file %s' % os.path.relpath(path, cache_copy)] = handle.read() + '\n' + path
    entries = [n for n in copied if n.endswith('.entry')]
    if len(entries) < 5 or not any('"sealed"' in t for k, t in texts.items() if k.startswith('cache')):
        problems.append('the cache copy holds %d session files: it was not taken while the lookups ran' % len(entries))

    # No secret, in any form, anywhere.
    for name, secret in sorted(secrets.items()):
        if len(secret) < 16:
            problems.append('secret %s is too short to be distinctive' % name)
        for where, text in texts.items():
            hits = sum(text.count(form) for form in forms(name, secret))
            if hits:
                problems.append('secret %s appears %d time(s) in %s' % (name, hits, where))

    # The callback ran: it ended the sessions, and said so; the dropped killSession is a warning.
    if 'apiauth.sessions.session_cleanup: ended' not in log:
        problems.append('the session_cleanup callback did not report what it ended')
    flat = ' '.join(log.split())  # ansible-core before 2.19 wraps warnings at 80 columns
    if not re.search(r'session_cleanup: could not end a ITSM-NG session at the end of the run: ITSM-NG( / GLPI)?: '
                     r'cannot connect to http://127\.0\.0\.1:\d+/apirest\.php/killSession', flat):
        problems.append('no warning for the ITSM-NG session the callback could not end')
    if os.path.isdir(cache_dir) and [n for n in os.listdir(cache_dir) if n.startswith('run-')]:
        problems.append('the callback left the run directory in %s' % cache_dir)
    try:
        with open(state_file) as handle:
            state = json.load(handle)
        live = dict((system, stats(state, system)['live_sessions']) for system in state)
    except (OSError, ValueError) as exc:
        live = 'unknown (%s)' % exc
    if live != {'itsmng': 1, 'bluecat': 0, 'saymon': 0, 'ipcortex': 0}:
        problems.append('sessions left open (ITSM-NG: 1 expected, the dropped one): %s' % live)

    if problems:
        print('\n'.join(problems), file=sys.stderr)
        return 1
    print('no secret (%d, with their Basic and encoded forms) in %d bytes of -vvvv output and %d cache files; '
          '%d failing cases; sessions left: %s' % (len(secrets), len(log), len(copied), ignored, live))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
