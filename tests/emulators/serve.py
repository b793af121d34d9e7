"""Start the API emulators on 127.0.0.1 and serve until stopped (or --max-seconds).

    python tests/emulators/serve.py [--systems itsmng,bluecat,saymon,ipcortex]
        [--config FILE.json|.yml] [--flavour itsmng|glpi10] [--tls CA_DIR]
        [--state FILE] [--port-base N] [--max-seconds S]

Prints one JSON line and writes it to --state: per system its "url" (what the modules and the
lookup take), "root" and "admin" (the /_emulator/ endpoints), and "ca" when serving HTTPS.

Systems, their url and test accounts (test values only; tests/emulators/README.md has it all):
  itsmng    <root>/apirest.php  App-Token mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b; users itsm/itsm
            (user_token V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA), tech/tech, post-only/postonly;
            items Computer, Ticket (range paging, Content-Range, 206)
  bluecat   <root>              users api/api-password, user1/pass1; configurations, views, zones,
            resourceRecords under /api/v2 (limit/offset paging, _links.next)
  saymon    <root>              users admin/admin-S4ymon-emulator-pw (manage-users, manage-objects),
            alice/alice-S4ymon-emulator-pw, bob/bob-S4ymon-emulator-pw; objects, v2/getObjects
  ipcortex  <root>              users alice/alice-secret-password (pbx), bob/bob-secret-password;
            Auth Key alice-auth-key-0123456789abcdef; pbx/<verb>/extension

Admin endpoints of each system (never counted):
  GET  <admin>/stats     counters (logins, logouts, requests, changes...), live_sessions,
                         endpoints {"METHOD /path": n}, methods {"GET": n, ...}
  POST <admin>/reset     sessions, counters, faults and resources back to the start
  POST <admin>/config    deep-merge a JSON object into the configuration
  POST <admin>/faults    {"faults": [{"kind": "latency|status|drop|html|truncated|drip|large", ...}]}
  POST <admin>/expire    the server ends every session now (or {"sessions": [ids]})
  POST <admin>/restart   every session gone, counters kept
"""

import argparse
import importlib
import json
import os
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from base import EmulatorServer, tls_context  # noqa: E402

SYSTEMS = {
    'itsmng': ('itsmng', 'ItsmngEmulator'),
    'bluecat': ('bluecat', 'BluecatEmulator'),
    'saymon': ('saymon', 'SaymonEmulator'),
    'ipcortex': ('ipcortex', 'IpcortexEmulator'),
}


def load_config(path):
    if not path:
        return {}
    with open(path) as handle:
        text = handle.read()
    if path.endswith(('.yml', '.yaml')):
        import yaml
        return yaml.safe_load(text) or {}
    return json.loads(text)


def start(systems, config=None, flavour=None, tls_dir=None, port_base=0, host='127.0.0.1'):
    """Start the named emulators in this process; returns (servers, state)."""
    config = config or {}
    ctx, ca = (tls_context(tls_dir) if tls_dir else (None, None))
    servers, state = {}, {}
    for index, name in enumerate(systems):
        module_name, class_name = SYSTEMS[name]
        cls = getattr(importlib.import_module(module_name), class_name)
        emulator = cls(config.get(name), flavour=flavour if name == 'itsmng' else None)
        port = port_base + index if port_base else 0
        server = EmulatorServer(emulator, host, port, ctx).start()
        servers[name] = server
        state[name] = {'url': server.url, 'root': server.root, 'admin': server.root + '/_emulator'}
        if ca:
            state[name]['ca'] = ca
    return servers, state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--systems', default=','.join(SYSTEMS),
                        help='comma-separated emulators to start (default: %(default)s)')
    parser.add_argument('--config', help='JSON or YAML file: {"<system>": {...}} merged into its configuration')
    parser.add_argument('--flavour', default='itsmng', choices=['itsmng', 'glpi10'],
                        help='answer as ITSM-NG 1.4 or GLPI 10.0.6 (default: %(default)s)')
    parser.add_argument('--tls', metavar='CA_DIR', help='serve HTTPS; the test CA is written to CA_DIR/ca.pem')
    parser.add_argument('--state', help='also write the JSON line of addresses to this file')
    parser.add_argument('--port-base', type=int, default=0,
                        help='listen on N, N+1, ... in the order of --systems (default: free ports)')
    parser.add_argument('--max-seconds', type=float, default=4 * 3600,
                        help='stop by itself after this long (default 4 hours)')
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(',') if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error('unknown system(s): %s' % ', '.join(unknown))
    servers, state = start(systems, load_config(args.config), args.flavour, args.tls, args.port_base)
    line = json.dumps(state, sort_keys=True)
    if args.state:
        tmp = args.state + '.tmp'
        with open(tmp, 'w') as handle:
            handle.write(line + '\n')
        os.replace(tmp, args.state)
    print(line, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait(args.max_seconds)
    for server in servers.values():
        server.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
