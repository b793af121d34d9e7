# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ITSM-NG emulator against the real servers.

Part 1 replays, case by case, the 70 exchanges recorded against ITSM-NG 1.4.0 and the 70
recorded against GLPI 10.0.6 (fixtures/*.md, copies of shared/real-servers): the curl command
line is turned into the same HTTP request, the transcript's session tokens and port are mapped
onto the emulator's, and the status line, every header but Host/Date (in order) and the body
must match byte for byte.

Part 2 covers what the transcripts do not show: check order, App-Token and IP rules,
expiry, lostPassword, full session, locale, rights, items, counters, HTTPS.
"""

import base64
import http.client
import json
import os
import re
import shlex
import ssl
import sys
import tempfile
from urllib.parse import urlsplit

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATORS = os.path.normpath(os.path.join(HERE, '..', '..', 'emulators'))
if EMULATORS not in sys.path:
    sys.path.insert(0, EMULATORS)

from base import EmulatorServer, tls_context  # noqa: E402  pylint: disable=wrong-import-position
from itsmng import APP_TOKEN, ITSM_USER_TOKEN, ItsmngEmulator  # noqa: E402  pylint: disable=wrong-import-position

FIXTURES = os.path.join(HERE, 'fixtures')
SID = re.compile(r'\b[0-9a-v]{26}\b')  # a PHP session id as the servers hand them out

GLPI_APP_TOKEN = 'hwtgp7sCc3aERaatDI19o5a5576oEVVVxDXBcVRp'
# The GLPI 10.0.6 server of the transcript: user glpi/glpi, its tokens and App-Token.
GLPI_SERVER = {
    'api_clients': [{'name': 'full access from localhost', 'ip': '127.0.0.1', 'app_token': GLPI_APP_TOKEN,
                     'active': True}],
    'users': {
        'glpi': {'id': 2, 'password': 'glpi', 'user_token': 'dxqZ2kLZcOuwVtTBqTpNerFHrhMhdPeO7hAsj2Gv',
                 'email': 'glpi@example.com', 'default_profile': 4, 'default_entity': 0,
                 'profiles': [{'profile': 4, 'entity': 0, 'recursive': True},
                              {'profile': 6, 'entity': 1, 'recursive': True},
                              {'profile': 3, 'entity': 2, 'recursive': False}]},
        'tech': {'user_token': 'PjZBu7hWBDEfLefq2IQCEgwrlN3P2Q5G7SagPi4w'},
    },
}
TRANSCRIPTS = {
    'itsmng': ('itsmng-1.4.0.md', 'itsm', None),
    'glpi10': ('glpi-10.0.6.md', 'glpi', GLPI_SERVER),
}

# What the recorder did between cases without recording it (the session tokens of the
# transcript appear already open, killed or switched): replayed before the case.
SETUP = (
    ('killed session reused', 'kill'),
    ('(user tech', 'login:tech'),
    ('after changeActiveProfile to 3', 'profile:3'),
    ('after changeActiveProfile to 6', 'profile:6'),
    ('(profile 3 Admin', 'profile:3'),
)


# -- transcript parsing ------------------------------------------------------------------
def parse_transcript(path):
    """[(title, argv, status_line, [(header, value)], body)] in file order."""
    text = open(path, encoding='utf-8').read()
    cases = []
    for block in re.split(r'^### ', text, flags=re.M)[1:]:
        title = block.split('\n', 1)[0].strip()
        command = re.search(r'^```\n\$ (curl .*)\n```', block, re.M).group(1)
        answer = re.search(r'^```http\n(.*?)\n```', block, re.M | re.S).group(1)
        head, dummy, body = answer.partition('\n\n')
        lines = head.split('\n')
        headers = [tuple(line.split(': ', 1)) for line in lines[1:]]
        cases.append((title, shlex.split(command), lines[0], headers, body.rstrip('\n')))
    return cases


def curl_request(argv):
    """(method, url, [(header, value)], body) as curl sends them for these command lines."""
    method, headers, data, url = None, [], None, None
    args = iter(argv[1:])
    for arg in args:
        if arg in ('-sS', '-i'):
            continue
        if arg == '-X':
            method = next(args)
        elif arg == '-H':
            name, value = next(args).split(':', 1)
            headers.append((name.strip(), value.strip()))
        elif arg == '-u':
            headers.append(('Authorization', 'Basic ' + base64.b64encode(next(args).encode()).decode()))
        elif arg == '-d':
            data = next(args).encode()
        else:
            url = arg
    if data is not None and not any(n.lower() == 'content-type' for n, dummy in headers):
        headers.append(('Content-Type', 'application/x-www-form-urlencoded'))
    return method or ('POST' if data is not None else 'GET'), url, headers, data


def send(server, method, target, headers=(), body=None):
    """One raw HTTP request; returns (status line, [(header, value)] without Date, body)."""
    host, port = server.server_address[:2]
    if server.scheme == 'https':
        conn = http.client.HTTPSConnection(host, port, timeout=10, context=server.client_ctx)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader('User-Agent', 'curl/8.5.0')
        conn.putheader('Accept', '*/*')
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader('Content-Length', str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read().decode('utf-8')
        status = 'HTTP/1.1 %d %s' % (resp.status, resp.reason)
        got = [(n, v) for n, v in resp.getheaders() if n not in ('Date', 'Content-Length')]
        return status, got, data
    finally:
        conn.close()


class Replayer:
    """Plays one transcript in order against one emulator, mapping the recorded session
    tokens onto the emulator's (opening a session the first time a token shows up)."""

    def __init__(self, flavour):
        name, self.user, config = TRANSCRIPTS[flavour]
        self.cases = parse_transcript(os.path.join(FIXTURES, name))
        self.emulator = ItsmngEmulator(config, flavour=flavour)
        self.server = EmulatorServer(self.emulator, '127.0.0.1', 0).start()
        self.app_token = (config or {}).get('api_clients', [{}])[0].get('app_token', APP_TOKEN)
        self.tokens = {}
        self.done = 0
        self.results = {}

    def login(self, user):
        body = send(self.server, 'GET', '/apirest.php/initSession',
                    [('App-Token', self.app_token), ('Authorization', basic(user, user))])[2]
        return json.loads(body)['session_token']

    def call(self, token, method, endpoint, payload=None):
        headers = [('App-Token', self.app_token), ('Session-Token', token), ('Content-Type', 'application/json')]
        body = json.dumps(payload).encode() if payload is not None else None
        status = send(self.server, method, '/apirest.php/' + endpoint, headers, body)[0]
        assert status == 'HTTP/1.1 200 OK', (endpoint, status)

    def run_until(self, index):
        while self.done <= index:
            self.results[self.done] = self.play(self.cases[self.done])
            self.done += 1
        return self.results[index]

    def play(self, case):
        title, argv = case[:2]
        method, url, headers, body = curl_request(argv)
        recorded = SID.findall(url + ' ' + ' '.join(v for n, v in headers))
        steps = [step for key, step in SETUP if key in title]
        for token in recorded:
            if token not in self.tokens:
                self.tokens[token] = self.login('tech' if 'login:tech' in steps else self.user)
        for step in steps:
            for token in recorded:
                if step == 'kill':
                    self.emulator.expire_sessions([self.tokens[token]])
                elif step.startswith('profile:'):
                    self.call(self.tokens[token], 'POST', 'changeActiveProfile', {'profiles_id': int(step[8:])})

        def mapped(text):
            return SID.sub(lambda m: self.tokens.get(m.group(0), m.group(0)), text)
        parts = urlsplit(mapped(url))
        target = parts.path + ('?' + parts.query if parts.query else '')
        host = '%s:%s' % self.server.server_address[:2]
        return send(self.server, method, target, [('Host', host)] + [(n, mapped(v)) for n, v in headers], body)

    def expected(self, case):
        argv, status, headers, body = case[1:]
        recorded_host = urlsplit(curl_request(argv)[1]).netloc
        host = '%s:%s' % self.server.server_address[:2]
        return status, [h for h in headers if h[0] not in ('Host', 'Date')], body.replace(recorded_host, host)


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


def normalise(body, tokens):
    """Session tokens differ between runs: the ones the replay mapped and fresh ones alike."""
    reverse = {v: k for k, v in tokens.items()}
    return SID.sub(lambda m: 'SID(%s)' % reverse.get(m.group(0), 'new'), body)


_REPLAYERS = {}


@pytest.fixture(scope='module')
def replayers():
    yield _REPLAYERS
    for replayer in _REPLAYERS.values():
        replayer.server.shutdown()
        replayer.server.server_close()
    _REPLAYERS.clear()


def case_ids(flavour):
    return [(flavour, i, case[0]) for i, case in enumerate(
        parse_transcript(os.path.join(FIXTURES, TRANSCRIPTS[flavour][0])))]


ALL_CASES = case_ids('itsmng') + case_ids('glpi10')


@pytest.mark.parametrize('flavour,index,title', ALL_CASES,
                         ids=['%s-%02d-%s' % (f, i, re.sub(r'\W+', '_', t)[:60]) for f, i, t in ALL_CASES])
def test_transcript_case(replayers, flavour, index, title):
    replayer = replayers.get(flavour) or replayers.setdefault(flavour, Replayer(flavour))
    status, headers, body = replayer.run_until(index)
    want_status, want_headers, want_body = replayer.expected(replayer.cases[index])
    assert status == want_status, title
    assert headers == want_headers, title
    # the recorded token of a case maps onto the emulator's; a new one is any fresh session id
    want = SID.sub(lambda m: 'SID(%s)' % (m.group(0) if m.group(0) in replayer.tokens else 'new'), want_body)
    assert normalise(body, replayer.tokens) == want, title


def test_transcripts_are_complete():
    """70 cases each, and the two servers differ exactly where their transcripts do."""
    itsm = parse_transcript(os.path.join(FIXTURES, 'itsmng-1.4.0.md'))
    glpi = parse_transcript(os.path.join(FIXTURES, 'glpi-10.0.6.md'))
    assert len(itsm) == len(glpi) == 70
    differ = [a[0] for a, b in zip(itsm, glpi) if a[2] != b[2] or (a[4] == '') != (b[4] == '')]
    assert differ == [
        'killSession OK', 'killSession OK: session_token + app_token as query parameters',
        'changeActiveProfile OK: POST JSON {profiles_id: 6} (Technician)',
        'changeActiveProfile OK: profiles_id as JSON string "3"',
        'changeActiveProfile OK: same profile again (idempotent, 3)',
        'changeActiveProfile OK(!): GET with ?profiles_id=4 (verb is not checked)',
        'changeActiveEntities FAIL: non-existent entity 999',
        'changeActiveEntities FAIL: entities_id negative (-5)',
        'changeActiveEntities FAIL: entity outside the active profile (profile 3 Admin @ Child B only; ask Child A)',
        'changeActiveEntities FAIL: recursive on a non-recursive assignment (profile 3 @ Child B, is_recursive true)',
    ]


# -- part 2: behaviour beyond the transcripts --------------------------------------------
@pytest.fixture
def emu():
    servers = []

    def start(config=None, flavour=None, tls=False):
        emulator = ItsmngEmulator(config, flavour=flavour)
        ctx = None
        if tls:
            ca_dir = tempfile.mkdtemp()
            ctx, ca = tls_context(ca_dir)
        server = EmulatorServer(emulator, '127.0.0.1', 0, ctx).start()
        if tls:
            server.client_ctx = ssl.create_default_context(cafile=ca)
        servers.append(server)
        return Client(server)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class Client:
    def __init__(self, server):
        self.server = server
        self.emulator = server.emulator
        self.token = None

    def req(self, method, endpoint, headers=(), body=None, app_token=APP_TOKEN, session=None, query=''):
        hdrs = []
        if app_token:
            hdrs.append(('App-Token', app_token))
        if session:
            hdrs.append(('Session-Token', session))
        if isinstance(body, (dict, list)):
            hdrs.append(('Content-Type', 'application/json'))
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        status, got, data = send(self.server, method, '/apirest.php/' + endpoint + query, hdrs + list(headers), body)
        return int(status.split()[1]), dict(got), data

    def json(self, *args, **kwargs):
        status, headers, data = self.req(*args, **kwargs)
        return status, (json.loads(data) if data else None)

    def login(self, user='itsm', password=None, **kwargs):
        status, body = self.json('GET', 'initSession', [('Authorization', basic(user, password or {
            'itsm': 'itsm', 'tech': 'tech', 'post-only': 'postonly'}.get(user, user)))], **kwargs)
        assert status == 200, body
        return body['session_token']

    def stats(self):
        return self.emulator.stats_body()


def doc(client, code):
    host, port = client.server.server_address[:2]
    return '; view documentation in your browser at http://%s:%s/apirest.php/#%s' % (host, port, code)


def test_get_with_body_is_refused_before_anything_else(emu):
    client = emu({'api_enabled': False})
    status, headers, data = client.req('GET', 'getMyProfiles', body='{"a": 1}', app_token=None)
    assert status == 400
    assert json.loads(data) == ['ERROR_JSON_PAYLOAD_FORBIDDEN',
                                'GET Request should not have json payload (http body)' + doc(client, 'ERROR_JSON_PAYLOAD_FORBIDDEN')]
    assert 'Pragma' not in headers  # parseIncomingParams runs before the PHP session starts


def test_invalid_json_payload(emu):
    client = emu()
    status, headers, data = client.req('POST', 'changeActiveProfile', [('Content-Type', 'application/json')],
                                       body='{not json')
    assert (status, json.loads(data)) == (400, ['ERROR_JSON_PAYLOAD_INVALID', 'JSON payload seems not valid'])


def test_api_disabled_and_ip_not_allowed(emu):
    client = emu({'api_enabled': False})
    assert client.json('GET', 'initSession') == (400, ['ERROR', 'API disabled'])
    client = emu({'api_clients': [{'name': 'lan', 'ip': '10.0.0.0/8', 'app_token': '', 'active': True},
                                  {'name': 'off', 'ip': '127.0.0.1', 'app_token': '', 'active': False}]})
    status, body = client.json('GET', 'initSession', [('Authorization', basic('itsm', 'itsm'))])
    assert (status, body) == (400, ['ERROR_NOT_ALLOWED_IP', "There isn't an active API client matching your IP "
                                    "address in the configuration (127.0.0.1)"])
    # the IP check precedes the session check on every endpoint
    assert client.json('GET', 'getMyProfiles')[1][0] == 'ERROR_NOT_ALLOWED_IP'


@pytest.mark.parametrize('spec', ['127.0.0.1', '127.0.0.0/8', '127.0.0.1-127.0.0.9', None])
def test_ip_ranges(emu, spec):
    client = emu({'api_clients': [{'name': 'x', 'ip': spec, 'app_token': '', 'active': True}]})
    assert client.json('GET', 'initSession', [('Authorization', basic('itsm', 'itsm'))], app_token=None)[0] == 200


def test_client_without_app_token(emu):
    client = emu({'api_clients': [{'name': 'open', 'ip': '127.0.0.1', 'app_token': '', 'active': True}]})
    token = client.login(app_token=None)
    assert client.json('GET', 'getActiveProfile', session=token, app_token=None)[0] == 200
    # a token that matches no client stays wrong, even where none is needed
    status, body = client.json('GET', 'getMyProfiles', session=token, app_token='nope')
    assert (status, body[0]) == (400, 'ERROR_WRONG_APP_TOKEN_PARAMETER')


def test_check_order_of_init_session(emu):
    client = emu({'login_with_credentials': False})
    # App-Token before parameters
    assert client.json('GET', 'initSession', app_token=None)[1][0] == 'ERROR_APP_TOKEN_PARAMETERS_MISSING'
    # parameters before the credentials switch
    assert client.json('GET', 'initSession')[1][0] == 'ERROR_LOGIN_PARAMETERS_MISSING'
    status, body = client.json('GET', 'initSession', [('Authorization', basic('itsm', 'itsm'))])
    assert (status, body) == (400, ['ERROR_LOGIN_WITH_CREDENTIALS_DISABLED',
                                    'usage of initSession resource with credentials is disabled'])
    # the user token still works
    status, body = client.json('GET', 'initSession', [('Authorization', 'user_token ' + ITSM_USER_TOKEN)])
    assert status == 200 and len(body['session_token']) == 26


def test_user_token_login_can_be_disabled(emu):
    client = emu({'login_with_user_token': False})
    status, body = client.json('GET', 'initSession', [('Authorization', 'user_token ' + ITSM_USER_TOKEN)])
    assert (status, body) == (401, ['ERROR_GLPI_LOGIN_USER_TOKEN', 'parameter user_token seems invalid'])


def test_query_string_session_and_app_token(emu):
    client = emu()
    token = client.login()
    status, body = client.json('GET', 'getActiveEntities', app_token=None,
                               query='?session_token=%s&app_token=%s' % (token, APP_TOKEN))
    assert status == 200 and body['active_entity']['id'] == 0


def test_full_session_at_login_and_later(emu):
    client = emu()
    status, body = client.json('GET', 'initSession', [('Authorization', basic('itsm', 'itsm'))],
                               query='?get_full_session=true')
    assert status == 200
    session = body['session']
    assert session['valid_id'] == body['session_token']
    assert session['glpiID'] == 2 and session['glpiname'] == 'itsm'
    assert session['glpiactiveprofile']['id'] == 4 and session['glpiactiveprofile']['name'] == 'Super-Admin'
    assert session['glpiactive_entity'] == 0 and session['glpiactive_entity_recursive'] == 1
    assert session['glpiactive_entity_name'] == 'Root entity (tree structure)'
    assert session['glpiactiveentities'] == [0, 1, 2, 3]
    assert sorted(session['glpiprofiles']) == ['3', '4', '6']
    token = body['session_token']
    client.req('POST', 'changeActiveEntities', body={'entities_id': 3}, session=token)
    status, body = client.json('GET', 'getFullSession', session=token)
    session = body['session']
    assert session['glpiactive_entity'] == 3 and session['glpiactive_entity_recursive'] is False
    assert session['glpiactive_entity_name'] == 'Root entity &gt; Child A &gt; Grandchild A1'
    assert session['glpiparententities'] == [0, 1]
    assert session['glpiactiveentities_string'] == "'3'"


def test_glpi10_full_session_names(emu):
    client = emu(flavour='glpi10')
    token = client.login()
    client.req('POST', 'changeActiveEntities', body={'entities_id': 1, 'is_recursive': True}, session=token)
    session = client.json('GET', 'getFullSession', session=token)[1]['session']
    assert session['glpiactive_entity_name'] == 'Root entity &#62; Child A (tree structure)'
    assert session['glpiactiveentities'] == {'1': 1, '3': 3}


def test_default_profile_rule_without_default(emu):
    client = emu()
    token = client.login('post-only')
    profile = client.json('GET', 'getActiveProfile', session=token)[1]['active_profile']
    assert (profile['id'], profile['name']) == (8, 'Read-Only')  # alphabetically before Self-Service
    entities = client.json('GET', 'getActiveEntities', session=token)[1]['active_entity']
    assert entities == {'id': 1, 'active_entity_recursive': False, 'active_entities': [{'id': 1}, {'id': 3}]}


def test_sliding_expiry(emu, monkeypatch):
    client = emu({'session_ttl': 100})
    emulator = client.emulator
    clock = [1000.0]
    monkeypatch.setattr(emulator, 'now', lambda: clock[0])
    token = client.login()
    clock[0] += 90
    assert client.json('GET', 'getActiveProfile', session=token)[0] == 200  # use slides the expiry
    clock[0] += 90
    assert client.json('GET', 'getActiveProfile', session=token)[0] == 200
    assert emulator.live_sessions() == 1
    clock[0] += 101
    assert emulator.live_sessions() == 0
    assert client.json('GET', 'getActiveProfile', session=token) == (
        401, ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid'])
    assert client.json('GET', 'killSession', session=token)[0] == 401


def test_expire_via_admin_endpoint(emu):
    client = emu()
    one, two = client.login(), client.login('tech')
    host, port = client.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request('POST', '/_emulator/expire', json.dumps({'sessions': [one]}), {'Content-Type': 'application/json'})
    stats = json.loads(conn.getresponse().read())
    assert stats['live_sessions'] == 1 and [s['user'] for s in stats['sessions']] == ['tech']
    assert client.json('GET', 'getMyProfiles', session=one)[0] == 401
    assert client.json('GET', 'getMyProfiles', session=two)[0] == 200
    client.emulator.forget_sessions()
    assert client.json('GET', 'getMyProfiles', session=two)[0] == 401


def test_lost_password_round_trip(emu):
    client = emu()
    status, body = client.json('PUT', 'lostPassword', body={'email': 'itsm@example.com'}, app_token=None)
    assert status == 200 and body == [
        'If the given email address match an exisiting ITSM-NG user, you will receive an email containing the '
        'informations required to reset your password. Please contact your administrator if you do not receive '
        'any email.']
    token = client.stats()['password_forget_tokens']['itsm@example.com']
    assert re.fullmatch(r'[0-9a-f]{40}', token)
    status, body = client.json('PATCH', 'lostPassword', body={
        'email': 'itsm@example.com', 'password_forget_token': 'f' * 40, 'password': 'N3w-Secret!'})
    assert (status, body[0]) == (400, 'ERROR')
    assert body[1].startswith('Your password reset request has expired or is invalid. Please renew it.; view')
    status, body = client.json('PUT', 'lostPassword', body={
        'email': 'itsm@example.com', 'password_forget_token': token, 'password': 'N3w-Secret!'})
    assert (status, body) == (200, ['Reset password successful.'])
    assert client.json('GET', 'initSession', [('Authorization', basic('itsm', 'itsm'))])[0] == 401
    client.login('itsm', 'N3w-Secret!')
    stats = client.stats()
    assert (stats['password_reset_requests'], stats['password_resets']) == (1, 1)
    assert stats['password_forget_tokens'] == {}
    # the token is single-use
    assert client.json('PUT', 'lostPassword', body={
        'email': 'itsm@example.com', 'password_forget_token': token, 'password': 'x'})[0] == 400


def test_lost_password_unknown_email_answers_the_same(emu):
    client = emu(flavour='glpi10')
    status, body = client.json('PUT', 'lostPassword', body={'email': 'nobody@example.com'})
    assert status == 200 and 'exisiting GLPI user' in body[0]
    assert client.stats()['password_forget_tokens'] == {}


def test_lost_password_refusals(emu):
    client = emu()
    token = client.login()
    status, body = client.json('PUT', 'lostPassword', body={'email': 'itsm@example.com'}, session=token)
    assert (status, body) == (400, ['ERROR', 'A session is active' + doc(client, 'ERROR')])
    status, body = client.json('PUT', 'lostPassword', body={'email': 'itsm@example.com'}, session='killedsessiontoken00000000')
    assert status == 200  # an unknown session token is no active session
    assert client.json('GET', 'lostPassword') == (400, ['ERROR', 'Only HTTP verb PUT is allowed' + doc(client, 'ERROR')])
    assert client.json('PUT', 'lostPassword', body={}) == (400, ['ERROR', 'email parameter missing' + doc(client, 'ERROR')])
    client.emulator.config['notifications_enabled'] = False
    assert client.json('PUT', 'lostPassword', body={'email': 'itsm@example.com'}) == (
        400, ['ERROR', 'Email notifications are disabled' + doc(client, 'ERROR')])


def test_french_locale(emu):
    client = emu({'locale': 'fr_FR'})
    status, body = client.json('GET', 'initSession', [('Authorization', basic('itsm', 'wrong'))])
    assert (status, body) == (401, ['ERROR_GLPI_LOGIN', 'Identifiant ou mot de passe incorrect'])
    status, body = client.json('GET', 'killSession')
    assert body[0] == 'ERROR_SESSION_TOKEN_MISSING' and 'consultez la documentation' in body[1]


def test_rights_and_entities_on_computers(emu):
    client = emu()
    token = client.login()
    status, headers, data = client.req('GET', 'Computer', session=token)
    assert status == 200 and [c['id'] for c in json.loads(data)] == [1, 2, 3, 4]
    assert headers['Content-Range'] == '0-3/4' and headers['Accept-Range'] == 'Computer 1000'
    client.req('POST', 'changeActiveEntities', body={'entities_id': 1, 'is_recursive': True}, session=token)
    names = [c['name'] for c in client.json('GET', 'Computer', session=token)[1]]
    assert names == ['pc-child-a-01', 'pc-grandchild-a1-01']
    assert client.json('GET', 'Computer/3', session=token) == (
        403, ['ERROR_RIGHT_MISSING', "You don't have permission to perform this action."])
    assert client.json('GET', 'Computer/99', session=token) == (404, ['ERROR_ITEM_NOT_FOUND', 'Item not found'])
    status, headers, data = client.req('GET', 'Computer', session=token, query='?range=0-0')
    assert status == 206 and headers['Content-Range'] == '0-0/2'
    # Self-Service may not read computers
    other = client.login('post-only')
    assert client.req('POST', 'changeActiveProfile', body={'profiles_id': 1}, session=other)[0] == 200
    assert client.json('GET', 'Computer', session=other) == (
        403, ['ERROR_RIGHT_MISSING', "You don't have permission to perform this action."])
    assert client.json('GET', 'Computer')[1][0] == 'ERROR_SESSION_TOKEN_MISSING'
    assert client.json('GET', 'NoSuchThing', session=token)[1][0] == 'ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM'


def test_ticket_creation_counts_changes(emu):
    client = emu()
    token = client.login()
    status, headers, data = client.req('POST', 'Ticket', body={'input': {'name': 'Disk full', 'content': 'x'}},
                                       session=token)
    assert status == 201
    body = json.loads(data)
    assert body == {'id': 1, 'message': 'Item successfully added: Disk full'}
    assert headers['location'].endswith('/apirest.php/Ticket/1')
    assert client.stats()['changes'] == 1
    assert client.json('GET', 'Ticket/1', session=token)[1]['name'] == 'Disk full'
    # Read-Only (post-only's first profile) may not create
    other = client.login('post-only')
    assert client.json('POST', 'Ticket', body={'input': {'name': 'No'}}, session=other) == (
        400, ['ERROR_GLPI_ADD', "You don't have permission to perform this action."])
    assert client.json('POST', 'Ticket', body={'input': 'nope'}, session=token)[1][0] == 'ERROR_BAD_ARRAY'
    assert client.stats()['changes'] == 1


def test_counters_and_summary(emu):
    client = emu()
    token = client.login()
    client.json('GET', 'initSession', [('Authorization', basic('itsm', 'bad'))])
    client.req('POST', 'changeActiveProfile', body={'profiles_id': 6}, session=token)
    client.req('POST', 'changeActiveEntities', body={'entities_id': 3}, session=token)
    client.req('POST', 'changeActiveEntities', body={'entities_id': 2}, session=token)  # refused
    stats = client.stats()
    assert {k: stats[k] for k in ('logins', 'failed_logins', 'logouts', 'profile_changes', 'entity_changes',
                                  'password_reset_requests', 'password_resets', 'changes')} == {
        'logins': 1, 'failed_logins': 1, 'logouts': 0, 'profile_changes': 1, 'entity_changes': 1,
        'password_reset_requests': 0, 'password_resets': 0, 'changes': 0}
    assert stats['sessions'] == [{'user': 'itsm', 'active_profile': 6, 'active_entity': 3, 'recursive': False}]
    assert token not in json.dumps(stats)
    client.req('GET', 'killSession', session=token)
    stats = client.stats()
    assert (stats['logouts'], stats['live_sessions'], stats['sessions']) == (1, 0, [])


def test_reset_restores_passwords_and_drops_sessions(emu):
    client = emu()
    token = client.login()
    client.emulator.config['users']['itsm']['password'] = 'changed'
    client.emulator.reset()
    assert client.json('GET', 'getMyProfiles', session=token)[0] == 401
    client.login('itsm', 'itsm')


def test_options_preflight(emu):
    client = emu()
    status, headers, data = client.req('OPTIONS', 'initSession', [
        ('Origin', 'http://example.com'), ('Access-Control-Request-Method', 'GET')], app_token=None)
    assert status == 200 and data == ''
    assert headers['Access-Control-Allow-Origin'] == '*'
    assert headers['Access-Control-Allow-Methods'] == 'PUT, GET, POST, DELETE, OPTIONS'


def test_https(emu):
    client = emu(tls=True)
    token = client.login()
    assert len(token) == 26
    assert client.json('GET', 'getActiveProfile', session=token)[0] == 200


def test_unknown_flavour_is_refused():
    with pytest.raises(ValueError):
        ItsmngEmulator(flavour='glpi9')
