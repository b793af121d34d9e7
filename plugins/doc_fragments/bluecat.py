# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of BlueCat Address Manager; the table they must match is
    # OPTIONS in plugins/module_utils/bluecat.py (a unit test compares the two).
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Root URL of the Address Manager server, without any path, for example C(https://bam.example.com).
        The collection adds C(/api/v2/...) itself.
      - Required. If not set, the value of the environment variable E(BLUECAT_URL) is used.
    type: str
  validate_certs:
    description:
      - Verify the server TLS certificate. Turn it off only for tests; prefer O(ca_path).
      - If not set, the value of the environment variable E(BLUECAT_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM file) to verify the server certificate with.
      - If not set, the value of the environment variable E(BLUECAT_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - If not set, the value of the environment variable E(BLUECAT_TIMEOUT) is used.
    type: float
    default: 30
  username:
    description:
      - Address Manager user to log in as (a user with API access).
      - Also needed to use or end an existing session, whose Basic credentials are built from it.
      - If not set, the value of the environment variable E(BLUECAT_USERNAME) is used.
    type: str
  password:
    description:
      - Password of O(username). Never shown in any output.
      - If not set, the value of the environment variable E(BLUECAT_PASSWORD) is used.
    type: str
  read_only:
    description:
      - Log in with C(readOnly=true), as a secondary (read-only) Address Manager server
        of a replication cluster requires.
      - If not set, the value of the environment variable E(BLUECAT_READ_ONLY) is used.
    type: bool
    default: false
'''
