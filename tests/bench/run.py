#!/usr/bin/env python3
"""Benchmarks of apiauth.sessions: logins per run, cost per task, and how they grow.

    bash tests/bench/run.sh [--quick] [--full] [--repeat N] [--budget S] [--no-doc] [--keep]

run.sh prepares the venv and a copy of the collection, then runs this file with the venv's
Python (python run.py --collections DIR --doc docs/performance.md ...). It starts the ITSM-NG
emulator on 127.0.0.1, runs the playbooks of tests/bench/playbooks with ansible-playbook
(local connection; one inventory host per simulated host), reads the emulator's counters
after each run (POST /_emulator/reset before, GET /_emulator/stats after), prints the
tables, and rewrites the figures section of docs/performance.md.

  1. Logins per run for N hosts and F forks: the token lookup, (a) uri initSession and
     killSession per host, (b) itsmng_session present and absent per host.
  2. Cost per task: K tasks with itsmng_session_info against K uri tasks with the lookup's
     headers.
  3. The lookup per call: warm (cache), warm with validate=true, cold (cache=false), first call.
  4. The itsmng_lifecycle role (init, 10 calls, kill) against the same work by hand with uri.

Wall times are medians of --repeat runs, run in alternation. The command keeps within
--budget seconds (counted from --started): the runs every figure needs come first; further
runs of K=200 and the optional combinations of section 1 run only while they fit, and the
output says what was left out. It exits 1 when a count is wrong (for example more than one
login per run with the lookup) or a playbook fails, and then leaves the document alone.
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import resource
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
TITLES = {'lookup': 'token lookup', 'uri': '(a) uri initSession', 'module': '(b) itsmng_session'}
MODULE_RUNS = {'lookup': 0, 'uri': 2, 'module': 2}  # module processes per host in section 1
ROLE_MODULE_RUNS = 12                                  # section 4: login, 10 calls, logout


def cpu_children():
    """CPU seconds (user + system) of the finished children: ansible-playbook, its workers and
    their module processes (not the emulator, still running). Less sensitive to other load on
    the machine than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median(values):
    return statistics.median(values) if values else None


class Bench(object):

    def __init__(self, args):
        self.args = args
        self.started = args.started or time.time()
        self.deadline = self.started + args.budget
        self.work = tempfile.mkdtemp(prefix='apiauth-bench-')
        self.emulator = None
        self.results = {'logins': {}, 'cost': {}, 'lookup': None, 'lifecycle': None}
        self.left_out = []  # sentences: what did not run, and why
        self.failures = []  # wrong counts: exit 1
        self.startup = None  # seconds of an ansible-playbook run that does next to nothing
        self.rate = {}       # seconds per module run: 'seq' (one worker) and 'par' (forks)
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
        with open(os.path.join(self.work, 'emulator.log'), 'w') as log:
            self.emulator = subprocess.Popen(
                [sys.executable, os.path.join(COLLECTION, 'tests', 'emulators', 'serve.py'), '--systems', 'itsmng',
                 '--state', state, '--max-seconds', str(int(self.args.budget + 900))],
                stdout=log, stderr=subprocess.STDOUT)
        for _attempt in range(200):  # 20 s at most
            if os.path.exists(state) and os.path.getsize(state):
                break
            if self.emulator.poll() is not None:
                raise SystemExit('the emulator stopped: see %s/emulator.log (--keep keeps it)' % self.work)
            time.sleep(0.1)
        else:
            raise SystemExit('the emulator did not start within 20 s')
        with open(state) as handle:
            emu = json.load(handle)['itsmng']
        self.admin = emu['admin']
        self.vars_file = os.path.join(self.work, 'vars.json')
        fd = os.open(self.vars_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump({'itsm_url': emu['url'], 'itsm_user_token': ITSM_USER_TOKEN,
                       'itsm_app_token': ITSM_APP_TOKEN}, handle)

    def configure(self):
        """An ansible.cfg of the bench's own, so that no user or project setting changes a figure."""
        for name in ('cache', 'local_tmp', 'remote_tmp'):
            os.makedirs(os.path.join(self.work, name), mode=0o700)
        cfg = os.path.join(self.work, 'ansible.cfg')
        with open(cfg, 'w') as handle:
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
        # No ANSIBLE_* nor credential variable of the caller may change what is measured.
        self.env = dict((k, v) for k, v in os.environ.items()
                        if not k.startswith(('ANSIBLE_', 'ITSMNG_', 'APIAUTH_SESSIONS_')))
        self.env.update(ANSIBLE_CONFIG=cfg)
        self.ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

    def inventory(self, hosts):
        path = os.path.join(self.work, 'inventory-%d' % hosts)
        if not os.path.exists(path):
            with open(path, 'w') as handle:
                handle.write('[fleet]\n' + ''.join('host%04d\n' % i for i in range(1, hosts + 1)))
                handle.write('\n[all:vars]\nansible_connection=local\nansible_python_interpreter=%s\n'
                             % sys.executable)
        return path

    def repeated(self, name, count):
        """playbooks/<name>.yml with its one task written count times (section 2)."""
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

    def play(self, playbook, hosts=None, forks=1, extra=None):
        """Run one playbook; returns dict(wall, cpu, logins, logouts, requests, live)."""
        self.admin_call('reset', 'POST')
        path = playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook)
        command = [self.ansible_playbook, path, '-f', str(forks), '-e', '@' + self.vars_file]
        if hosts:
            command += ['-i', self.inventory(hosts)]
        else:
            command += ['-i', 'localhost,', '-e', json.dumps({'ansible_connection': 'local',
                                                              'ansible_python_interpreter': sys.executable})]
        if extra:
            command += ['-e', json.dumps(extra)]
        log = os.path.join(self.work, 'last.log')
        started, cpu = time.monotonic(), cpu_children()
        with open(log, 'w') as handle:
            code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT, env=self.env, cwd=self.work)
        wall, cpu = time.monotonic() - started, cpu_children() - cpu
        if code != 0:
            with open(log) as handle:
                sys.stderr.write(''.join(handle.readlines()[-60:]))
            raise SystemExit('FAILED: %s (exit %d)' % (' '.join(command), code))
        stats = self.admin_call('stats')
        return dict(wall=wall, cpu=cpu, logins=stats.get('logins'), logouts=stats.get('logouts'),
                    requests=stats.get('requests'), live=stats.get('live_sessions'))

    # -- time budget ---------------------------------------------------------------------------
    def learn(self, kind, result, module_runs):
        if module_runs >= 20 and self.startup is not None:
            rate = max(result['wall'] - self.startup, 0.0) / module_runs
            self.rate[kind] = max(rate, self.rate.get(kind, 0.0))  # pessimistic: stay within the budget

    def estimate(self, module_runs, kind):
        default = {'seq': 0.6, 'par': 0.35}[kind]
        return (self.startup or 3.0) + module_runs * self.rate.get(kind, default)

    def fits(self, seconds, what):
        left = self.deadline - time.time()
        if seconds <= left:
            return True
        self.left_out.append('%s (about %.0f s, %.0f s of the budget left)' % (what, seconds, max(left, 0)))
        return False

    def check(self, condition, text):
        if not condition:
            self.failures.append(text)
            print('CHECK FAILED: ' + text, file=sys.stderr)

    def progress(self, text):
        print('  %-78s %4.0f s' % (text, time.time() - self.started), file=sys.stderr, flush=True)

    # -- 1. logins per run ----------------------------------------------------------------------
    def plan_logins(self):
        """[(hosts, forks, method, tier)]: tier 'run' always, 'extra' while the budget allows,
        'full' only with --full (minutes each on 2 cores)."""
        if self.args.quick:
            return [(h, f, m, 'run') for h in (1, 10) for f in (1, 10) for m in METHODS]
        plan = []
        for hosts in (1, 10, 100, 500):
            for forks in (1, 10, 50):
                for method in METHODS:
                    if method == 'lookup' or (hosts, forks) in ((1, 1), (10, 1), (10, 10), (100, 50)):
                        tier = 'run'
                    elif hosts >= 500 or (hosts >= 100 and forks == 1):
                        tier = 'full'
                    else:
                        tier = 'extra'
                    plan.append((hosts, forks, method, 'run' if self.args.full else tier))
        return plan

    def logins(self, tier):
        for hosts, forks, method, wanted in self.plan_logins():
            if wanted != tier:
                continue
            module_runs = hosts * MODULE_RUNS[method]
            kind = 'par' if min(hosts, forks) > 1 else 'seq'
            what = '%d hosts, forks %d, %s' % (hosts, forks, TITLES[method])
            if tier != 'run' and not self.fits(self.estimate(module_runs, kind), what):
                continue
            result = self.play('logins_%s.yml' % method, hosts=hosts, forks=forks)
            if hosts == 1 and method == 'lookup' and forks == 1:
                self.startup = result['wall']
            self.learn(kind, result, module_runs)
            self.results['logins'][(hosts, forks, method)] = result
            self.progress('%-42s logins %3s, %5.1f s, CPU %5.1f s'
                          % (what, result['logins'], result['wall'], result['cpu']))
            if method == 'lookup':
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0,
                           '%s: %s logins, %s logouts, %s sessions left (expected 1, 1, 0)'
                           % (what, result['logins'], result['logouts'], result['live']))
            else:
                self.check(result['logins'] == hosts and result['logouts'] == hosts and result['live'] == 0,
                           '%s: %s logins, %s logouts, %s sessions left (expected %d, %d, 0)'
                           % (what, result['logins'], result['logouts'], result['live'], hosts, hosts))

    # -- 2. cost per task -------------------------------------------------------------------------
    def cost(self, count, runs_wanted, compulsory):
        books = dict((m, self.repeated('cost_%s' % m, count)) for m in ('module', 'uri'))
        runs = self.results['cost'].setdefault(count, {'module': [], 'uri': []})
        while len(runs['uri']) < runs_wanted:
            index = len(runs['uri'])
            if not compulsory and not self.fits(2 * self.estimate(count, 'seq'),
                                                'K=%d, runs %d to %d' % (count, index + 1, runs_wanted)):
                return
            for method in ('module', 'uri') if index % 2 == 0 else ('uri', 'module'):  # alternate
                result = self.play(books[method])
                self.learn('seq', result, count)
                runs[method].append(result)
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0,
                           'cost per task, %s, K=%d: %s logins, %s logouts, %s sessions left (expected 1, 1, 0)'
                           % (method, count, result['logins'], result['logouts'], result['live']))
            self.progress('K=%d, run %d: module %.1f s (CPU %.1f), uri %.1f s (CPU %.1f)'
                          % (count, index + 1, runs['module'][-1]['wall'], runs['module'][-1]['cpu'],
                             runs['uri'][-1]['wall'], runs['uri'][-1]['cpu']))

    # -- 3. the lookup per call -------------------------------------------------------------------
    def lookup_cost(self):
        calls, cold = (50, 10) if self.args.quick else (300, 40)
        out = os.path.join(self.work, 'lookup-cost.json')
        samples = []
        for index in range(self.args.repeat):
            result = self.play('lookup_cost.yml', extra={'bench_calls': calls, 'bench_cold_calls': cold,
                                                         'bench_out': out})
            with open(out) as handle:
                t = [float(x) for x in json.load(handle)]
            item = (t[1] - t[0]) / calls  # one loop item without a lookup
            samples.append(dict(first=(t[3] - t[2]) - (t[2] - t[1]),  # the first call's task minus a plain one
                                warm=(t[4] - t[3]) / calls - item,
                                validate=(t[5] - t[4]) / calls - item,
                                cold=(t[6] - t[5]) / cold - item,
                                run=result))
            # The run's session (1) and one per cold call; the callback ends them all.
            self.check(result['logins'] == 1 + cold and result['logouts'] == 1 + cold and result['live'] == 0,
                       'lookup per call: %s logins, %s logouts, %s sessions left (expected %d, %d, 0)'
                       % (result['logins'], result['logouts'], result['live'], 1 + cold, 1 + cold))
            self.progress('lookup, run %d: warm %.2f ms, validate %.1f ms, cold %.1f ms, first %.1f ms'
                          % (index + 1, samples[-1]['warm'] * 1e3, samples[-1]['validate'] * 1e3,
                             samples[-1]['cold'] * 1e3, samples[-1]['first'] * 1e3))
        self.results['lookup'] = dict(samples=samples, calls=calls, cold=cold)

    # -- 4. role against hand-written uri ---------------------------------------------------------
    def lifecycle(self):
        runs = {'role': [], 'uri': []}
        for index in range(self.args.repeat):
            for method in ('role', 'uri') if index % 2 == 0 else ('uri', 'role'):
                result = self.play('lifecycle_%s.yml' % method)
                runs[method].append(result)
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0
                           and result['requests'] == 12,
                           'lifecycle %s: %s logins, %s logouts, %s left, %s requests (expected 1, 1, 0, 12)'
                           % (method, result['logins'], result['logouts'], result['live'], result['requests']))
            self.progress('lifecycle, run %d: role %.1f s (CPU %.1f), by hand %.1f s (CPU %.1f)'
                          % (index + 1, runs['role'][-1]['wall'], runs['role'][-1]['cpu'],
                             runs['uri'][-1]['wall'], runs['uri'][-1]['cpu']))
        self.results['lifecycle'] = runs

    # -- all -----------------------------------------------------------------------------------
    def run(self):
        self.machine = machine(self.args)
        self.start_emulator()
        self.configure()
        self.play('logins_lookup.yml', hosts=1)  # warm-up: Python bytecode, AnsiballZ cache
        big = (20,) if self.args.quick else (20, 200)
        print('1. logins per run', file=sys.stderr)
        self.logins('run')
        print('3. the lookup per call', file=sys.stderr)
        self.lookup_cost()
        print('4. role against the same work by hand', file=sys.stderr)
        self.lifecycle()
        print('2. cost per task', file=sys.stderr)
        for count in big:  # every size once (K=20: all its runs, it is cheap), then more of K=200
            self.cost(count, self.args.repeat if count < 100 else 1, compulsory=True)
        for count in big:
            self.cost(count, self.args.repeat, compulsory=False)
        print('1. logins per run, optional combinations', file=sys.stderr)
        self.logins('extra')
        for hosts, forks, method, tier in self.plan_logins():
            if tier == 'full':
                self.left_out.append('%d hosts, forks %d, %s (only with --full: %d module runs)'
                                     % (hosts, forks, TITLES[method], hosts * MODULE_RUNS[method]))
        self.machine['load_after'] = load()
        self.machine['seconds'] = time.time() - self.started
        text = report(self)
        print(text)
        if self.failures:
            print('\n%d check(s) failed, %s left as it was:\n- %s'
                  % (len(self.failures), self.args.doc or 'the document', '\n- '.join(self.failures)), file=sys.stderr)
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
        with open('/proc/loadavg') as handle:
            return ' '.join(handle.read().split()[:3])
    except OSError:
        return 'unknown'


def grep(path, pattern, default='unknown'):
    try:
        with open(path) as handle:
            match = re.search(pattern, handle.read(), re.M)
        return match.group(1).strip() if match else default
    except OSError:
        return default


def machine(args):
    from ansible.release import __version__ as core
    memory = grep('/proc/meminfo', r'^MemTotal:\s*(\d+)', None)
    return {
        'nproc': len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
        'cpu': grep('/proc/cpuinfo', r'^model name\s*:\s*(.+)$', platform.processor() or 'unknown'),
        'memory': '%.1f GiB' % (int(memory) / 1048576.0) if memory else 'unknown',
        'os': '%s %s' % (platform.system(), platform.release()),
        'python': platform.python_version(),
        'ansible_core': core,
        'collection': grep(os.path.join(COLLECTION, 'galaxy.yml'), r'^version:\s*["\']?([^"\'\s]+)'),
        'commit': args.commit or 'unknown',
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'load_before': load(),
    }


# ---------------------------------------------------------------------------------------------
# The report: Markdown, printed and written into docs/performance.md
# ---------------------------------------------------------------------------------------------
def secs(value):
    if value is None:
        return '-'
    return '%.0f' % value if value >= 100 else ('%.1f' % value if value >= 10 else '%.2f' % value)


def with_range(values):
    if not values:
        return '-'
    if len(values) == 1:
        return secs(values[0])
    return '%s (%s-%s)' % (secs(median(values)), secs(min(values)), secs(max(values)))


def ratio(a, b):
    return '-' if not a or not b else 'x%.2f' % (a / b)


def report(bench):
    m, r, a = bench.machine, bench.results, bench.args
    out = []
    add = out.append
    add('Measured %s on %s CPU(s) (%s), %s memory, %s; Python %s, ansible-core %s, apiauth.sessions %s (%s). '
        'Load average %s before and %s after; the command took %.0f s (`bash tests/bench/run.sh%s`).'
        % (m['date'], m['nproc'], m['cpu'], m['memory'], m['os'], m['python'], m['ansible_core'], m['collection'],
           m['commit'], m['load_before'], m['load_after'], m['seconds'],
           ' --quick' if a.quick else (' --full' if a.full else '')))
    add('')
    add('Every run: `ansible-playbook` with the local connection against the ITSM-NG emulator on 127.0.0.1 '
        '(HTTP), one App-Token and one user token, the `session_cleanup` callback enabled, Ansible defaults '
        'otherwise. Wall time is the whole command, its start-up (%s s here for a one-task play) included; '
        'CPU is user + system time of `ansible-playbook`, its workers and module processes (not the emulator).'
        % secs(bench.startup))

    # 1
    logins = r['logins']
    add('')
    add('### 1. Logins per playbook run')
    add('')
    add('Every host of the inventory gets a session for its API calls (the calls themselves, the same for all '
        'three, are left out). token lookup: `set_fact` of `lookup(\'apiauth.sessions.token\', \'itsmng\', ..., '
        'output=\'headers\')` on every host. (a): `uri` initSession and `uri` killSession on every host. (b): '
        '`itsmng_session` present and absent on every host. Counters of the emulator for the run; one run each.')
    add('')
    add('| hosts | forks | logins: lookup / (a) / (b) | HTTP requests | sessions left | wall s | CPU s |')
    add('|---:|---:|---|---|---|---|---|')
    for hosts, forks in sorted(set((h, f) for h, f, _m in logins)):
        cells = [logins.get((hosts, forks, method)) for method in METHODS]

        def col(field, fmt=str):
            return ' / '.join('-' if c is None else fmt(c[field]) for c in cells)
        add('| %d | %d | %s | %s | %s | %s | %s |' % (hosts, forks, col('logins'), col('requests'), col('live'),
                                                      col('wall', secs), col('cpu', secs)))
    add('')
    add('"-": not run (listed at the end). With more forks than hosts, Ansible starts one worker per host.')

    # 2
    add('')
    add('### 2. Cost per task')
    add('')
    add('K tasks on localhost, each one authenticated API call; one login per run (the lookup). module: '
        '`itsmng_session_info`, its `session_token` from the lookup through `module_defaults` (4 requests: '
        'profiles, active profile, entities, active entities). uri: `ansible.builtin.uri` GET `getMyProfiles` '
        '(1 request) with the lookup\'s headers. Median (min-max) of the runs shown.')
    add('')
    add('| K tasks | runs | module: wall s | uri: wall s | module / uri | CPU s: module / uri | '
        'requests: module / uri |')
    add('|---:|---:|---|---|---:|---|---|')
    cost = r['cost']
    per_task = {}
    for count in sorted(cost):
        runs = cost[count]
        mw, uw = [x['wall'] for x in runs['module']], [x['wall'] for x in runs['uri']]
        add('| %d | %d | %s | %s | %s | %s / %s | %s / %s |'
            % (count, len(uw), with_range(mw), with_range(uw), ratio(median(mw), median(uw)),
               secs(median([x['cpu'] for x in runs['module']])), secs(median([x['cpu'] for x in runs['uri']])),
               runs['module'][0]['requests'], runs['uri'][0]['requests']))
    if len(cost) == 2:
        low, high = sorted(cost)
        for method in ('module', 'uri'):
            per_task[method] = dict(
                (field, (median([x[field] for x in cost[high][method]]) -
                         median([x[field] for x in cost[low][method]])) / (high - low)) for field in ('wall', 'cpu'))
        add('| per task (K=%d to %d) | | %.0f ms | %.0f ms | %s | %.0f / %.0f ms | 4 / 1 |'
            % (low, high, per_task['module']['wall'] * 1e3, per_task['uri']['wall'] * 1e3,
               ratio(per_task['module']['wall'], per_task['uri']['wall']),
               per_task['module']['cpu'] * 1e3, per_task['uri']['cpu'] * 1e3))

    # 3
    lookup = r['lookup']
    samples = lookup['samples']
    add('')
    add('### 3. The lookup per call')
    add('')
    add('Inside one play on localhost: a `set_fact` loop whose %d items each evaluate the lookup, less the same '
        'loop without it (%d items for `cache=false`); the first call of the run is one `set_fact` task less a '
        'plain one. Median (min-max) of %d runs.' % (lookup['calls'], lookup['cold'], len(samples)))
    add('')
    add('| lookup call | ms per call | HTTP requests per call |')
    add('|---|---|---|')
    for name, text, requests in (('warm', 'warm: the run\'s session from the cache (default)', '0'),
                                 ('validate', 'warm with `validate=true`', '1 (`getMyProfiles`)'),
                                 ('cold', 'cold: `cache=false`', '1 (`initSession`)'),
                                 ('first', 'cold: the first call of a run', '1 (`initSession`)')):
        values = [s[name] * 1e3 for s in samples]
        add('| %s | %.1f (%.1f-%.1f) | %s |' % (text, median(values), min(values), max(values), requests))

    # 4
    life = r['lifecycle']
    add('')
    add('### 4. Role against the same work by hand')
    add('')
    add('Init, 10 calls (`GET Computer`, one `uri` task with a 10-item loop), kill, on localhost. role: '
        '`apiauth.sessions.itsmng_lifecycle` with the calls as its act tasks. by hand: `uri` initSession, the '
        'same calls, `uri` killSession in `always`. Median (min-max) of %d runs.' % len(life['uri']))
    add('')
    add('| | wall s | CPU s | logins | logouts | HTTP requests |')
    add('|---|---|---|---:|---:|---:|')
    for method, title in (('role', 'itsmng_lifecycle role'), ('uri', 'by hand with uri')):
        first = life[method][0]
        add('| %s | %s | %s | %s | %s | %s |' % (title, with_range([x['wall'] for x in life[method]]),
                                                 secs(median([x['cpu'] for x in life[method]])),
                                                 first['logins'], first['logouts'], first['requests']))
    role_w, hand_w = median([x['wall'] for x in life['role']]), median([x['wall'] for x in life['uri']])
    role_c, hand_c = median([x['cpu'] for x in life['role']]), median([x['cpu'] for x in life['uri']])
    add('| role / by hand | %s | %s | | | |' % (ratio(role_w, hand_w), ratio(role_c, hand_c)))

    # What the figures say, with this run's numbers
    add('')
    add('### What these figures say')
    add('')
    looked = sorted((h, f) for (h, f, meth), x in logins.items() if meth == 'lookup' and x)
    alt = sorted((h, f, meth) for (h, f, meth), x in logins.items() if meth != 'lookup' and x)
    if looked:
        add('- Logins: the lookup logged in once per run in all %d lookup rows (%s hosts, forks %s), and the '
            'callback ended that one session: 2 requests in all. (a) and (b) log in and out once per host: %s.'
            % (len(looked), ', '.join(str(h) for h in sorted(set(h for h, _f in looked))),
               ', '.join(str(f) for f in sorted(set(f for _h, f in looked))),
               ', '.join('%s logins at %d hosts' % (n, h) for h, n in
                         sorted(set((h, logins[(h, f, meth)]['logins']) for h, f, meth in alt if meth == 'uri')))))
        big = max(looked)
        top_alt = [x for x in alt if x[0] == big[0] and x[1] == big[1]]
        if top_alt:
            ours, theirs = logins[big + ('lookup',)], logins[top_alt[0]]
            add('- At %d hosts and forks %d, giving every host a session took %s s with the lookup against %s s '
                'for (a) and %s s for (b): the lookup is a template evaluation per host, the others two module '
                'processes per host.' % (big[0], big[1], secs(ours['wall']), secs(theirs['wall']),
                                         secs(logins.get(big + ('module',), {}).get('wall'))))
    if per_task:
        add('- Per task, the collection\'s module cost %.0f ms against %.0f ms for `uri` with the lookup\'s '
            'headers (%s, %+.0f ms). Both start one module process per task; `itsmng_session_info` imports '
            '`requests` and makes 4 requests where the `uri` task makes 1. Where a task needs one plain call, '
            '`uri` with the lookup\'s headers is the cheaper way; the modules pay off where one replaces several '
            '`uri` tasks, their checks and their error handling.'
            % (per_task['module']['wall'] * 1e3, per_task['uri']['wall'] * 1e3,
               ratio(per_task['module']['wall'], per_task['uri']['wall']),
               (per_task['module']['wall'] - per_task['uri']['wall']) * 1e3))
    if samples:
        add('- The lookup costs %.1f ms per call from the cache, %.1f ms with `validate=true` (one request), '
            'and %.1f ms when it logs in (`cache=false`), for every host and every use of a templated variable.'
            % tuple(median([s[k] * 1e3 for s in samples]) for k in ('warm', 'validate', 'cold')))
    if role_w and hand_w:
        add('- The role took %s s against %s s by hand (%+.1f s, %+.0f%%; CPU %+.1f s) for the same HTTP traffic '
            '(1 login, 10 calls, 1 logout). %s'
            % (secs(role_w), secs(hand_w), role_w - hand_w, 100 * (role_w - hand_w) / hand_w, role_c - hand_c,
               'The difference is the role\'s own tasks: its argument validation, a fact before and one after '
               'the act step, two skipped optional steps, the include of the act tasks, a skipped warning; and '
               '`itsmng_session` (which imports `requests`) where the hand-written play uses `uri`.'
               if role_w > hand_w else 'The role is no slower here.'))
    if bench.left_out:
        add('')
        add('Not run: ' + '; '.join(bench.left_out) + '.')
    return '\n'.join(out)


def write_doc(path, text):
    try:
        with open(path) as handle:
            doc = handle.read()
    except OSError:
        doc = ''
    block = '%s\n<!-- Written by tests/bench/run.py: edit the text around this block, not inside. -->\n\n%s\n\n%s' \
            % (BEGIN, text, END)
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = '# Performance\n\nFigures of `bash tests/bench/run.sh`.\n\n## Figures\n\n%s\n' % block
    with open(path + '.tmp', 'w') as handle:
        handle.write(doc)
    os.replace(path + '.tmp', path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--collections', required=True, help='the directory that holds ansible_collections/')
    parser.add_argument('--doc', help='the Markdown file whose figures section is rewritten')
    parser.add_argument('--no-doc', action='store_true', help='print only')
    parser.add_argument('--quick', action='store_true', help='small sizes, a smoke test; never written to --doc')
    parser.add_argument('--full', action='store_true', help='every combination of section 1, 500 hosts with '
                        'forks 1 and the alternatives at 500 hosts included (far beyond 15 minutes on 2 cores)')
    parser.add_argument('--repeat', type=int, default=5, help='runs per timed figure, for the medians (default 5)')
    parser.add_argument('--budget', type=float, default=840, help='seconds from --started the command may take: '
                        'further runs of K=200 and optional combinations run only while they fit (default 840)')
    parser.add_argument('--started', type=float, help='when the command started (epoch seconds; run.sh)')
    parser.add_argument('--commit', help='the commit measured (run.sh)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory (logs, inventories, playbooks)')
    args = parser.parse_args(argv)
    args.repeat = max(1, min(args.repeat, 50))
    if args.no_doc or args.quick:
        args.doc = None
    if args.full:
        args.budget = max(args.budget, 6 * 3600)
    return Bench(args).run()


if __name__ == '__main__':
    sys.exit(main())
