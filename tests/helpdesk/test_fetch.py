"""Server-side request forgery through offered attachment URLs: each way around the allowlist is
refused before any connection, and nothing is fetched from anywhere but the allowed origin."""

import http.server
import ipaddress
import socket
import threading

import pytest

from helpdesk import fetch
from helpdesk.models import Attachment, Customer

from .test_conformance import submit_base


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        body = b"secret of " + self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def secret_server():
    """Something the helpdesk can reach but must never read: a service on 127.0.0.2."""
    servers = []

    def start(host="127.0.0.2"):
        server = http.server.ThreadingHTTPServer((host, 0), _Recorder)
        server.requests, server.name = [], f"{host}:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()


def attach(url: str) -> dict:
    return {"item": [{"name": "x.txt", "type": "text/plain", "url": url}]}


def assert_refused(api, url: str, *servers):
    assert api.error("submitTicket", **{**submit_base(), "attachments": attach(url)}) == -22
    assert not Customer.objects.filter(email="new.customer@example.com").exists()
    assert not Attachment.objects.filter(name="x.txt").exists()
    for server in servers:
        assert server.requests == [], f"{server.name} was asked for {server.requests}"


def test_backslash_user_info_trick_reaches_nothing(api, file_server, secret_server):
    """urlsplit sees the allowed 127.0.0.1 after the "@"; HTTP clients connect to 127.0.0.2."""
    secret = secret_server()
    port = file_server.url.rsplit(":", 1)[1]
    assert_refused(api, f"http://{secret.name}\\@127.0.0.1:{port}/x.txt", secret)


def test_user_info_is_refused(api, file_server, secret_server):
    secret = secret_server()
    port = file_server.url.rsplit(":", 1)[1]
    assert_refused(api, f"http://{secret.name}@127.0.0.1:{port}/x.txt", secret)
    assert_refused(api, f"http://user:password@127.0.0.1:{port}/x.txt", secret)


def test_another_port_of_an_allowed_host_is_another_service(api, file_server, secret_server):
    other = secret_server(host="127.0.0.1")
    assert_refused(api, f"http://{other.name}/x.txt", other)


@pytest.mark.parametrize("host", [
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",  # hexadecimal
    "127.1",  # short form
    "127.0.0.1.",  # trailing dot
    "%31%32%37.0.0.1",  # percent-encoded
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::ffff:7f00:1]",
])
def test_non_canonical_hosts_are_refused(api, file_server, host):
    port = file_server.url.rsplit(":", 1)[1]
    file_server.files["/x.txt"] = b"should stay unread"
    assert_refused(api, f"http://{host}:{port}/x.txt")


def test_a_name_that_resolves_to_a_refused_address(api, file_server, monkeypatch, settings):
    """An allowed name whose DNS answer changed to the cloud metadata address (rebinding)."""
    settings.HELPDESK_ATTACHMENT_ORIGINS = ["http://portal.example.test:8000"]
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        if host == "portal.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 8000))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolver)
    assert_refused(api, "http://portal.example.test:8000/x.txt")


def test_the_allowed_origin_is_fetched_by_name_from_the_checked_address(api, file_server, settings):
    port = file_server.url.rsplit(":", 1)[1]
    settings.HELPDESK_ATTACHMENT_ORIGINS = [f"http://localhost:{port}"]
    file_server.files["/caf%C3%A9.txt"] = b"allowed content"
    result = api.submit(attachments=attach(f"http://localhost:{port}/caf%C3%A9.txt"))
    stored = Attachment.objects.get(ticket_id=result.id)
    assert stored.file.read() == b"allowed content"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000\\@evil.test/",
    "http://127.0.0.1:8000/a b",
    "http://127.0.0.1:8000/\tx",
    "http://127.0.0.1:8000/x\n",
    "http://127.0.0.1:/x",
    "http://127.0.0.1:08000/x",
    "http://127.0.0.1:99999/x",
    "http:///x",
    "http://[::1/x",
    "http://[0:0:0:0:0:0:0:1]:8000/x",
    "http://b\u00fccher.test:8000/x",
    "gopher://127.0.0.1:8000/x",
])
def test_malformed_urls_are_refused_before_any_connection(settings, url):
    settings.HELPDESK_ATTACHMENT_ORIGINS = ["http://127.0.0.1:8000", "http://[::1]:8000"]
    with pytest.raises(fetch.FetchError):
        fetch.parse_url(url)


def test_canonical_urls_of_allowed_origins_parse(settings):
    settings.HELPDESK_ATTACHMENT_ORIGINS = ["http://127.0.0.1:8000", "https://portal.example.com", "http://[::1]:8000"]
    assert fetch.parse_url("http://127.0.0.1:8000/t/a%20b.txt?x=1").origin == ("http", "127.0.0.1", 8000)
    assert fetch.parse_url("https://Portal.Example.com/f.txt").origin == ("https", "portal.example.com", 443)
    assert fetch.parse_url("https://portal.example.com:443/f.txt").host_header == "portal.example.com"
    assert fetch.parse_url("http://[::1]:8000/f").host_header == "[::1]:8000"
    assert fetch.parse_url("http://127.0.0.1:8000/caf%C3%A9").path == "/caf%C3%A9"


@pytest.mark.parametrize("address", ["169.254.169.254", "0.0.0.0",  # noqa: S104 - an address, not a bind
                                     "0.1.2.3", "224.0.0.1", "255.255.255.255",
                                     "240.0.0.1", "::", "fe80::1", "ff02::1", "::ffff:169.254.169.254"])
def test_refused_addresses(address):
    assert fetch.is_refused_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "192.168.1.2", "203.0.113.9", "::1", "2001:db8::1"])
def test_addresses_a_portal_may_live_at(address):
    assert not fetch.is_refused_address(ipaddress.ip_address(address))
