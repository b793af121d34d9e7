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
  - apiauth.sessions.in_process
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

from ansible_collections.apiauth.sessions.plugins.module_utils._http import ApiError
from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main, reporting
from ansible_collections.apiauth.sessions.plugins.module_utils.itsmng import PRODUCT, Itsmng, ItsmngClient

ARGUMENT_SPEC = Itsmng.argument_spec(
    email=dict(type='str', required=True),
    password_forget_token=dict(type='str', no_log=True),
    new_password=dict(type='str', no_log=True),
)
CONSTRAINTS = dict(required_together=[('password_forget_token', 'new_password')])


def check_email(value):
    """The address, stripped; refused before any request when it cannot be one."""
    email = (value or '').strip()
    if '@' not in email or any(c in email for c in '\r\n\0'):
        raise ApiError(PRODUCT, 'email must be the email address of the user (one line, with an @).')
    return email


def run(params, check_mode=False, diff=False, warn=ignore):
    email = check_email(params['email'])
    completing = bool(params['password_forget_token'])
    client = ItsmngClient(params)
    with reporting(client, warn):
        if check_mode:
            return dict(changed=False, completed=completing)
        message = client.lost_password(email, params['password_forget_token'], params['new_password'])
    return dict(changed=True, completed=completing, message=message)


def main():
    module_main(ARGUMENT_SPEC, run, **CONSTRAINTS)


if __name__ == '__main__':
    main()
