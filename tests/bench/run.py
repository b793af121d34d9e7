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
  2. Cost per task: K tasks of itsmng_session (one call each) in the worker process, the same
     forced to a module process, and K uri tasks with the lookup's headers.
  3. The lookup per call: warm (cache), warm with validate=true, cold (cache=false), first call.
  4. The itsmng_lifecycle role (init, 10 calls, kill) against the same work by hand with uri.

Wall times are medians of --repeat runs, run in alternation. The command keeps within
--budget seconds (counted from --started): one run of every figure first, then the other runs
of the medians, K=200 (the longest), its other runs and the optional combinations of section
1, each only while it fits; the output lists what was left out. It exits 1 when a count is wrong (for example more than one
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
import signal
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
MODULE_RUNS = {'lookup': 0, 'uri': 2, 'module': 0}  # module processes per host in section 1 ((b) runs in-process)
ROLE_MODULE_RUNS = 12                                  # section 4: login, 10 calls, logout
# Section 2: the same task in the worker process (the default on a local connection), forced to a
# module process (apiauth_sessions_in_process=false), and ansible.builtin.uri.
COST_METHODS = ('module', 'process', 'uri')
COST_PLAYS = {'module': ('cost_module', None), 'process': ('cost_module', {'apiauth_sessions_in_process': False}),
              'uri': ('cost_uri', None)}
HARD_STOP = 45  # seconds past the budget after which a run is stopped: the command ends in time


K200_FIRST = 'cost per task, K=200, run 1'


class OverBudget(Exception):
    """A run went past the budget and was stopped."""


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
        self.work = tempfile.mkdtemp(prefix='apiauth-bench-run-')
        self.emulator = None
        calls, cold = (50, 10) if args.quick else (200, 30)  # section 3: lookups per loop
        self.results = {'logins': {}, 'cost': {}, 'lookup': {'samples': [], 'calls': calls, 'cold': cold},
                        'lifecycle': {'role': [], 'uri': []}}
        self.left_out = []  # sentences: what did not run, and why
        self.failures = []  # wrong counts: exit 1
        self.startup = None  # seconds of an ansible-playbook run that does next to nothing
        self.rate = {}       # seconds per module process ('seq': one worker, 'par': forks), per task
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
            # Its own process group: on the hard stop, this run and its workers end, nothing else.
            proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=self.env, cwd=self.work,
                                    start_new_session=True)
            try:
                code = proc.wait(max(self.deadline + HARD_STOP - time.time(), 5))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                raise OverBudget()
        wall, cpu = time.monotonic() - started, cpu_children() - cpu
        if code != 0:
            with open(log) as handle:
                sys.stderr.write(''.join(handle.readlines()[-60:]))
            raise SystemExit('FAILED: %s (exit %d)' % (' '.join(command), code))
        stats = self.admin_call('stats')
        return dict(wall=wall, cpu=cpu, logins=stats.get('logins'), logouts=stats.get('logouts'),
                    requests=stats.get('requests'), live=stats.get('live_sessions'))

    # -- time budget ---------------------------------------------------------------------------
    def estimate(self, module_runs, kind, tasks=1):
        """Seconds for a run: start-up, module processes, other tasks (learned rates, or guesses)."""
        def rate(name, default):
            seen = self.rate.get(name)
            return median(seen[-5:]) if seen else default
        return (self.startup or 3.0) + module_runs * rate(kind, {'seq': 0.6, 'par': 0.35}[kind]) + \
            tasks * rate('task', 0.15)

    def learn(self, kind, result, units):
        """Seconds per module process (or per task for 'task'), from runs large enough to tell."""
        if units >= 20 and self.startup is not None:
            self.rate.setdefault(kind, []).append(max(result['wall'] - self.startup, 0.0) / units)

    def check(self, condition, text):
        if not condition:
            self.failures.append(text)
            print('CHECK FAILED: ' + text, file=sys.stderr)

    def progress(self, text):
        print('  %-84s %4.0f s' % (text, time.time() - self.started), file=sys.stderr, flush=True)

    # -- 1. logins per run ----------------------------------------------------------------------
    def plan_logins(self):
        """[(hosts, forks, method, tier)]: tier 1 first, 2 after every figure has its runs (while
        the budget allows), 'full' only with --full (minutes each on 2 cores)."""
        if self.args.quick:
            return [(h, f, m, 1) for h in (1, 10) for f in (1, 10) for m in METHODS]
        plan = []
        for hosts in (1, 10, 100, 500):
            for forks in (1, 10, 50):
                for method in METHODS:
                    if method == 'lookup' or (hosts, forks) in ((1, 1), (10, 1), (10, 10)):
                        tier = 1
                    elif (hosts, forks) == (100, 50):
                        tier = 1.5  # the alternatives at 100 hosts: after the first run of each figure
                    elif hosts >= 500 or (hosts >= 100 and forks == 1):
                        tier = 'full'
                    else:
                        tier = 2
                    plan.append((hosts, forks, method, 1 if self.args.full else tier))
        return plan

    def login_job(self, hosts, forks, method):
        module_runs = hosts * MODULE_RUNS[method]
        kind = 'par' if min(hosts, forks) > 1 else 'seq'
        what = '%d hosts, forks %d, %s' % (hosts, forks, TITLES[method])

        def estimate():
            return self.estimate(module_runs, kind, tasks=hosts)

        def run():
            result = self.play('logins_%s.yml' % method, hosts=hosts, forks=forks)
            if (hosts, forks, method) == (1, 1, 'lookup'):
                self.startup = result['wall']
            elif method == 'lookup':
                self.learn('task', result, hosts)
            if module_runs:
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
        return what, estimate, run

    # -- 2. cost per task -------------------------------------------------------------------------
    def cost_job(self, count, index):
        """Run index+1 of the three K-task playbooks, in turn (the order rotates from run to run)."""
        runs = self.results['cost'].setdefault(count, dict((m, []) for m in COST_METHODS))

        def estimate():
            return 2 * self.estimate(count, 'seq') + self.estimate(0, 'seq', tasks=count)

        def run():
            order = COST_METHODS[index % 3:] + COST_METHODS[:index % 3]
            for method in order:
                playbook, extra = COST_PLAYS[method]
                result = self.play(self.repeated(playbook, count), extra=extra)
                if method == 'module':
                    self.learn('task', result, count)
                else:
                    self.learn('seq', result, count)
                runs[method].append(result)
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0,
                           'cost per task, %s, K=%d: %s logins, %s logouts, %s sessions left (expected 1, 1, 0)'
                           % (method, count, result['logins'], result['logouts'], result['live']))
            self.progress('K=%d, run %d: %s' % (count, index + 1, ', '.join(
                '%s %.1f s (CPU %.1f)' % (m, runs[m][-1]['wall'], runs[m][-1]['cpu']) for m in COST_METHODS)))
        return 'cost per task, K=%d, run %d' % (count, index + 1), estimate, run

    # -- 3. the lookup per call -------------------------------------------------------------------
    def lookup_job(self, index):
        data = self.results['lookup']
        calls, cold = data['calls'], data['cold']
        out = os.path.join(self.work, 'lookup-cost.json')

        def estimate():
            return self.took.get('lookup', 20.0)

        def run():
            started = time.time()
            result = self.play('lookup_cost.yml', extra={'bench_calls': calls, 'bench_cold_calls': cold,
                                                         'bench_out': out})
            self.took['lookup'] = time.time() - started
            with open(out) as handle:
                t = [float(x) for x in json.load(handle)]
            # Marks: start, baseline loop, env loop, plain task, first lookup, warm, validate, cold loops.
            item = (t[1] - t[0]) / calls  # one loop item without a lookup
            sample = dict(env=(t[2] - t[1]) / calls - item,
                          first=(t[4] - t[3]) - (t[3] - t[2]),  # the first call's task minus a plain one
                          warm=(t[5] - t[4]) / calls - item,
                          validate=(t[6] - t[5]) / calls - item,
                          cold=(t[7] - t[6]) / cold - item,
                          run=result)
            data['samples'].append(sample)
            # The run's session (1) and one per cold call; the callback ends them all.
            self.check(result['logins'] == 1 + cold and result['logouts'] == 1 + cold and result['live'] == 0,
                       'lookup per call: %s logins, %s logouts, %s sessions left (expected %d, %d, 0)'
                       % (result['logins'], result['logouts'], result['live'], 1 + cold, 1 + cold))
            self.progress('lookup, run %d: warm %.2f ms, validate %.1f ms, cold %.1f ms, first %.1f ms, env %.2f ms'
                          % (index + 1, sample['warm'] * 1e3, sample['validate'] * 1e3, sample['cold'] * 1e3,
                             sample['first'] * 1e3, sample['env'] * 1e3))
        return 'the lookup per call, run %d' % (index + 1), estimate, run

    # -- 4. role against hand-written uri ---------------------------------------------------------
    def lifecycle_job(self, index):
        runs = self.results['lifecycle']

        def estimate():
            return self.took.get('lifecycle', 2 * self.estimate(ROLE_MODULE_RUNS, 'seq', tasks=10))

        def run():
            started = time.time()
            for method in ('role', 'uri') if index % 2 == 0 else ('uri', 'role'):
                result = self.play('lifecycle_%s.yml' % method)
                runs[method].append(result)
                self.check(result['logins'] == 1 and result['logouts'] == 1 and result['live'] == 0
                           and result['requests'] == 12,
                           'lifecycle %s: %s logins, %s logouts, %s left, %s requests (expected 1, 1, 0, 12)'
                           % (method, result['logins'], result['logouts'], result['live'], result['requests']))
            self.took['lifecycle'] = time.time() - started
            self.progress('lifecycle, run %d: role %.1f s (CPU %.1f), by hand %.1f s (CPU %.1f)'
                          % (index + 1, runs['role'][-1]['wall'], runs['role'][-1]['cpu'],
                             runs['uri'][-1]['wall'], runs['uri'][-1]['cpu']))
        return 'role against the same work by hand, run %d' % (index + 1), estimate, run

    # -- all -----------------------------------------------------------------------------------
    def k200_pending(self):
        return not (self.args.quick or self.k200_given_up or self.results['cost'].get(200, {}).get('uri'))

    def jobs(self):
        """[(what, estimate, run, reserve)], most needed first: one run of every figure but K=200,
        the alternatives at 100 hosts, the other runs of those medians (each only if K=200 still
        fits after it, else after K=200), K=200, then its other runs and the optional combinations."""
        repeat, plan = self.args.repeat, self.plan_logins()
        big = () if self.args.quick else (200,)

        def k200():  # seconds to keep for the first K=200 run while it has not run
            return 1.2 * self.cost_job(200, 0)[1]() if self.k200_pending() else 0

        none = None
        jobs = [self.login_job(h, f, m) + (none,) for h, f, m, tier in plan if tier == 1]
        jobs += [job + (k200,) for job in (self.lookup_job(0), self.lifecycle_job(0), self.cost_job(20, 0))]
        jobs += [self.login_job(h, f, m) + (k200,) for h, f, m, tier in plan if tier == 1.5]
        for index in range(1, repeat):
            jobs += [job + (k200,) for job in (self.lookup_job(index), self.lifecycle_job(index),
                                               self.cost_job(20, index))]
        jobs += [self.login_job(h, f, m) + (k200,) for h, f, m, tier in plan if tier == 2 and h < 100]
        jobs += [self.cost_job(k, 0) + (none,) for k in big]
        jobs += [self.login_job(h, f, m) + (none,) for h, f, m, tier in plan if tier == 2 and h >= 100]
        jobs += [self.cost_job(k, i) + (none,) for k in big for i in range(1, repeat)]
        return jobs

    def run(self):
        self.machine = machine(self.args)
        self.took = {}
        self.k200_given_up = False
        self.start_emulator()
        self.configure()
        self.play('warmup.yml')
        pending, deferred = self.jobs(), []
        while pending:
            what, estimate, run, reserve = pending.pop(0)
            seconds, left = 1.2 * estimate(), self.deadline - time.time()  # 20 % for load changes
            if seconds > left:
                self.left_out.append('%s (about %.0f s; %.0f s of the budget left)' % (what, seconds, max(left, 0)))
                if what == K200_FIRST:  # it will not run: what waited for it may use the time
                    self.k200_given_up = True
                    pending, deferred = deferred + pending, []
                continue
            if reserve and seconds + reserve() > left:
                deferred.append((what, estimate, run, None))  # after the run it keeps room for
                continue
            try:
                run()
            except OverBudget:
                self.left_out.append('%s and the runs after it (stopped: over the time budget)' % what)
                pending, deferred = [], []
            if deferred and not self.k200_pending():
                pending, deferred = deferred + pending, []
        for what, estimate, _run, _reserve in deferred:
            self.left_out.append('%s (about %.0f s; no budget left)' % (what, estimate()))
        for hosts, forks, method, tier in self.plan_logins():
            if tier == 'full':
                self.left_out.append('%d hosts, forks %d, %s (%d tasks: only with --full)'
                                     % (hosts, forks, TITLES[method], 2 * hosts))
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


def paired(runs):
    """The same number of runs of each method (a run stopped by the budget may leave one more)."""
    count = min(len(v) for v in runs.values())
    return dict((k, v[:count]) for k, v in runs.items())


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
        'otherwise. Wall time is the whole command, its start-up included (%s s for a one-task play here); '
        'CPU is the user + system time of `ansible-playbook`, its workers and their module processes, not the '
        'emulator\'s: it depends less than wall time on what else the machine runs.' % secs(bench.startup))
    notes = []
    notes += section_logins(add, r['logins'])
    notes += section_cost(add, r['cost'])
    notes += section_lookup(add, r['lookup'])
    notes += section_lifecycle(add, r['lifecycle'])
    add('')
    add('### What these figures say')
    add('')
    out.extend('- ' + note for note in notes)
    if bench.left_out:
        add('')
        add('Not run: ' + '; '.join(bench.left_out) + '.')
    return '\n'.join(out)


def section_logins(add, logins):
    add('')
    add('### 1. Logins per playbook run')
    add('')
    add('Every host of the inventory gets a session for its API calls (the calls themselves, the same whatever '
        'the method, are left out). token lookup: a `set_fact` of `lookup(\'apiauth.sessions.token\', '
        '\'itsmng\', ..., output=\'headers\')` on every host. (a): `uri` initSession, then `uri` killSession, on '
        'every host. (b): `itsmng_session` present, then absent, on every host. The emulator\'s counters for '
        'the run; one run each.')
    add('')
    if not logins:
        add('Not run.')
        return []
    add('| hosts | forks | logins: lookup / (a) / (b) | HTTP requests | sessions left | wall s | CPU s |')
    add('|---:|---:|---|---|---|---|---|')
    for hosts, forks in sorted(set((h, f) for h, f, _m in logins)):
        cells = [logins.get((hosts, forks, method)) for method in METHODS]

        def col(field, fmt=str):
            return ' / '.join('-' if c is None else fmt(c[field]) for c in cells)
        add('| %d | %d | %s | %s | %s | %s | %s |' % (hosts, forks, col('logins'), col('requests'), col('live'),
                                                      col('wall', secs), col('cpu', secs)))
    add('')
    add('"-": not run (see the end). With more forks than hosts, Ansible starts one worker per host.')
    ours = sorted((h, f) for h, f, meth in logins if meth == 'lookup')
    alt = sorted((h, f) for h, f, meth in logins if meth == 'uri')
    notes = ['Logins: with the lookup, 1 per run in each of the %d runs (%s hosts; forks %s), ended by the '
             'callback: 2 requests in all. Without it, one login and one logout per host; logins: %s.'
             % (len(ours), ', '.join(str(h) for h in sorted(set(h for h, _f in ours))),
                ', '.join(str(f) for f in sorted(set(f for _h, f in ours))),
                ', '.join('%s at %d host%s' % (n, h, 's' if h > 1 else '') for h, n in
                          sorted(set((h, logins[(h, f, 'uri')]['logins']) for h, f in alt))) or 'not run')]
    both = [key for key in alt if key + ('module',) in logins and key + ('lookup',) in logins]
    if both:
        key = max(both)
        row = dict((meth, logins[key + (meth,)]) for meth in METHODS)
        notes.append('At %d hosts and forks %d, a session for every host took %s s with the lookup against %s s '
                     'with (a) and %s s with (b) (CPU %s, %s and %s s): the lookup adds a template evaluation per '
                     'host, (a) two module processes per host, (b) two module tasks run in the worker process.'
                     % (key[0], key[1], secs(row['lookup']['wall']), secs(row['uri']['wall']),
                        secs(row['module']['wall']), secs(row['lookup']['cpu']), secs(row['uri']['cpu']),
                        secs(row['module']['cpu'])))
    return notes


def cost_per_task(cost):
    """(basis, {method: {'wall': s, 'cpu': s}}): the slope from the smallest to the largest K, or the
    smallest K's runs (start-up included) when only one K ran."""
    if len(cost) >= 2:
        low, high = min(cost), max(cost)
        per = dict((meth, dict((field, (median([x[field] for x in cost[high][meth]]) -
                                        median([x[field] for x in cost[low][meth]])) / (high - low))
                               for field in ('wall', 'cpu'))) for meth in COST_METHODS)
        return 'each task more, from K=%d to K=%d' % (low, high), per
    count = min(cost)
    per = dict((meth, dict((field, median([x[field] for x in cost[count][meth]]) / count)
                           for field in ('wall', 'cpu'))) for meth in COST_METHODS)
    return 'K=%d, start-up included' % count, per


def section_cost(add, cost):
    add('')
    add('### 2. Cost per task')
    add('')
    add('K tasks on localhost, each one authenticated API call (1 request), one login per run (the lookup). '
        'in-process: `itsmng_session` keeping the lookup\'s session (`session_token` through `module_defaults`: '
        'one GET `getMyProfiles` to check it), run by its action plugin in the worker process, the default on a '
        'local connection. module process: the same playbook with `apiauth_sessions_in_process=false`, which '
        'makes the action plugin execute the module as Ansible does for any module. uri: '
        '`ansible.builtin.uri` GET `getMyProfiles` with the lookup\'s headers. Median (min-max) of the runs '
        'counted; the three playbooks run in turn.')
    add('')
    cost = dict((k, paired(v)) for k, v in cost.items() if all(v[m] for m in COST_METHODS))
    if not cost:
        add('Not run.')
        return []
    add('| K tasks | runs | in-process: wall s | module process: wall s | uri: wall s | in-process / uri | '
        'module process / uri | CPU s: in-process / module process / uri |')
    add('|---:|---:|---|---|---|---:|---:|---|')
    for count in sorted(cost):
        runs = cost[count]
        walls = dict((m, [x['wall'] for x in runs[m]]) for m in COST_METHODS)
        add('| %d | %d | %s | %s | %s | %s | %s | %s |'
            % (count, len(walls['uri']), with_range(walls['module']), with_range(walls['process']),
               with_range(walls['uri']), ratio(median(walls['module']), median(walls['uri'])),
               ratio(median(walls['process']), median(walls['uri'])),
               ' / '.join(secs(median([x['cpu'] for x in runs[m]])) for m in COST_METHODS)))
    basis, per = cost_per_task(cost)
    if len(cost) >= 2:
        add('| each task more (K=%d to %d) | | %.0f ms | %.0f ms | %.0f ms | %s | %s | %s ms |'
            % (min(cost), max(cost), per['module']['wall'] * 1e3, per['process']['wall'] * 1e3,
               per['uri']['wall'] * 1e3, ratio(per['module']['wall'], per['uri']['wall']),
               ratio(per['process']['wall'], per['uri']['wall']),
               ' / '.join('%.0f' % (per[m]['cpu'] * 1e3) for m in COST_METHODS)))
    share = per['module']['wall'] / per['uri']['wall'] if per['uri']['wall'] > 0 else None
    text = ('Per task (%s), a module of the collection in the worker process cost %.0f ms against %.0f ms as a '
            'module process and %.0f ms for `uri` with the lookup\'s headers (%s of `uri`; CPU %.0f, %.0f and '
            '%.0f ms). A module process, `uri`\'s too, is a Python interpreter, Ansible\'s module code and the '
            'module\'s imports on every task; in the worker process the task is the API call and Ansible\'s own '
            'bookkeeping. '
            % (basis, per['module']['wall'] * 1e3, per['process']['wall'] * 1e3, per['uri']['wall'] * 1e3,
               ratio(per['module']['wall'], per['uri']['wall']), per['module']['cpu'] * 1e3,
               per['process']['cpu'] * 1e3, per['uri']['cpu'] * 1e3))
    if share is not None:
        text += ('The goal, at most x0.20 of `uri` per task, is %s here. '
                 % ('met' if share <= 0.2 else 'not met (x%.2f)' % share))
    return [text]


def section_lookup(add, lookup):
    samples = lookup['samples']
    add('')
    add('### 3. The lookup per call')
    add('')
    add('Inside one play on localhost: a `set_fact` loop whose %d items each evaluate the lookup, less the same '
        'loop with a plain expression (%d items for `cache=false`); the first call of a run is a `set_fact` task '
        'less a plain one. Median (min-max) of %d runs.' % (lookup['calls'], lookup['cold'], len(samples)))
    add('')
    if not samples:
        add('Not run.')
        return []
    add('| lookup call | ms per call | HTTP requests per call |')
    add('|---|---|---|')
    rows = (('warm', 'warm: the run\'s session, from the cache (default)', '0'),
            ('validate', 'warm, `validate=true`', '1 (`getMyProfiles`)'),
            ('cold', 'cold: `cache=false`', '1 (`initSession`)'),
            ('first', 'cold: the first call of a run', '1 (`initSession`)'),
            ('env', 'for comparison, `lookup(\'ansible.builtin.env\', \'HOME\')`', '-'))
    for name, text, requests in rows:
        values = [x[name] * 1e3 for x in samples]
        add('| %s | %.1f (%.1f-%.1f) | %s |' % (text, median(values), min(values), max(values), requests))
    value = dict((name, median([x[name] * 1e3 for x in samples])) for name, _t, _r in rows)
    return ['The lookup costs %.1f ms a call from the cache (Ansible\'s own `env` lookup: %.1f ms), %.1f ms with '
            '`validate=true` (one request), %.1f ms when it logs in (`cache=false`) and %.0f ms for the first call '
            'of a run (the plugin loaded, the cache directory made, the login). That is paid at every use of a '
            'templated variable on every host, which is why the login is cached.'
            % (value['warm'], value['env'], value['validate'], value['cold'], value['first'])]


def section_lifecycle(add, life):
    add('')
    add('### 4. Role against the same work by hand')
    add('')
    life = paired(life)
    add('Init, 10 calls (`GET Computer`: one `uri` task with a 10-item loop), kill, on localhost. role: '
        '`apiauth.sessions.itsmng_lifecycle` with the calls as its act tasks. by hand: `uri` initSession, the '
        'same calls, `uri` killSession in `always`. Median (min-max) of %d runs, the two in turn.' % len(life['uri']))
    add('')
    if not life['uri']:
        add('Not run.')
        return []
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
    extra = ('argument validation, a fact before and one after the act step, the include of the act tasks, '
             'three skipped tasks, and `itsmng_session` where the hand-written play '
             'uses `uri`')
    if role_w > 1.02 * hand_w or role_c > 1.02 * hand_c:
        why = ('The difference is the role\'s own tasks: %s. It buys the session\'s end in every case (`always`, '
               '`check_mode: false`) and no secret in the output.' % extra)
    elif role_w < 0.98 * hand_w and role_c < 0.98 * hand_c:
        why = ('The role was the cheaper here although it runs more tasks (%s): its session steps run in the worker '
               'process where the hand-written play starts a `uri` module process for each, and it buys the '
               'session\'s end in every case (`always`, `check_mode: false`).' % extra)
    else:
        why = ('Within 2%%, the role costs the same: its own tasks (%s) are light next to the 12 module runs, and it '
               'buys the session\'s end in every case (`always`, `check_mode: false`).' % extra)
    return ['The role took %s s against %s s by hand (%+.2f s, %+.0f%%), CPU %s against %s s (%+.0f%%), for the '
            'same HTTP traffic (1 login, 10 calls, 1 logout). %s'
            % (secs(role_w), secs(hand_w), role_w - hand_w, 100 * (role_w - hand_w) / hand_w, secs(role_c),
               secs(hand_c), 100 * (role_c - hand_c) / hand_c, why)]


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
    parser.add_argument('--budget', type=float, default=810, help='seconds from --started the command may take: '
                        'runs that would not fit are left out and listed; a run still going %d s after it is stopped '
                        '(default 810)' % HARD_STOP)
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
