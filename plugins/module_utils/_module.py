# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one skeleton every module of the collection is written on.

A module file defines DOCUMENTATION, ARGUMENT_SPEC (built with ``<System>.argument_spec(...)``),
optional CONSTRAINTS (AnsibleModule keywords such as required_if) and REVEAL (the result keys that
carry a short-lived token handed back usable), and

    def run(params, check_mode=False, diff=False, warn=ignore):
        ...                       # returns the result dict, or raises ApiError

    def main():
        module_main(ARGUMENT_SPEC, run, reveal=REVEAL, **CONSTRAINTS)

The same run() is called by the module process (module_main) and, on the controller, by the
module's action plugin (plugins/plugin_utils/_action.py). See docs/developing.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError, mask_user_info

# What AnsibleModule shows in the invocation echo for a no_log option.
SECRET_PARAM_MASK = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def ignore(message):
    """The default warn callable: drop the warning."""


@contextmanager
def reporting(client, warn):
    """Hand the warnings of a system client's HTTP core (TLS verification off...) to warn, on success
    and on failure."""
    try:
        yield client
    finally:
        for message in client.http.warnings:
            warn(message)


def _unique(messages):
    seen = []
    for message in messages:
        if message and message not in seen:
            seen.append(message)
    return seen


def call(run, params, check_mode=False, diff=False):
    """Run a module's run(): (result, None, warnings) or (None, ApiError, warnings).

    The error's own warnings (attached by the HTTP client) come after those run() gave, each once.
    """
    warnings = []
    try:
        result = run(params, check_mode=check_mode, diff=diff, warn=warnings.append)
    except ApiError as exc:
        return None, exc, _unique(warnings + list(getattr(exc, 'warnings', None) or ()))
    return result, None, _unique(warnings)


def error_result(error):
    """The failed result of an ApiError: its one sentence, and the status and API code if known."""
    result = {'msg': str(error)}
    if getattr(error, 'status', None) is not None:
        result['status'] = error.status
    if getattr(error, 'code', None) is not None:
        result['error_code'] = error.code
    return result


def masked_args(argument_spec, params):
    """The invocation echo: every no_log option shown as AnsibleModule shows it; a url without the
    user name and password it may hold (it is refused, but echoed first)."""
    return dict((name, SECRET_PARAM_MASK if argument_spec.get(name, {}).get('no_log') and value is not None
                 else mask_user_info(value) if name == 'url' else value) for name, value in params.items())


def revealed(result, reveal):
    """The values of the result keys in reveal (a tuple, or a function of the result giving one):
    short-lived tokens returned usable."""
    keys = reveal(result) if callable(reveal) else reveal
    return [result.get(key) for key in keys if result.get(key)]


def exit_revealing(module, reveal=(), **result):
    """exit_json that returns the short-lived token values in ``reveal`` usable.

    Ansible masks, in a module result, every value equal to a no_log parameter. A session
    token passed in to be reused would come back as ********. We take exactly those tokens
    out of the mask list, and echo the invocation with every no_log option still hidden.
    """
    if module.no_log:
        module.exit_json(**result)
    for value in reveal:
        if value:
            module.no_log_values.discard(value)
    module.exit_json(invocation={'module_args': masked_args(module.argument_spec, module.params)}, **result)


def module_main(argument_spec, run, reveal=(), **constraints):
    """main() of every module: validate, run, warn, exit with the result or the error's sentence."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **constraints)
    result, error, warnings = call(run, module.params, module.check_mode, module._diff)
    for message in warnings:
        module.warn(message)
    if error is not None:
        module.fail_json(**error_result(error))
    exit_revealing(module, reveal=revealed(result, reveal), **result)
