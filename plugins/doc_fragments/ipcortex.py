# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of plugins/module_utils/ipcortex.py OPTIONS (a unit test keeps them equal).
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Root URL of the IPCortex Communication System, for example C(https://pbx.example.com).
      - Give the server root only; the collection adds C(/rest/...) itself.
      - If not set, the value of the E(IPCORTEX_URL) environment variable is used.
      - Required, as an option or through the environment variable.
    type: str
  validate_certs:
    description:
      - Verify the server TLS certificate. Turn off only for tests; prefer O(ca_path).
      - If not set, the value of the E(IPCORTEX_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM) to verify the server certificate with.
      - If not set, the value of the E(IPCORTEX_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - If not set, the value of the E(IPCORTEX_TIMEOUT) environment variable is used.
    type: float
    default: 30
  username:
    description:
      - Login name of the IPCortex user, for a session (cookie C(Red60urne)) login.
      - Give O(username) and O(password), or O(api_key), not both.
      - If not set, the value of the E(IPCORTEX_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username). Never logged or returned.
      - If not set, the value of the E(IPCORTEX_PASSWORD) environment variable is used.
    type: str
  api_key:
    description:
      - An Auth Key user token (created in the user's token management, type Auth Key).
      - Stateless, it is checked on every call and opens nothing. Never logged or returned.
      - If not set, the value of the E(IPCORTEX_API_KEY) environment variable is used.
    type: str
  api_key_transport:
    description:
      - How O(api_key) is sent.
      - 'V(body) puts it in the JSON body as C({"auth": {"type": "auth", "key": KEY}}).'
      - 'V(header) sends the header C(Authorization: token auth=KEY) (IPCortex release 6.3.10 and later).'
      - If not set, the value of the E(IPCORTEX_API_KEY_TRANSPORT) environment variable is used.
    type: str
    choices: [body, header]
    default: body
notes:
  - These modules talk HTTP from the machine they run on. Run them on the controller
    (C(delegate_to=localhost) or C(connection=local)), because credentials injected by AWX/AAP
    reach the controller only.
  - The module group C(group/apiauth.sessions.ipcortex) sets these options once for every
    IPCortex module with C(module_defaults).
'''
