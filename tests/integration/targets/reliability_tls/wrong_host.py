"""An HTTPS server on 127.0.0.1 whose certificate names another host (wrong.example), signed by
a CA of its own: a client that trusts that CA must fail on the host name, and say which.

    python wrong_host.py DIR [MAX_SECONDS]    # writes DIR/wrong-host-ca.pem and DIR/wrong-host.port
"""
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import trustme


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


def main(directory, max_seconds=600.0):
    ca = trustme.CA()
    ca.cert_pem.write_to_path(os.path.join(directory, 'wrong-host-ca.pem'))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert('wrong.example').configure_cert(context)
    server = HTTPServer(('127.0.0.1', 0), Quiet)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.handle_error = lambda request, address: None  # the clients fail the handshake on purpose
    with open(os.path.join(directory, 'wrong-host.port'), 'w') as handle:
        handle.write(str(server.server_address[1]))
    threading.Timer(max_seconds, server.shutdown).start()  # never outlives the test
    server.serve_forever()


if __name__ == '__main__':
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 600.0)
