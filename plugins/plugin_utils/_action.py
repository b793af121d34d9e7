# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module: run the module's run() inside the worker process.

Every module of the collection talks to an API from wherever it runs. When the task's
connection is ``local`` (a ``connection: local`` play, ``delegate_to: localhost``, the implicit
localhost), starting a module process (a Python interpreter, Ansible's module code, requests)
costs far more than the API call itself, so the module's run() is called here instead, with what
the module process would have done around it: the same argument validation and messages, the
env fallbacks (the worker's environment plus the task's ``environment:``), check and diff mode,
no_log masking, warnings, one sentence on failure.

The module runs as a module process, exactly as without this plugin, when the connection is not
local (a jump host that alone reaches the API), with ``become``, with ``async``, or when the
variable ``apiauth_sessions_in_process`` is false. See docs/developing.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible import constants as C
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import PASS_VARS, env_fallback, remove_values
from ansible.module_utils.errors import AnsibleFallbackNotFound, UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.apiauth.sessions.plugins.module_utils._module import (
    call, error_result, masked_args, revealed,
)
from ansible_collections.apiauth.sessions.plugins.plugin_utils import token_cache

try:  # ansible-core 2.19+: a failure reads "Module failed", as the module's own would
    from ansible._internal._errors._captured import AnsibleModuleCapturedError
except ImportError:
    AnsibleModuleCapturedError = None

# Set to false (play, host or task variable, or -e) to run the modules as module processes.
IN_PROCESS_VAR = 'apiauth_sessions_in_process'


def env_spec(argument_spec, environ):
    """The argument_spec with its env fallbacks reading ``environ`` instead of os.environ."""
    def lookup(*names, **kwargs):
        for name in names:
            if name in environ:
                return environ[name]
        raise AnsibleFallbackNotFound

    spec = {}
    for name, entry in argument_spec.items():
        fallback = entry.get('fallback')
        if fallback and fallback[0] is env_fallback:
            entry = dict(entry, fallback=(lookup,) + tuple(fallback[1:]))
        spec[name] = entry
    return spec


def validate(module, name, args, environ):
    """(params, no_log values, error message or None), as AnsibleModule validates its arguments."""
    validator = ArgumentSpecValidator(env_spec(module.ARGUMENT_SPEC, environ), **getattr(module, 'CONSTRAINTS', {}))
    validation = validator.validate(args)
    no_log_values = set(validation._no_log_values)
    if not validation.errors.errors:
        return validation.validated_parameters, no_log_values, None
    message = validation.errors.msg
    if isinstance(validation.errors.errors[0], UnsupportedError):
        message = 'Unsupported parameters for (%s) module: %s' % (name, message)
    return validation.validated_parameters, no_log_values, message


class InProcessAction(ActionBase):
    """Subclasses set MODULE, the module (plugins/modules/<name>.py) whose run() this plugin calls."""

    MODULE = None

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(InProcessAction, self).run(tmp, task_vars)
        del tmp  # no longer has any effect
        task_vars = task_vars or {}
        if not self._in_process(task_vars):
            return self._module_process(result, task_vars)
        result.update(self._run_here(task_vars))
        return result

    # -- where the module runs --------------------------------------------------------------
    def _in_process(self, task_vars):
        wanted = self._templar.template(task_vars.get(IN_PROCESS_VAR, True))
        return (getattr(self._connection, 'transport', None) == 'local'
                and not self._task.async_val
                and not self._play_context.become
                and boolean(wanted, strict=False))

    def _module_process(self, result, task_vars):
        """What ansible.builtin.normal does: the module as a process where the connection goes."""
        wrap_async = self._task.async_val and not getattr(self._connection, 'has_native_async', False)
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _environment(self):
        """The environment the module process would see: the worker's, plus the task's ``environment:``."""
        task_env = {}
        self._compute_environment_string(task_env)
        environ = dict(os.environ)
        environ.update((str(key), str(value)) for key, value in task_env.items())
        return environ

    # -- the module's work, here --------------------------------------------------------------
    def _run_here(self, task_vars):
        params, no_log_values, message = validate(self.MODULE, self._task.action, dict(self._task.args),
                                                  self._environment())
        if message is not None:
            out, reveal = {'failed': True, 'msg': message}, ()
        else:
            out, reveal = self._call(params)
        return self._finish(out, params, no_log_values, task_vars, reveal)

    def _call(self, params):
        """(result, the token values it hands back): run(), its warnings, a failure as one sentence."""
        try:
            result, error, warnings = call(self.MODULE.run, params, bool(self._task.check_mode),
                                           bool(self._task.diff))
        except Exception as exc:  # a bug must still read as one sentence, without a traceback
            return {'failed': True, 'msg': '%s: unexpected %s: %s' % (self._task.action, type(exc).__name__, exc)}, ()
        if error is not None:
            out, reveal = dict(failed=True, **error_result(error)), ()
        else:
            warnings.extend(self._track(params, result))
            out, reveal = dict(result), revealed(result, getattr(self.MODULE, 'REVEAL', ()))
        if warnings:
            out['warnings'] = warnings
        return out, reveal

    def _finish(self, out, params, no_log_values, task_vars, reveal):
        """Mask as AnsibleModule does: no_log values out of the result, except the tokens handed back."""
        no_log = self._task.no_log or C.config.get_config_value('DEFAULT_NO_TARGET_SYSLOG', variables=task_vars)
        if self._echo_invocation(task_vars) and not (no_log and not out.get('failed')):
            out['invocation'] = {'module_args': masked_args(self.MODULE.ARGUMENT_SPEC, params)}
        out = remove_values(out, no_log_values - set(reveal))
        if AnsibleModuleCapturedError is not None:
            AnsibleModuleCapturedError.normalize_result_exception(out)
        return out

    @staticmethod
    def _echo_invocation(task_vars):
        """ansible-core 2.21 echoes the module arguments only when INJECT_INVOCATION asks for it."""
        if 'inject_invocation' not in PASS_VARS:
            return True
        return boolean(C.config.get_config_value('INJECT_INVOCATION', variables=task_vars), strict=False)

    # -- the run's session cleanup ----------------------------------------------------------------
    def _track(self, params, result):
        """Tell the run's cache what this task opened or ended, so that the session_cleanup callback
        ends what the run leaves open. Returns warnings (none when all went well)."""
        tracked = getattr(self.MODULE, 'tracked', None)
        if tracked is None:
            return []
        opened, ended = tracked(params, result)
        if opened is None and ended is None:
            return []
        try:
            name = self.MODULE.SESSIONS.NAME
            if opened is not None:
                token_cache.record_opened(name, params, opened)
            if ended is not None:
                token_cache.forget(name, params, ended)
        except Exception as exc:  # the task did its work; only the safety net is missing
            return ['%s: the session could not be recorded for the end-of-run cleanup (%s); end it with '
                    'state=absent.' % (self.MODULE.SESSIONS.SYSTEM, type(exc).__name__)]
        return []
