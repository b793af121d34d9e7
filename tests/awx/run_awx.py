# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types, end to end, the way an AWX job uses them.

For each system: start its emulator over HTTPS (a test CA), fill a credential of the type in
docs/awx/credential_types, render its injectors as AWX does (awx_credentials.render: the CA
goes to a 0600 file, env vars from the inputs), and run tests/awx/playbooks/<system>.yml with
ansible_runner.run(private_data_dir=..., playbook=..., envvars=<exactly that env>) at
verbosity 4. Then check: the run succeeded (login, act, logout asserted by the play), the
emulator counted one login and one logout, the playbook holds no connection option and no
secret, and no secret (nor its HTTP Basic form) appears anywhere under the private data dir:
artifacts (stdout, job_events/*.json, status, rc, command), project, inventory. AWX's stored
copy of the job environment must hide them too.

    python tests/awx/run_awx.py --collections-path DIR [--systems itsmng,bluecat] [--work DIR]

Needs ansible-runner and ansible-core in the running interpreter (requirements-awx.txt).
"""

import argparse
import base64
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import ansible_runner
import requests
import yaml

from awx_credentials import COLLECTION, SYSTEMS, load, render

HERE = os.path.dirname(os.path.abspath(__file__))
SERVE = os.path.join(COLLECTION, 'tests', 'emulators', 'serve.py')

# Distinctive credentials, long enough never to appear by accident. ITSM-NG uses the
# emulator's defaults (those of the real server in shared/real-servers/itsmng-1.4.0.md).
ITSMNG_APP_TOKEN = 'mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b'
ITSMNG_USER_TOKEN = 'V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA'
BLUECAT_USER, BLUECAT_PASSWORD = 'awx-operator', 'Bc-awx-injected-S3cret-7f2e9a41c0'
SAYMON_USER, SAYMON_PASSWORD = 'awxbot', 'Sy-awx-injected-S3cret-2c8d1e77b4'
IPCORTEX_USER, IPCORTEX_PASSWORD = 'awx-ops', 'Ipc-awx-injected-S3cret-91b3c5d0e8'

EMULATOR_CONFIG = {
    'bluecat': {'users': {BLUECAT_USER: {'password': BLUECAT_PASSWORD, 'id': 100950}}},
    'saymon': {'users': {SAYMON_USER: {'id': '5e21b752308c3c66d64e0a09', 'password': SAYMON_PASSWORD,
                                       'name': 'AWX bot', 'permissions': ['manage-users', 'manage-objects']}}},
    'ipcortex': {'users': [{'username': IPCORTEX_USER, 'password': IPCORTEX_PASSWORD, 'id': 150,
                            'name': 'AWX Ops', 'company': 'acme', 'home': 'acme',
                            'perms': {'admin': 'company', 'pbx': 'yes'}}]},
}


def basic(user, password):
    return base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


# Per system: the credential's inputs (text fields not listed stay unset, as in a real
# credential), the secrets to look for, the result key holding the short-lived token, and the
# emulator counters the run must leave.
CASES = {
    'itsmng': dict(inputs={'app_token': ITSMNG_APP_TOKEN, 'user_token': ITSMNG_USER_TOKEN},
                   secrets=[ITSMNG_APP_TOKEN, ITSMNG_USER_TOKEN], token='session_token',
                   counters={'logins': 1, 'logouts': 1}),
    'bluecat': dict(inputs={'username': BLUECAT_USER, 'password': BLUECAT_PASSWORD},
                    secrets=[BLUECAT_PASSWORD, basic(BLUECAT_USER, BLUECAT_PASSWORD)], token='api_token',
                    counters={'logins': 1, 'logouts': 1}),
    'saymon': dict(inputs={'username': SAYMON_USER, 'password': SAYMON_PASSWORD},
                   secrets=[SAYMON_PASSWORD, basic(SAYMON_USER, SAYMON_PASSWORD)], token='auth_token',
                   counters={'tokens_created': 1, 'tokens_deleted': 1}),
    'ipcortex': dict(inputs={'username': IPCORTEX_USER, 'password': IPCORTEX_PASSWORD},
                     secrets=[IPCORTEX_PASSWORD, basic(IPCORTEX_USER, IPCORTEX_PASSWORD)], token='session',
                     counters={'logins': 1, 'logouts': 1}),
}


class Emulators(object):
    """serve.py in the background over HTTPS; its --state file gives the ports."""

    def __init__(self, systems, work):
        self.dir = work
        config = os.path.join(work, 'emulators.json')
        with open(config, 'w') as handle:
            json.dump({s: EMULATOR_CONFIG[s] for s in systems if s in EMULATOR_CONFIG}, handle)
        self.state_file = os.path.join(work, 'state.json')
        self.log = open(os.path.join(work, 'emulators.log'), 'w')
        self.proc = subprocess.Popen(
            [sys.executable, SERVE, '--systems', ','.join(systems), '--tls', os.path.join(work, 'ca'),
             '--config', config, '--state', self.state_file, '--max-seconds', '900'],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.state_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(os.path.join(work, 'emulators.log')) as handle:
                    raise SystemExit('emulators did not start:\n' + handle.read())
            time.sleep(0.1)
        with open(self.state_file) as handle:
            self.state = json.load(handle)

    def stats(self, system):
        emu = self.state[system]
        return requests.get(emu['admin'] + '/stats', verify=emu['ca'], timeout=10).json()

    def reset(self, system):
        emu = self.state[system]
        requests.post(emu['admin'] + '/reset', json={}, verify=emu['ca'], timeout=10).raise_for_status()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def connection_options(system):
    mod = importlib.import_module('ansible_collections.apiauth.sessions.plugins.module_utils.%s' % system)
    return {opt.name for opt in mod.OPTIONS}


def check_playbook(system, path, secrets):
    """No connection option on any apiauth.sessions task, no secret in the file."""
    problems = []
    with open(path) as handle:
        text = handle.read()
    options = connection_options(system)
    for play in yaml.safe_load(text):
        for task in play.get('tasks', []):
            for key, args in task.items():
                if key.startswith('apiauth.sessions.') and isinstance(args, dict) and options & set(args):
                    problems.append('%s: task %r sets %s' % (path, task.get('name'), sorted(options & set(args))))
    problems += ['%s holds a secret' % path for secret in secrets if secret in text]
    return problems


def read(path):
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8', 'replace')


def scan(root, secrets, injected):
    """Every file under root, searched for every secret. ansible-runner writes in
    artifacts/<id>/command the environment it was given: the injected variables there are the
    job's input (AWX keeps that file on the execution node for the job's life); everything
    else in it (the command line, other variables) is searched like any other file."""
    hits, files = [], 0
    for dirpath, dummy, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            text = read(path)
            if name == 'command' and os.path.basename(os.path.dirname(os.path.dirname(path))) == 'artifacts':
                data = json.loads(text)
                for key in injected:
                    data.get('env', {}).pop(key, None)
                text = json.dumps(data)
            files += 1
            hits += ['%s (a secret of %d characters)' % (os.path.relpath(path, root), len(s))
                     for s in secrets if s in text]
    return hits, files


LOOKUP_COUNTERS = {'itsmng': {'logins': 1, 'logouts': 1}, 'bluecat': {'logins': 1, 'logouts': 1},
                   'saymon': {'tokens_created': 1, 'tokens_deleted': 1}, 'ipcortex': {'logins': 1, 'logouts': 1}}
PROJECT_CFG = '[defaults]\ncallbacks_enabled = apiauth.sessions.session_cleanup\n'


def run_job(name, systems, emulators, work, collections_path, verbosity):
    """One AWX job: the playbook <name>.yml with one credential of each system's type."""
    pdd = os.path.join(work, name)
    os.makedirs(os.path.join(pdd, 'project'))
    os.makedirs(os.path.join(pdd, 'inventory'))
    playbook = os.path.join(HERE, 'playbooks', '%s.yml' % name)
    shutil.copy(playbook, os.path.join(pdd, 'project'))
    if name == 'lookup':  # the project enables the cleanup callback, as a real project would
        with open(os.path.join(pdd, 'project', 'ansible.cfg'), 'w') as handle:
            handle.write(PROJECT_CFG)
    with open(os.path.join(pdd, 'inventory', 'hosts'), 'w') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)

    env, safe_env, secrets, problems = {}, {}, [], []
    for system in systems:
        emu = emulators.state[system]
        emulators.reset(system)
        with open(emu['ca']) as handle:
            inputs = dict(CASES[system]['inputs'], url=emu['url'], ca_cert=handle.read())
        rendered, safe = render(load(system), inputs, pdd)
        env.update(rendered)
        safe_env.update(safe)
        secrets += CASES[system]['secrets']
        problems += check_playbook(system, playbook, CASES[system]['secrets'])
    envvars = dict(env, ANSIBLE_COLLECTIONS_PATH=collections_path)

    started = time.monotonic()
    result = ansible_runner.run(private_data_dir=pdd, playbook='%s.yml' % name, envvars=envvars,
                                verbosity=verbosity, quiet=True, suppress_env_files=True, timeout=300)
    elapsed = time.monotonic() - started
    if result.status != 'successful' or result.rc != 0:
        problems.append('ansible-runner: status %s, rc %s\n%s'
                        % (result.status, result.rc, read(os.path.join(result.config.artifact_dir, 'stdout'))[-4000:]))

    # The results are in the events, else the secret scan below would prove nothing: the token
    # a module returned, or (lookup job) the answers the sessions got.
    events_dir = os.path.join(result.config.artifact_dir, 'job_events')
    events = ''.join(read(os.path.join(events_dir, n)) for n in os.listdir(events_dir))
    if name == 'lookup':
        if '/api/v2/configurations' not in events or '"result": "success"' not in events:
            problems.append('no task results in the job events')
    else:
        login = next((e['event_data']['res'] for e in result.events if e.get('event') == 'runner_on_ok'
                      and e['event_data'].get('task') == 'Log in'), {})
        token = str(login.get(CASES[name]['token']) or '')
        if len(token) < 8 or token not in events:
            problems.append('no login result with %s in the job events' % CASES[name]['token'])

    for system in systems:
        stats = emulators.stats(system)
        expected = LOOKUP_COUNTERS[system] if name == 'lookup' else CASES[system]['counters']
        problems += ['%s emulator counted %s=%r, expected %r' % (system, counter, stats.get(counter), value)
                     for counter, value in expected.items() if stats.get(counter) != value]

    hits, files = scan(pdd, secrets, env)
    problems += ['secret in %s' % hit for hit in hits]
    problems += ['AWX job environment (safe_env) shows %s' % k for k, v in safe_env.items()
                 if any(s in v for s in secrets)]
    print('%-8s %s: %d events, %d files scanned for %d secrets, %.1f s, env %s' % (
        name, 'ok' if not problems else 'FAILED', len(list(result.events)), files, len(secrets),
        elapsed, ' '.join(sorted(env))))
    for problem in problems:
        print('    ' + problem)
    return not problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--collections-path', required=True, help='directory holding ansible_collections/')
    parser.add_argument('--systems', default=','.join(SYSTEMS))
    parser.add_argument('--work', help='keep the private data dirs here (default: a temporary dir, removed)')
    parser.add_argument('--verbosity', type=int, default=4)
    parser.add_argument('--no-lookup', dest='lookup', action='store_false',
                        help='skip the job that uses the token lookup with every credential at once')
    args = parser.parse_args(argv)
    systems = [s for s in args.systems.split(',') if s]
    # The job gets exactly the credential's environment: nothing of ours leaks in.
    for name in list(os.environ):
        if name.split('_')[0] in ('ITSMNG', 'BLUECAT', 'SAYMON', 'IPCORTEX'):
            del os.environ[name]
    # Many EEs and corporate hosts set a CA bundle for requests; the credential's CA must win
    # over it (set it when absent, so that this is checked on every machine).
    os.environ.setdefault('REQUESTS_CA_BUNDLE', requests.certs.where())
    sys.path.insert(0, os.path.abspath(args.collections_path))
    os.environ['PATH'] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', '')
    work = args.work or tempfile.mkdtemp(prefix='awx-')
    os.makedirs(work, exist_ok=True)
    emulators = Emulators(systems, work)
    try:
        jobs = [(s, [s]) for s in systems]
        if args.lookup and os.path.exists(os.path.join(COLLECTION, 'plugins', 'lookup', 'token.py')):
            jobs.append(('lookup', systems))
        results = [run_job(name, job_systems, emulators, work, os.path.abspath(args.collections_path),
                           args.verbosity) for name, job_systems in jobs]
    finally:
        emulators.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print('awx jobs: %d passed, %d failed' % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
