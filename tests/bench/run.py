#!/usr/bin/env python3
"""Benchmarks of apiauth.sessions: logins per run, cost per task, and how they grow.

    bash tests/bench/run.sh [--quick] [--full] [--repeat N] [--budget SECONDS] [--no-doc]

run.sh prepares the venv and the collection, then runs this file with the venv's Python:

    python tests/bench/run.py --collections DIR --doc docs/performance.md [options]

It starts the ITSM-NG emulator on 127.0.0.1, runs the playbooks of tests/bench/playbooks with
ansible-playbook (local connection, one inventory host per simulated host), reads the
emulator's counters after each run (POST /_emulator/reset before, GET /_emulator/stats
after), prints the tables, and rewrites the figures section of docs/performance.md.

Sections:
  1. logins per playbook run for N hosts and F forks: the token lookup against (a) uri
     initSession per host and (b) itsmng_session present/absent per host;
  2. cost per task: K tasks with itsmng_session_info against K uri tasks with the lookup's
     headers (medians of --repeat runs);
  3. the lookup's own cost per call, warm (cache) and cold (cache=false, first call);
  4. the itsmng_lifecycle role (init, 10 calls, kill) against the same work by hand with uri.

Not part of the test suite: it measures, and fails only when a count is wrong (e.g. more than
one login per run with the lookup) or a playbook fails.
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
COLLECTION = os.path.dirname(os.path.dirname(HERE))  # .../ansible_collections/apiauth/sessions
# The emulator's default ITSM-NG user (tests/emulators/README.md): public test values.
ITSM_USER_TOKEN = 'V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA'
ITSM_APP_TOKEN = 'mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b'
BEGIN, END = '<!-- bench:begin -->', '<!-- bench:end -->'
METHODS = ('lookup', 'uri', 'module')
METHOD_TITLES = {'lookup': 'token lookup', 'uri': '(a) uri initSession', 'module': '(b) itsmng_session'}
# Module runs per host of each section 1 method: what a run costs, for the time budget.
MODULE_RUNS = {'lookup': 1, 'uri': 3, 'module': 3}


def now():
    return time.monotonic()


class Bench(object):

    def __init__(self, args):
        self.args = args
        self.started = args.started or time.time()
        self.deadline = self.started + args.budget
        self.work = tempfile.mkdtemp(prefix='apiauth-bench-')
        self.skipped = []      # sentences for the output: what was not run, and why
        self.failures = []     # wrong counts: the bench exits 1
        self.rates = {}        # seconds per module run, learned per parallelism class
        self.startup = 2.0     # seconds of ansible-playbook start and end, learned
        self.emulator = None
        self.admin = None
        atexit.register(self.close)

    # -- set-up ---------------------------------------------------------------------------
    def close(self):
        if self.emulator is not None and self.emulator.poll() is None:
            self.emulator.terminate()
            try:
                self.emulator.wait(10)
            except subprocess.TimeoutExpired:
                self.emulator.kill()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def start_emulator(self):
        state = os.path.join(self.work, 'state.json')
        log = open(os.path.join(self.work, 'emulator.log'), 'w')
        self.emulator = subprocess.Popen(
            [sys.executable, os.path.join(COLLECTION, 'tests', 'emulators', 'serve.py'), '--systems', 'itsmng',
             '--state', state, '--max-seconds', str(int(self.args.budget + 600))],
            stdout=log, stderr=subprocess.STDOUT)
        for _attempt in range(200):  # 20 s at most
            if os.path.exists(state) and os.path.getsize(state):
                break
            if self.emulator.poll() is not None:
                raise SystemExit('the emulator stopped: see %s' % log.name)
            time.sleep(0.1)
        else:
            raise SystemExit('the emulator did not start within 20 s')
        with open(state) as handle:
            emu = json.load(handle)['itsmng']
        self.admin = emu['admin']
        self.vars_file = os.path.join(self.work, 'vars.json')
        with open(self.vars_file, 'w') as handle:
            json.dump({'itsm_url': emu['url'], 'itsm_user_token': ITSM_USER_TOKEN,
                       'itsm_app_token': ITSM_APP_TOKEN}, handle)
        os.chmod(self.vars_file, 0o600)

    def configure(self):
        """An ansible.cfg of the bench's own, so that no user or project setting changes a figure."""
        for name in ('cache', 'local_tmp', 'remote_tmp'):
            os.makedirs(os.path.join(self.work, name), mode=0o700)
        self.cfg = os.path.join(self.work, 'ansible.cfg')
        with open(self.cfg, 'w') as handle:
            handle.write('\n'.join([
                '[defaults]',
                'collections_path = %s' % self.args.collections,
                'callbacks_enabled = apiauth.sessions.session_cleanup',
                'local_tmp = %s' % os.path.join(self.work, 'local_tmp'),
                'remote_tmp = %s' % os.path.join(self.work, 'remote_tmp'),
                'retry_files_enabled = false',
                'nocolor = true',
                '',
                '[apiauth_sessions]',
                'cache_dir = %s' % os.path.join(self.work, 'cache'),
                '']))
        self.env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
        for name in ('APIAUTH_SESSIONS_CACHE_DIR', 'ITSMNG_URL', 'ITSMNG_APP_TOKEN', 'ITSMNG_USER_TOKEN',
                     'ITSMNG_USERNAME', 'ITSMNG_PASSWORD'):
            self.env.pop(name, None)
        self.env.update(ANSIBLE_CONFIG=self.cfg, PYTHONDONTWRITEBYTECODE='1')
        self.ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

    def inventory(self, hosts):
        path = os.path.join(self.work, 'inventory-%d' % hosts)
        if not os.path.exists(path):
            with open(path, 'w') as handle:
                handle.write('[fleet]\n')
                handle.write(''.join('host%04d\n' % i for i in range(1, hosts + 1)))
                handle.write('\n[all:vars]\nansible_connection=local\nansible_python_interpreter=%s\n'
                             % sys.executable)
        return path

    def repeated(self, name, count):
        """playbooks/<name>.yml with its single task repeated count times (section 2)."""
        path = os.path.join(self.work, '%s-%d.yml' % (name, count))
        with open(os.path.join(PLAYBOOKS, name + '.yml')) as handle:
            head, task = handle.read().split('  tasks:\n', 1)
        with open(path, 'w') as handle:
            handle.write(head + '  tasks:\n')
            for index in range(1, count + 1):
                handle.write(task.replace('(task 1)', '(task %d)' % index))
        return path

    # -- one measured run ---------------------------------------------------------------------
    def admin_call(self, what, method='GET'):
        request = urllib.request.Request('%s/%s' % (self.admin, what), method=method,
                                         data=b'{}' if method == 'POST' else None,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode('utf-8'))

    def play(self, playbook, hosts=None, forks=1, extra=None, label=''):
        """Run one playbook; returns dict(wall, logins, logouts, requests, live)."""
        self.admin_call('reset', 'POST')
        command = [self.ansible_playbook, playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook),
                   '-i', self.inventory(hosts or 1) if hosts else 'localhost,', '-f', str(forks),
                   '-e', '@' + self.vars_file]
        if not hosts:
            command += ['-e', 'ansible_connection=local ansible_python_interpreter=%s' % sys.executable]
        for key, value in (extra or {}).items():
            command += ['-e', '%s=%s' % (key, value)]
        log = os.path.join(self.work, 'last.log')
        started = now()
        with open(log, 'w') as handle:
            code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT, env=self.env, cwd=self.work)
        wall = now() - started
        if code != 0:
            with open(log) as handle:
                sys.stderr.write(''.join(handle.readlines()[-60:]))
            raise SystemExit('FAILED (%s): %s' % (label or playbook, ' '.join(command)))
        stats = self.admin_call('stats')
        return dict(wall=wall, logins=stats.get('logins'), logouts=stats.get('logouts'),
                    requests=stats.get('requests'), live=stats.get('live_sessions'))

    def learn(self, result, module_runs, parallel):
        if module_runs >= 20:
            rate = max(result['wall'] - self.startup, 0.0) / module_runs
            self.rates[parallel] = rate if parallel not in self.rates else (self.rates[parallel] + rate) / 2
        elif module_runs <= 1:
            self.startup = min(self.startup, result['wall'])

    def estimate(self, module_runs, parallel):
        return self.startup + module_runs * self.rates.get(parallel, 0.35 if not parallel else 0.2)

    def affordable(self, seconds, what):
        left = self.deadline - time.time()
        if seconds > left:
            self.skipped.append('%s: skipped, the time budget left %.0f s and it would take about %.0f s.'
                                % (what, max(left, 0), seconds))
            return False
        return True

    def check(self, condition, text):
        if not condition:
            self.failures.append(text)
            print('CHECK FAILED: ' + text, file=sys.stderr)

    def progress(self, text):
        print('  %-70s %6.0f s' % (text, time.time() - self.started), file=sys.stderr, flush=True)

    # -- section 1 ----------------------------------------------------------------------------
    def plan_logins(self):
        """(hosts, forks, method, why-not or None). Keeps the command within its budget on 2 cores."""
        a = self.args
        if a.quick:
            sizes, forks_values = (1, 10), (1, 10)
        else:
            sizes, forks_values = (1, 10, 100, 500), (1, 10, 50)
        plan = []
        for hosts in sizes:
            for forks in forks_values:
                for method in METHODS:
                    why = None
                    runs = hosts * MODULE_RUNS[method]
                    if not a.full:
                        if forks == 1 and hosts >= 500:
                            why = '500 sequential hosts: about 2 min per method, --full runs it'
                        elif method != 'lookup' and hosts >= 500:
                            why = 'an alternative at 500 hosts makes 1500 module runs (3-5 min); --full runs it'
                        elif method != 'lookup' and hosts >= 100 and forks < 50:
                            why = 'an alternative at 100 hosts and forks %d makes 300 module runs; --full runs it' \
                                  % forks
                        elif method != 'lookup' and forks > hosts and forks != forks_values[0] and hosts > 1:
                            why = 'forks above the host count: the same as forks %d' % hosts
                    plan.append((hosts, forks, method, runs, why))
        return plan

    def logins(self):
        print('1. logins per run', file=sys.stderr)
        results = {}
        for hosts, forks, method, runs, why in self.plan_logins():
            key = (hosts, forks, method)
            if why:
                results[key] = None
                continue
            parallel = min(forks, hosts) > 1
            if not self.affordable(self.estimate(runs, parallel) + self.reserve(1),
                                   '%d hosts, forks %d, %s' % (hosts, forks, METHOD_TITLES[method])):
                results[key] = None
                continue
            result = self.play('logins_%s.yml' % method, hosts=hosts, forks=forks, label='logins')
            self.learn(result, runs, parallel)
            results[key] = result
            self.progress('%4d hosts, forks %2d, %-22s logins %4s, %.1f s'
                          % (hosts, forks, METHOD_TITLES[method], result['logins'], result['wall']))
            if method == 'lookup':
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0,
                           'token lookup, %d hosts, forks %d: %s logins, %s logouts, %s sessions left (expected 1, 1, 0)'
                           % (hosts, forks, result['logins'], result['logouts'], result['live']))
            else:
                self.check(result['logins'] == hosts and result['live'] == 0,
                           '%s, %d hosts: %s logins, %s sessions left (expected %d, 0)'
                           % (METHOD_TITLES[method], hosts, result['logins'], result['live'], hosts))
        self.results['logins'] = results

    # -- section 2 ----------------------------------------------------------------------------
    def cost(self):
        print('2. cost per task', file=sys.stderr)
        sizes = (20,) if self.args.quick else (20, 200)
        results = {}
        for count in sizes:
            books = dict((m, self.repeated('cost_%s' % m, count)) for m in ('module', 'uri'))
            runs = dict((m, []) for m in books)
            for index in range(self.args.repeat):
                for method in ('module', 'uri') if index % 2 == 0 else ('uri', 'module'):  # interleaved
                    if index > 0 and not self.affordable(self.estimate(count, False) + self.reserve(2),
                                                         'cost per task, K=%d, run %d' % (count, index + 1)):
                        break
                    result = self.play(books[method], label='cost %s K=%d' % (method, count))
                    self.learn(result, count, False)
                    runs[method].append(result)
                    self.check(result['logins'] == 1 and result['live'] == 0,
                               'cost per task, %s, K=%d: %s logins, %s sessions left (expected 1, 0)'
                               % (method, count, result['logins'], result['live']))
                self.progress('K=%d, run %d: module %.1f s, uri %.1f s'
                              % (count, index + 1, runs['module'][-1]['wall'], runs['uri'][-1]['wall']))
            results[count] = runs
        self.results['cost'] = results

    # -- section 3 ----------------------------------------------------------------------------
    def lookup_cost(self):
        print('3. the lookup per call', file=sys.stderr)
        calls, cold = (50, 10) if self.args.quick else (300, 40)
        out = os.path.join(self.work, 'lookup-cost.json')
        samples = []
        for index in range(self.args.repeat):
            if index > 0 and not self.affordable(15 + self.reserve(3), 'lookup per call, run %d' % (index + 1)):
                break
            result = self.play('lookup_cost.yml', extra={'bench_calls': calls, 'bench_cold_calls': cold,
                                                         'bench_out': out}, label='lookup cost')
            with open(out) as handle:
                t = [float(x) for x in json.load(handle)]
            base = (t[1] - t[0]) / calls  # one loop item without a lookup
            samples.append(dict(
                first=(t[3] - t[2]) - (t[2] - t[1]),  # the first call's task minus a plain task
                warm=(t[4] - t[3]) / calls - base,
                validate=(t[5] - t[4]) / calls - base,
                cold=(t[6] - t[5]) / cold - base,
                result=result))
            expected = 1 + 1 + cold  # the run's session, the validate loop replaces none, cold: one each
            self.check(result['logins'] == expected - 1 or result['logins'] == expected,
                       'lookup per call: %s logins (expected %d)' % (result['logins'], expected - 1))
            self.check(result['live'] == 0, 'lookup per call: %s sessions left after the run' % result['live'])
            self.progress('run %d: warm %.2f ms, cold %.1f ms' % (index + 1, samples[-1]['warm'] * 1e3,
                                                                   samples[-1]['cold'] * 1e3))
        self.results['lookup'] = dict(samples=samples, calls=calls, cold=cold)

    # -- section 4 ----------------------------------------------------------------------------
    def lifecycle(self):
        print('4. role against hand-written uri', file=sys.stderr)
        runs = {'role': [], 'uri': []}
        for index in range(self.args.repeat):
            for method in ('role', 'uri') if index % 2 == 0 else ('uri', 'role'):
                if index > 0 and not self.affordable(self.estimate(14, False) + self.reserve(4),
                                                     'role run %d' % (index + 1)):
                    break
                result = self.play('lifecycle_%s.yml' % method, label='lifecycle %s' % method)
                runs[method].append(result)
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0,
                           'lifecycle %s: %s logins, %s logouts, %s left (expected 1, 1, 0)'
                           % (method, result['logins'], result['logouts'], result['live']))
            self.progress('run %d: role %.1f s, uri %.1f s' % (index + 1, runs['role'][-1]['wall'],
                                                               runs['uri'][-1]['wall']))
        self.results['lifecycle'] = runs

    def reserve(self, section):
        """Seconds to keep for the sections after `section` (their first, compulsory runs)."""
        sizes = (20,) if self.args.quick else (20, 200)
        later = {1: 3 * 15 + 2 * (2 * self.estimate(14, False)) + sum(2 * self.estimate(k, False) for k in sizes),
                 3: 2 * self.estimate(14, False) + sum(2 * self.estimate(k, False) for k in sizes),
                 4: sum(2 * self.estimate(k, False) for k in sizes), 2: 0}
        return later.get(section, 0)

    # -- run all ------------------------------------------------------------------------------
    def run(self):
        self.results = {}
        self.machine = machine(self.args)
        self.start_emulator()
        self.configure()
        self.play('logins_lookup.yml', hosts=1, label='warm-up')  # loads caches (AnsiballZ, .pyc) once
        # Order: the cheap sections first, then the per-task costs, then the login matrix, whose
        # largest runs are the ones the budget may cut.
        self.lookup_cost()
        self.lifecycle()
        self.cost()
        self.logins()
        self.machine['load_after'] = load()
        self.machine['seconds'] = time.time() - self.started
        text = report(self)
        print(text)
        if self.failures:
            print('\n%d check(s) failed:\n- %s' % (len(self.failures), '\n- '.join(self.failures)), file=sys.stderr)
            return 1
        if self.args.doc:
            write_doc(self.args.doc, text)
            print('\nwritten: %s' % self.args.doc, file=sys.stderr)
        return 0


# ---------------------------------------------------------------------------------------------
# Machine and versions
# ---------------------------------------------------------------------------------------------
def load():
    try:
        return ' '.join(open('/proc/loadavg').read().split()[:3])
    except OSError:
        return 'unknown'


def machine(args):
    info = {'nproc': len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}
    try:
        cpu = open('/proc/cpuinfo').read()
        info['cpu'] = re.search(r'^model name\s*:\s*(.+)$', cpu, re.M).group(1).strip()
    except (OSError, AttributeError):
        info['cpu'] = platform.processor() or 'unknown'
    try:
        mem = open('/proc/meminfo').read()
        info['memory'] = '%.1f GiB' % (int(re.search(r'^MemTotal:\s*(\d+)', mem, re.M).group(1)) / 1048576.0)
    except (OSError, AttributeError):
        info['memory'] = 'unknown'
    info['os'] = '%s %s' % (platform.system(), platform.release())
    info['python'] = platform.python_version()
    try:
        from ansible.release import __version__ as core
    except ImportError:
        core = 'unknown'
    info['ansible_core'] = core
    try:
        galaxy = open(os.path.join(COLLECTION, 'galaxy.yml')).read()
        info['collection'] = re.search(r'^version:\s*["\']?([^"\'\s]+)', galaxy, re.M).group(1)
    except (OSError, AttributeError):
        info['collection'] = 'unknown'
    info['commit'] = args.commit or 'unknown'
    info['date'] = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    info['load_before'] = load()
    return info


# ---------------------------------------------------------------------------------------------
# The report (Markdown: printed, and written into docs/performance.md)
# ---------------------------------------------------------------------------------------------
def med(values):
    return statistics.median(values) if values else None


def fmt_s(value):
    return '-' if value is None else ('%.1f' % value if value >= 10 else '%.2f' % value)


def spread(values):
    return '%s-%s' % (fmt_s(min(values)), fmt_s(max(values))) if values else '-'


def ratio(a, b):
    return '-' if not a or not b else '%.2f' % (a / b)


def report(bench):
    m, r, a = bench.machine, bench.results, bench.args
    out = []
    add = out.append
    add('Measured on %s: %s CPU(s), %s, %s memory, %s. Python %s, ansible-core %s, apiauth.sessions %s '
        '(%s). Load average %s before, %s after; the run took %.0f s (`bash tests/bench/run.sh%s`).'
        % (m['date'], m['nproc'], m['cpu'], m['memory'], m['os'], m['python'], m['ansible_core'], m['collection'],
           m['commit'], m['load_before'], m['load_after'], m['seconds'], ' --quick' if a.quick else
           (' --full' if a.full else '')))
    add('')
    add('All runs: local connection, the ITSM-NG emulator on 127.0.0.1 (HTTP), one App-Token and one user '
        'token, the session_cleanup callback enabled, default Ansible settings otherwise. Wall time is the '
        'whole `ansible-playbook` command, start-up (about %.1f s here) included.' % bench.startup)

    # 1
    add('')
    add('### 1. Logins per playbook run')
    add('')
    add('Every host makes one API call (`getMyProfiles`). token lookup: `uri` with '
        '`lookup(\'apiauth.sessions.token\', ..., output=\'headers\')`. (a): `uri` initSession, the call, '
        '`uri` killSession per host. (b): `itsmng_session` present, the call, `itsmng_session` absent per host. '
        'Logins and requests are the emulator\'s counters for the run (one run each).')
    add('')
    add('| hosts | forks | logins: lookup / (a) / (b) | HTTP requests: lookup / (a) / (b) | '
        'wall s: lookup / (a) / (b) | sessions left |')
    add('|---:|---:|---|---|---|---|')
    logins = r['logins']
    rows = sorted(set((h, f) for h, f, _m in logins))
    for hosts, forks in rows:
        cells = [logins.get((hosts, forks, method)) for method in METHODS]
        if not any(cells):
            continue

        def col(field, fmt=str):
            return ' / '.join('-' if c is None else fmt(c[field]) for c in cells)
        add('| %d | %d | %s | %s | %s | %s |' % (hosts, forks, col('logins'), col('requests'), col('wall', fmt_s),
                                                 col('live')))
    add('')
    add('"-": not run. ' + ' '.join(sorted(set(
        '%d hosts, forks %d, %s: %s.' % (h, f, METHOD_TITLES[meth], why)
        for h, f, meth, _runs, why in bench.plan_logins() if why and meth != 'lookup' and h >= 100)) |
        set('%d hosts, forks %d, token lookup: %s.' % (h, f, why)
            for h, f, meth, _runs, why in bench.plan_logins() if why and meth == 'lookup')))
    add('Runs with more forks than hosts use as many workers as hosts.')

    # 2
    add('')
    add('### 2. Cost per task')
    add('')
    add('K tasks on localhost, each one authenticated call, one login per run (the lookup). module: '
        '`itsmng_session_info` (4 requests: profiles, active profile, entities, active entities) with '
        '`session_token` from the lookup through `module_defaults`. uri: `ansible.builtin.uri` GET '
        '`getMyProfiles` (1 request) with the lookup\'s headers. Median of %d runs (min-max).' % a.repeat)
    add('')
    add('| K tasks | module: wall s | uri: wall s | module / uri | requests per run: module / uri |')
    add('|---:|---:|---:|---:|---|')
    cost = r['cost']
    per_task = {}
    for count in sorted(cost):
        runs = cost[count]
        mw, uw = [x['wall'] for x in runs['module']], [x['wall'] for x in runs['uri']]
        add('| %d | %s (%s) | %s (%s) | %s | %s / %s |' % (count, fmt_s(med(mw)), spread(mw), fmt_s(med(uw)), spread(uw),
                                                      ratio(med(mw), med(uw)), runs['module'][0]['requests'],
                                                      runs['uri'][0]['requests']))
    if len(cost) == 2:
        low, high = sorted(cost)
        for method in ('module', 'uri'):
            per_task[method] = (med([x['wall'] for x in cost[high][method]]) -
                                med([x['wall'] for x in cost[low][method]])) / (high - low)
        add('| per task (slope %d to %d) | %.0f ms | %.0f ms | %s | |'
            % (low, high, per_task['module'] * 1e3, per_task['uri'] * 1e3, ratio(per_task['module'], per_task['uri'])))

    # 3
    add('')
    add('### 3. The lookup per call')
    add('')
    lk = r['lookup']
    samples = lk['samples']
    add('Inside one play: a `set_fact` loop whose items each evaluate the lookup, minus the same loop '
        'without it; %d warm calls, %d cold calls per run; median of %d runs (min-max).'
        % (lk['calls'], lk['cold'], len(samples)))
    add('')
    add('| call | per call, ms | HTTP requests per call |')
    add('|---|---:|---:|')
    for name, text, requests in (
            ('warm', 'warm: cache hit (default)', '0'),
            ('validate', 'warm, `validate=true`', '1 (`getMyProfiles`)'),
            ('cold', 'cold: `cache=false`', '1 (`initSession`)'),
            ('first', 'cold: first call of a run', '1 (`initSession`)')):
        values = [s[name] * 1e3 for s in samples]
        add('| %s | %.1f (%.1f-%.1f) | %s |' % (text, med(values), min(values), max(values), requests))

    # 4
    add('')
    add('### 4. Role against the same work by hand')
    add('')
    add('Init, 10 calls (`GET Computer`), kill, on localhost. role: `apiauth.sessions.itsmng_lifecycle` with '
        'the 10 calls as its act tasks. by hand: `uri` initSession, the same 10 calls, `uri` killSession in '
        '`always`. Median of %d runs (min-max).' % a.repeat)
    add('')
    add('| | wall s | logins | logouts | HTTP requests |')
    add('|---|---:|---:|---:|---:|')
    lc = r['lifecycle']
    for method, title in (('role', 'itsmng_lifecycle role'), ('uri', 'by hand with uri')):
        walls = [x['wall'] for x in lc[method]]
        first = lc[method][0]
        add('| %s | %s (%s) | %s | %s | %s |' % (title, fmt_s(med(walls)), spread(walls), first['logins'],
                                                 first['logouts'], first['requests']))
    role_w, uri_w = med([x['wall'] for x in lc['role']]), med([x['wall'] for x in lc['uri']])
    add('| role / by hand | %s | | | |' % ratio(role_w, uri_w))

    # Reading
    add('')
    add('### Reading the figures')
    add('')
    big = [(h, f, x) for (h, f, meth), x in logins.items() if meth == 'lookup' and x]
    top = max(big, key=lambda item: (item[0], item[1])) if big else None
    if top:
        alt = [x for (h, f, meth), x in logins.items() if meth != 'lookup' and x and h == max(
            hh for (hh, ff, mm), xx in logins.items() if mm != 'lookup' and xx)]
        add('- Logins: the lookup logged in once per run in every row, %d hosts and %d forks included, and the '
            'callback ended that session; (a) and (b) log in once per host (%s logins at %d hosts).'
            % (top[0], top[1], alt[0]['logins'] if alt else '-', max(
                hh for (hh, ff, mm), xx in logins.items() if mm != 'lookup' and xx) if alt else 0))
    if per_task:
        add('- Per task, the module costs %.0f ms against %.0f ms for `uri` (x%s). Both run one module process '
            'per task; `itsmng_session_info` makes 4 requests where the `uri` task makes 1, and imports '
            '`requests`. Where one call is all a task needs, `uri` with the lookup\'s headers is the cheaper '
            'way; the modules earn their cost where they replace several `uri` tasks and their error handling.'
            % (per_task['module'] * 1e3, per_task['uri'] * 1e3, ratio(per_task['module'], per_task['uri'])))
    if samples:
        add('- The lookup costs %.1f ms per call once the session is cached, against %.1f ms for a login '
            '(cache=false); at every use of a templated variable that is what the cache saves, besides the '
            'login itself on the server.' % (med([s['warm'] * 1e3 for s in samples]),
                                            med([s['cold'] * 1e3 for s in samples])))
    if role_w and uri_w:
        diff = role_w - uri_w
        add('- The role took %s s against %s s by hand (%+.1f s, %+.0f%%): %s'
            % (fmt_s(role_w), fmt_s(uri_w), diff, 100 * diff / uri_w,
               'it runs more tasks than the hand-written play (argument validation, a fact for the act step, '
               'the include of the act tasks, two skipped optional steps) and its session module imports '
               '`requests`; the HTTP traffic is the same (1 login, 10 calls, 1 logout).' if diff > 0 else
               'no slower than by hand, for the same HTTP traffic (1 login, 10 calls, 1 logout).'))
    if bench.skipped:
        add('')
        add('Skipped by the time budget: ' + ' '.join(bench.skipped))
    return '\n'.join(out)


def write_doc(path, text):
    try:
        with open(path) as handle:
            doc = handle.read()
    except OSError:
        doc = ''
    block = '%s\n<!-- Written by tests/bench/run.py: do not edit by hand. -->\n\n%s\n\n%s' % (BEGIN, text, END)
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = '# Performance\n\nFigures of `bash tests/bench/run.sh`.\n\n## Figures\n\n%s\n' % block
    with open(path + '.tmp', 'w') as handle:
        handle.write(doc)
    os.replace(path + '.tmp', path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--collections', required=True, help='the directory holding ansible_collections/')
    parser.add_argument('--doc', help='docs/performance.md to rewrite (its figures section)')
    parser.add_argument('--no-doc', action='store_true', help='print only')
    parser.add_argument('--quick', action='store_true', help='small sizes, for a smoke test (about 1 min)')
    parser.add_argument('--full', action='store_true', help='also the slow combinations (500 hosts and forks 1, '
                        'the alternatives at 500 hosts): far beyond 15 min on 2 cores')
    parser.add_argument('--repeat', type=int, default=5, help='runs per timed figure (median), default 5')
    parser.add_argument('--budget', type=float, default=840, help='seconds from --started that the bench may '
                        'use; optional runs that would not fit are skipped and listed (default 840)')
    parser.add_argument('--started', type=float, help='epoch time the command started (run.sh passes it)')
    parser.add_argument('--commit', help='the commit measured (run.sh passes it)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory (logs, inventories)')
    args = parser.parse_args(argv)
    args.repeat = max(1, min(args.repeat, 50))
    if args.no_doc or args.quick:
        args.doc = None  # a quick run's figures are not the documented ones
    if args.full:
        args.budget = max(args.budget, 4 * 3600)
    return Bench(args).run()


if __name__ == '__main__':
    sys.exit(main())
