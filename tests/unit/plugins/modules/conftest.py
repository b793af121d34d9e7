"""Run a module's main() in-process with given args and capture what it returns.

    def test_x(run_module, requests_mock):
        result = run_module(itsmng_session, {'url': ..., 'state': 'present'})
        assert result['changed'] is True
        result = run_module(itsmng_session, {...}, check_mode=True, fails=True)

Module args are set the way each ansible-core expects: ansible.module_utils.testing on 2.19+,
basic._ANSIBLE_ARGS before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.common.parameters import PASS_VARS

try:
    from ansible.module_utils import _internal as module_utils_internal
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.16 to 2.18
    module_utils_internal = None

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class _Exit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


@pytest.fixture
def run_module(monkeypatch):
    def _run(module, args, check_mode=False, diff=False, fails=False):
        args = dict(args)
        # What the module process is told by ansible-core: the name its messages use.
        args['_ansible_module_name'] = 'apiauth.sessions.' + module.__name__.rsplit('.', 1)[-1]
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        if 'inject_invocation' in PASS_VARS:
            # ansible-core 2.21+ echoes the invocation only on request (INJECT_INVOCATION): ask,
            # so that the tests can check what it would show.
            args['_ansible_inject_invocation'] = True
        printed = []

        def fake_exit(code=0):
            raise _Exit(json.loads(printed[-1]) if printed else {})

        monkeypatch.setattr(basic, 'print', printed.append, raising=False)
        monkeypatch.setattr(basic.sys, 'exit', fake_exit)
        # A module process starts with no warnings: none from an earlier run in this process.
        monkeypatch.setattr(module_warnings, '_global_warnings', type(module_warnings._global_warnings)())
        # A module never runs as the controller; controller code imported by other tests sets this flag.
        if module_utils_internal is not None:
            monkeypatch.setattr(module_utils_internal, 'is_controller', False)
        with patch_module_args(args):
            with pytest.raises(_Exit) as caught:
                module.main()
        result = caught.value.result
        if fails:
            assert result.get('failed'), 'expected a failure, got %r' % (result,)
        else:
            assert not result.get('failed'), 'unexpected failure: %s' % result.get('msg')
        return result
    return _run
