# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The options the four request modules share (the act step, docs/act.md)."""

    DOCUMENTATION = r'''
options:
  path:
    description:
      - The resource, relative to the API root of the system (see the module's description).
      - A query string in O(path) is merged with O(query). Absolute URLs, C(..) or C(.) segments
        and encoded slashes are refused; the request always goes to the server of O(url).
    type: str
    required: true
  method:
    description:
      - The HTTP method, one of C(GET), C(HEAD), C(POST), C(PUT), C(PATCH), C(DELETE) (any case).
    type: str
    default: GET
  query:
    description:
      - Query string parameters. The parameters that carry credentials are refused; the module
        puts the session on the request itself.
    type: dict
  body:
    description:
      - The request body, sent as JSON. It must be JSON-serialisable.
    type: raw
  headers:
    description:
      - Extra request headers. Headers that carry authentication (C(Authorization), C(Cookie) and
        the system's own) are refused, as are CR, LF and other control characters in a value.
    type: dict
  status_code:
    description:
      - The statuses that mean success. Default any 2xx. Another status fails the task with the
        server's answer in one sentence.
    type: list
    elements: int
  all_pages:
    description:
      - Follow the system's own paging until the last page and return every item as one list in
        RV(json), with the number of requests in RV(pages). Reads only.
      - What each system offers is in the module's description and in docs/act.md.
    type: bool
    default: false
  page_size:
    description:
      - Items asked for per page with O(all_pages=true).
    type: int
    default: 1000
  max_pages:
    description:
      - The bound of O(all_pages=true). A list longer than O(max_pages) pages fails the task instead
        of being read without end.
    type: int
    default: 100
notes:
  - "The session: by default the run's session of the C(apiauth.sessions.token) lookup (the same cache,
    key and lock, so a play mixing the lookup and request modules logs in once per credential per run),
    which the C(apiauth.sessions.session_cleanup) callback ends at the end of the run. Without that
    callback the module still works and warns once per run that its sessions stay open until they
    expire."
  - When the server says the session is gone, the module logs in again once (under the cache lock,
    one login whatever the forks) and repeats the call once; RV(relogged_in) tells.
  - Runs in the worker process on the controller when the task's connection is local (the
    implicit localhost, C(connection=local), C(delegate_to=localhost)). With another connection it
    runs as a module on that host, where there is no run cache; it logs in for the task and out at
    its end, unless a session is given.
  - Secrets (password, tokens, keys, the session, cookies) are removed from every result. They are
    masked in RV(json) and RV(content), and response headers that carry or set one are left out.
'''
