"""Start the API emulators on 127.0.0.1 and serve until stopped (or --max-seconds).

    python tests/emulators/serve.py [--systems itsmng,bluecat,saymon,ipcortex]
        [--config FILE.json|.yml] [--flavour itsmng|glpi10] [--tls CA_DIR]
        [--state FILE] [--port-base N] [--max-seconds S]

Prints one JSON line and writes it to --state: per system its "url" (what the modules
take), "root" and "admin" (the /_emulator/ endpoints), and "ca" when serving HTTPS.
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
    parser.add_argument('--systems', default=','.join(SYSTEMS))
    parser.add_argument('--config')
    parser.add_argument('--flavour', default='itsmng', choices=['itsmng', 'glpi10'])
    parser.add_argument('--tls', metavar='CA_DIR')
    parser.add_argument('--state')
    parser.add_argument('--port-base', type=int, default=0)
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
