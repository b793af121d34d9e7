#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: bluecat_request
short_description: Make an authenticated BlueCat Address Manager RESTful v2 API call on the run's session
version_added: 1.1.0
description:
  - "The act step without an init or a kill task: one authenticated call to the BlueCat Address Manager
    API on the run's session, opened at the first call and shared by every task, host and fork of the
    run."
  - "O(path) is relative to C(<url>/api/v2), for example C(configurations), C(views/2/zones) or
    C(zones/3/resourceRecords)."
  - "Paging (O(all_pages=true)): C(limit) and C(offset) query parameters (O(page_size) items a request;
    the server allows up to 100000); each answer holds C(count), C(data) and, while more remain,
    C(_links.next), which the module follows."
  - "C(changed) is false for reads and true for writes (override it with C(changed_when)). In check mode
    reads are sent and writes are not (RV(sent) is false, C(changed) as the write would be)."
extends_documentation_fragment:
  - apiauth.sessions.bluecat
  - apiauth.sessions.request
  - ansible.builtin.action_common_attributes
  - apiauth.sessions.in_process
options:
  api_token:
    description:
      - A session to use instead of the run's, the C(apiToken) returned by M(apiauth.sessions.bluecat_session),
        with O(username) the user it was issued to. It is never replaced; when the server says it is gone,
        the task fails saying so.
    type: str
attributes:
  check_mode:
    support: full
    details:
      - Reads run and report their answer; writes are not sent.
  diff_mode:
    support: none
  platform:
    platforms: all
  action_group:
    description: Use C(group/apiauth.sessions.bluecat) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - apiauth.sessions.bluecat
seealso:
  - module: apiauth.sessions.bluecat_session
  - plugin: apiauth.sessions.token
    plugin_type: lookup
  - plugin: apiauth.sessions.session_cleanup
    plugin_type: callback
author:
  - apiauth.sessions maintainers (@apiauth)
'''

EXAMPLES = r'''
- name: Every host record of a zone, all pages (no init, no kill task)
  apiauth.sessions.bluecat_request:
    url: https://bam.example.com
    username: api
    password: "{{ vault_bam_password }}"
    path: zones/3/resourceRecords
    all_pages: true
  register: records   # records.json: one list of every record

- name: Add a host record
  apiauth.sessions.bluecat_request:
    path: zones/3/resourceRecords
    method: POST
    body:
      type: HostRecord
      name: web-02
      addresses: [192.0.2.12]
    status_code: [201]
  register: record

- name: Change its address (a JSON merge patch)
  apiauth.sessions.bluecat_request:
    path: "resourceRecords/{{ record.json.id }}"
    method: PATCH
    body:
      addresses: [192.0.2.13]
'''

RETURN = r'''
status:
  description: The HTTP status of the answer (of the last page with O(all_pages=true)); null when check mode did not send the request.
  returned: always
  type: int
  sample: 200
json:
  description:
    - The decoded JSON answer, with every secret masked.
    - With O(all_pages=true), every item of every page as one list.
  returned: when the answer is JSON
  type: raw
content:
  description: The answer as text when it is not JSON, with every secret masked.
  returned: when the answer is not JSON
  type: str
headers:
  description: The response headers, without those that carry or set credentials (C(Set-Cookie) and the like).
  returned: when sent
  type: dict
  sample: {"Content-Type": "application/json"}
pages:
  description: The number of requests O(all_pages=true) made.
  returned: with O(all_pages=true)
  type: int
  sample: 2
relogged_in:
  description: The server had ended the session; this task logged in again and repeated the call.
  returned: when sent
  type: bool
requests:
  description: The number of API requests this task made (a repeated call and every page included; logins not).
  returned: when sent
  type: int
sent:
  description: False when check mode did not send a request that writes.
  returned: always
  type: bool
url:
  description: The URL called, without its query string.
  returned: when sent
  type: str
method:
  description: The method used, upper case.
  returned: always
  type: str
path:
  description: The path called, relative to the API root.
  returned: always
  type: str
msg:
  description: What check mode did not send.
  returned: in check mode, for a method that writes
  type: str
'''

from ansible_collections.apiauth.sessions.plugins.module_utils._module import ignore, module_main
from ansible_collections.apiauth.sessions.plugins.module_utils._request import execute, request_options
from ansible_collections.apiauth.sessions.plugins.module_utils.bluecat import Bluecat

ARGUMENT_SPEC = Bluecat.argument_spec(**request_options(Bluecat, Bluecat.REQUEST_SESSION_OPTION))


def run(params, check_mode=False, diff=False, warn=ignore, cache=None, configured_dir=None):
    """One authenticated call; cache is the controller's run cache, in configured_dir (both given by the
    action plugin)."""
    return execute(Bluecat, params, check_mode=check_mode, warn=warn, cache=cache,
                   configured_dir=configured_dir)


def main():
    module_main(ARGUMENT_SPEC, run)


if __name__ == '__main__':
    main()
