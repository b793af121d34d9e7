#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: itsmng_password_reset
short_description: Ask for, or complete, an ITSM-NG / GLPI password reset
version_added: 1.0.0
description:
  - With only O(email), asks the server to mail the user a password reset link (C(lostPassword)).
  - With O(email), O(password_forget_token) (from that mail) and O(new_password), sets the new password.
  - Needs no session and sends none (the server refuses the call while a session is active); it
    needs email notifications enabled on the server.
extends_documentation_fragment:
  - apiauth.sessions.itsmng
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.itsmng.attributes
options:
  email:
    description:
      - The email address of the user.
    type: str
    required: true
  password_forget_token:
    description:
      - The token from the reset mail. Give it with O(new_password) to complete the reset.
    type: str
  new_password:
    description:
      - The new password, with O(password_forget_token).
    type: str
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is sent and the task reports no change.
  diff_mode:
    support: none
author:
  - apiauth.sessions maintainers (@apiauth)
'''

EXAMPLES = r'''
- name: Mail the user a reset link
  apiauth.sessions.itsmng_password_reset:
    url: https://itsm.example.com/apirest.php
    email: jane@example.com

- name: Complete the reset with the token from the mail
  apiauth.sessions.itsmng_password_reset:
    url: https://itsm.example.com/apirest.php
    email: jane@example.com
    password_forget_token: "{{ token_from_mail }}"
    new_password: "{{ vault_new_password }}"
'''

RETURN = r'''
completed:
  description: Whether the password was set (true) or only a reset mail was asked for (false).
  returned: success
  type: bool
message:
  description: The server's answer, in the server's language.
  returned: success and not in check mode
  type: str
  sample: An email has been sent to your email address. The email contains information for reset your password.
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError, run_module
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import SYSTEM, ItsmngClient, Itsmng


def act(module, client):
    p = module.params
    email = (p['email'] or '').strip()
    if '@' not in email:
        raise ApiError(SYSTEM, 'ITSM-NG: email must be the email address of the user; got "%s".' % email[:200])
    completing = bool(p['password_forget_token'])
    if module.check_mode:
        return dict(changed=False, completed=completing)
    message = client.lost_password(email, p['password_forget_token'], p['new_password'])
    return dict(changed=True, completed=completing, message=message)


def main():
    module = AnsibleModule(
        argument_spec=Itsmng.argument_spec(
            email=dict(type='str', required=True),
            password_forget_token=dict(type='str', no_log=True),
            new_password=dict(type='str', no_log=True),
        ),
        required_together=[('password_forget_token', 'new_password')],
        supports_check_mode=True,
    )
    run_module(module, lambda m: ItsmngClient(m.params), act)


if __name__ == '__main__':
    main()
