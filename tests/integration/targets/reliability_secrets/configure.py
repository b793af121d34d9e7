"""Give the emulators' users the distinctive secrets of this test (POST /_emulator/config).

    python configure.py STATE.json SECRETS.json
"""
import json
import sys
import urllib.request


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode('utf-8'), method='POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def main(state_file, secrets_file):
    with open(state_file) as handle:
        state = json.load(handle)
    with open(secrets_file) as handle:
        s = json.load(handle)
    config = {
        'itsmng': {'api_clients': [{'name': 'secrets test', 'ip': '127.0.0.1', 'ipv6': '::1',
                                    'app_token': s['itsm_app'], 'active': True}],
                   'users': {'itsm': {'user_token': s['itsm_utok']}, 'tech': {'password': s['itsm_tech_pw']}}},
        'bluecat': {'users': {'bcops': {'password': s['bc_pw'], 'id': 300001}}},
        'saymon': {'users': {'admin': {'password': s['sm_pw']}}},
        'ipcortex': {'users': [{'username': 'opsbot', 'password': s['ipc_pw'], 'id': 4242, 'name': 'Ops Robot',
                                'company': 'example', 'home': 'example', 'perms': {'pbx': 'yes'}}],
                     'keys': {s['ipc_apikey']: 'opsbot'}},
    }
    for system, body in config.items():
        post(state[system]['admin'] + '/config', body)
    print('emulators configured with the test secrets')
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
