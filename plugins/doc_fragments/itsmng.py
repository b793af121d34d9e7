# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of ITSM-NG (and GLPI); the table in module_utils/itsmng.py is the
    # declaration the code uses, and a unit test keeps this text in step with it.
    DOCUMENTATION = r'''
options:
  url:
    description:
      - API root of the ITSM-NG or GLPI server, ending in C(/apirest.php), for example
        C(https://itsm.example.com/apirest.php).
      - If not set, the environment variable E(ITSMNG_URL) is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Turn off only for tests; prefer O(ca_path).
      - If not set, the environment variable E(ITSMNG_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the CA(s) that signed the server certificate.
      - If not set, the environment variable E(ITSMNG_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - If not set, the environment variable E(ITSMNG_TIMEOUT) is used.
    type: float
    default: 30
  app_token:
    description:
      - App-Token of the API client (Setup > General > API), when the server requires one.
      - If not set, the environment variable E(ITSMNG_APP_TOKEN) is used.
    type: str
  user_token:
    description:
      - Personal remote access key of the user (My settings > Remote access key).
      - When both O(user_token) and O(username)/O(password) are given, O(user_token) is used and a
        warning says so.
      - If not set, the environment variable E(ITSMNG_USER_TOKEN) is used.
    type: str
  username:
    description:
      - Login name, used with O(password) when no O(user_token) is given.
      - If not set, the environment variable E(ITSMNG_USERNAME) is used.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the environment variable E(ITSMNG_PASSWORD) is used.
    type: str
  credentials_in:
    description:
      - Where credentials and tokens travel. V(header) (recommended) sends C(Authorization),
        C(App-Token) and C(Session-Token) headers; V(query) sends them as query parameters, for
        proxies (Apache with PHP-FPM) that strip the C(Authorization) header.
      - If not set, the environment variable E(ITSMNG_CREDENTIALS_IN) is used.
    type: str
    choices: [header, query]
    default: header
notes:
  - Runs on the controller; use C(delegate_to=localhost) or C(connection=local) so that
    credentials injected by AWX/AAP reach the module.
  - Works with ITSM-NG, GLPI 9.5 and GLPI 10, which share this REST API.
requirements:
  - requests
'''

    # The session the profile, entity and info modules act on.
    SESSION = r'''
options:
  session_token:
    description:
      - The session to act on, as returned by M(apiauth.sessions.itsmng_session).
      - When the session has expired and credentials (O(user_token), or O(username) and O(password))
        are given too, the module logs in again once and returns the new RV(session_token) and
        RV(headers); without credentials it fails saying the session expired.
    type: str
    required: true
'''

    # Attributes every ITSM-NG module shares (with ansible.builtin.action_common_attributes).
    ATTRIBUTES = r'''
attributes:
  platform:
    platforms: all
  action_group:
    description: Use C(group/apiauth.sessions.itsmng) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - apiauth.sessions.itsmng
'''
