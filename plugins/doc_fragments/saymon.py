# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of plugins/module_utils/saymon.py OPTIONS (a unit test keeps them equal).
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Root URL of the SAYMON server, for example C(https://saymon.example.com).
      - The collection adds the API path C(/node/api) itself; a reverse-proxy prefix such as
        C(https://example.com/saymon) is kept.
      - No credentials, query string or fragment in it.
      - If not set, the environment variable E(SAYMON_URL) is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Turn off only for tests; prefer O(ca_path).
      - If not set, the environment variable E(SAYMON_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM) to verify the server's certificate with.
      - If not set, the environment variable E(SAYMON_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - If not set, the environment variable E(SAYMON_TIMEOUT) is used.
    type: float
    default: 30
  username:
    description:
      - Login of the SAYMON account that calls the API with HTTP Basic authentication.
      - Creating or deleting a token, and reading another user, need the C(manage-users)
        permission on this account.
      - If not set, the environment variable E(SAYMON_USERNAME) is used.
    type: str
  password:
    description:
      - Password of that account. Never logged or returned.
      - If not set, the environment variable E(SAYMON_PASSWORD) is used.
    type: str
  user_id:
    description:
      - Id of the SAYMON user whose API token is managed (a MongoDB ObjectId such as
        C(5e21b752308c3c66d64e072c), the C(id) of the user object).
      - Default is the logged-in user (O(username)).
      - If not set, the environment variable E(SAYMON_USER_ID) is used.
    type: str
'''
