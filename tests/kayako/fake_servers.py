"""Misbehaving API servers for fault injection: each serves the real WSDL, then answers calls badly."""

import http.server
import socket
import threading
import time
from pathlib import Path

WSDL = (Path(__file__).resolve().parents[2] / "helpdesk" / "soap" / "integrationapi.wsdl").read_bytes()
# The rpc/encoded WSDL of the PHP ext/soap peer, as an original Kayako publishes it.
RPC_WSDL = (Path(__file__).resolve().parents[1] / "peers" / "php" / "integrationapi-rpc.wsdl").read_bytes()


def fault(code: str) -> bytes:
    return (
        '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
        "<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode>"
        f"<faultstring>Kayako API Error</faultstring><detail>{code}</detail></SOAP-ENV:Fault>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def envelope(inner: str) -> bytes:
    return (
        '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body>'
        f"{inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


class FakeServer:
    """Serves ?wsdl; answers every POST with (status, body), or with `silent` never answers at all
    (until it is closed). The behaviour may be changed while it runs."""

    def __init__(self, status=200, body=b"", silent=False, content_type="text/xml", wsdl=WSDL):
        self.status, self.body, self.content_type, self.silent = status, body, content_type, silent
        self.closing = threading.Event()
        self.requests: list[bytes] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self._send(200, wsdl, "text/xml")

            def do_POST(self):
                outer.requests.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if outer.silent:
                    outer.closing.wait()
                    return
                self._send(outer.status, outer.body, outer.content_type)

            def _send(self, status, body, content_type):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/integrationapi/index.php"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_requests(self, count: int, timeout: float = 10) -> None:
        """Until `count` requests have reached the server (a call made by another thread)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} requests of {count} reached the server"
            time.sleep(0.01)

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/integrationapi/index.php"
