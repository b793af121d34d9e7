# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resources the request modules act on, in each emulator, over real HTTP on 127.0.0.1:
create, read, update, delete, and each system's paging as its vendor documents it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
import requests

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'emulators')
sys.path.insert(0, os.path.abspath(HERE))

from base import EmulatorServer  # noqa: E402  pylint: disable=wrong-import-position
from bluecat import BluecatEmulator  # noqa: E402  pylint: disable=wrong-import-position
from ipcortex import IpcortexEmulator  # noqa: E402  pylint: disable=wrong-import-position
from itsmng import APP_TOKEN, ITSM_USER_TOKEN, ItsmngEmulator  # noqa: E402  pylint: disable=wrong-import-position
from saymon import SaymonEmulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def serve():
    servers = []

    def start(emulator):
        server = EmulatorServer(emulator).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def stats(server):
    return requests.get(server.root + '/_emulator/stats', timeout=5).json()


# -- ITSM-NG ------------------------------------------------------------------------------
def itsm_session(server):
    answer = requests.get(server.url + '/initSession', timeout=5,
                          headers={'App-Token': APP_TOKEN, 'Authorization': 'user_token ' + ITSM_USER_TOKEN})
    return {'App-Token': APP_TOKEN, 'Session-Token': answer.json()['session_token']}


def test_itsmng_update_and_delete_items(serve):
    server = serve(ItsmngEmulator())
    headers = itsm_session(server)
    url = server.url + '/Computer/1'
    updated = requests.put(url, json={'input': {'name': 'renamed'}}, headers=headers, timeout=5)
    assert updated.status_code == 200 and updated.json() == [{'1': True, 'message': ''}]
    assert requests.get(url, headers=headers, timeout=5).json()['name'] == 'renamed'
    patched = requests.patch(url, json={'input': {'serial': 'X'}}, headers=headers, timeout=5)
    assert patched.status_code == 200
    # Without force_purge the item goes to the trash: still readable, out of the list.
    assert requests.delete(url, headers=headers, timeout=5).json() == [{'1': True, 'message': ''}]
    assert requests.get(url, headers=headers, timeout=5).json()['is_deleted'] == 1
    listed = requests.get(server.url + '/Computer', headers=headers, timeout=5).json()
    assert 1 not in [item['id'] for item in listed]
    purged = requests.delete(url, params={'force_purge': 'true'}, headers=headers, timeout=5)
    assert purged.status_code == 200
    gone = requests.put(url, json={'input': {'name': 'x'}}, headers=headers, timeout=5)
    assert gone.status_code == 400 and gone.json()[0] == 'ERROR_GLPI_UPDATE'
    assert stats(server)['changes'] == 4
    assert stats(server)['methods'] == {'GET': 4, 'PUT': 2, 'PATCH': 1, 'DELETE': 2}


def test_itsmng_pages_with_range_and_content_range(serve):
    server = serve(ItsmngEmulator({'generate': {'Computer': 1200}}))
    headers = itsm_session(server)
    first = requests.get(server.url + '/Computer', params={'range': '0-999'}, headers=headers, timeout=5)
    assert first.status_code == 206 and len(first.json()) == 1000
    assert first.headers['Content-Range'] == '0-999/1204'
    last = requests.get(server.url + '/Computer', params={'range': '1000-1999'}, headers=headers, timeout=5)
    assert last.status_code == 206 and len(last.json()) == 204
    assert last.headers['Content-Range'] == '1000-1203/1204'
    whole = requests.get(server.url + '/Computer', params={'range': '0-1299'}, headers=headers, timeout=5)
    assert whole.status_code == 200 and len(whole.json()) == 1204


# -- BlueCat ------------------------------------------------------------------------------
def bluecat_auth(server):
    session = requests.post(server.root + '/api/v2/sessions', json={'username': 'api', 'password': 'api-password'},
                            timeout=5).json()
    return {'Authorization': 'Basic ' + session['basicAuthenticationCredentials']}


def test_bluecat_resources_crud(serve):
    server = serve(BluecatEmulator())
    auth = bluecat_auth(server)
    api = server.root + '/api/v2'
    zones = requests.get(api + '/views/2/zones', headers=auth, timeout=5).json()
    assert zones['count'] == 1 and zones['data'][0]['absoluteName'] == 'example.com'
    record = {'name': 'ftp', 'type': 'HostRecord', 'addresses': ['192.0.2.9']}
    created = requests.post(api + '/zones/3/resourceRecords', json=record, headers=auth, timeout=5)
    assert created.status_code == 201 and created.json()['zone']['id'] == 3
    item = api + '/resourceRecords/%s' % created.json()['id']
    patched = requests.patch(item, json={'addresses': ['192.0.2.99']}, timeout=5,
                             headers=dict(auth, **{'Content-Type': 'application/merge-patch+json'}))
    assert patched.status_code == 200 and patched.json()['addresses'] == ['192.0.2.99']
    put = requests.put(item, json={'name': 'ftp2', 'type': 'HostRecord'}, headers=auth, timeout=5)
    assert put.status_code == 200 and 'addresses' not in put.json() and put.json()['zone']['id'] == 3
    assert requests.delete(item, headers=auth, timeout=5).status_code == 204
    assert requests.get(item, headers=auth, timeout=5).status_code == 404
    assert stats(server)['changes'] == 4


def test_bluecat_pages_with_limit_offset_and_links(serve):
    server = serve(BluecatEmulator({'generate': {'resourceRecords': 1500}}))
    auth = bluecat_auth(server)
    url = server.root + '/api/v2/zones/3/resourceRecords'
    first = requests.get(url, headers=auth, timeout=5).json()
    assert first['count'] == 1000 and len(first['data']) == 1000
    assert first['_links'] == {'next': {'href': '/api/v2/zones/3/resourceRecords?offset=1000&limit=1000'}}
    second = requests.get(server.root + first['_links']['next']['href'], headers=auth, timeout=5).json()
    assert second['count'] == 502 and 'next' not in second['_links'] and 'prev' in second['_links']
    small = requests.get(url, params={'limit': 2}, headers=auth, timeout=5).json()
    assert small['count'] == 2 and small['_links']['next']['href'].endswith('offset=2&limit=2')
    assert requests.get(url, params={'limit': 0}, headers=auth, timeout=5).status_code == 400


# -- SAYMON -------------------------------------------------------------------------------
def test_saymon_objects_crud_and_v2_paging(serve):
    server = serve(SaymonEmulator({'generate_objects': 1100}))
    basic = ('admin', 'admin-S4ymon-emulator-pw')
    api = server.root + '/node/api'
    everything = requests.get(api + '/objects', auth=basic, timeout=5).json()
    assert len(everything) == 1102  # the whole list: this endpoint does not page
    created = requests.post(api + '/objects', json={'name': 'db-01', 'class_id': 4}, auth=basic, timeout=5).json()
    one = api + '/objects/' + created['id']
    assert requests.patch(one, json={'name': 'db-02'}, auth=basic, timeout=5).json()['name'] == 'db-02'
    assert requests.get(one, auth=basic, timeout=5).json()['name'] == 'db-02'
    assert requests.delete(one, auth=basic, timeout=5).status_code == 200
    assert requests.get(one, auth=basic, timeout=5).status_code == 404
    page = requests.post(api + '/v2/getObjects', json={'limit': 500, 'offset': 1000}, auth=basic, timeout=5).json()
    assert len(page) == 102
    bob = ('bob', 'bob-S4ymon-emulator-pw')
    assert requests.delete(api + '/objects/1', auth=bob, timeout=5).status_code == 403


# -- IPCortex -----------------------------------------------------------------------------
def test_ipcortex_extension_update_and_delete(serve):
    server = serve(IpcortexEmulator())
    key = {'Authorization': 'token auth=alice-auth-key-0123456789abcdef'}
    rest = server.root + '/rest/pbx/%s/extension'
    updated = requests.post(rest % 'update', json={'scope': {'extension': '201'}, 'values': {'name': 'Front desk'}},
                            headers=key, timeout=5).json()
    assert updated['result'] == 'success' and updated['values'][0]['name'] == 'Front desk'
    read = requests.post(rest % 'read', json={'scope': {'extension': '201'}}, headers=key, timeout=5).json()
    assert read['numrows'] == 1 and read['values'][0]['name'] == 'Front desk'
    assert requests.post(rest % 'delete', json={'scope': {'extension': ['201']}}, headers=key,
                         timeout=5).json() == {'result': 'success', 'numrows': 1}
    assert requests.post(rest % 'delete', json={}, headers=key, timeout=5).json()['result'] == 'fail'
    assert stats(server)['changes'] == 2 and stats(server)['methods'] == {'POST': 4}
