# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Where the collection's modules run: their action plugin (plugins/plugin_utils/_action.py).
    DOCUMENTATION = r'''
attributes:
  action:
    description: Has an action plugin of the same name, which runs the module on the controller.
    support: full
    details:
      - When the task's connection is local (a play with C(connection=local), C(delegate_to=localhost), the
        implicit localhost), the module runs inside the worker process of C(ansible-playbook) instead of a
        module process of its own, with the same options, checks, messages, check mode and results, at a
        fraction of the cost per task. Environment variables are read from the controller's environment
        and the task's C(environment).
      - With any other connection (for example C(delegate_to) a jump host that alone reaches the API), with
        C(become) or C(async), or when the variable C(apiauth_sessions_in_process) is V(false), the module
        runs as a module process where the connection goes, as any module does.
'''
