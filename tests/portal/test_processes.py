"""The portal and the embedded helpdesk as scripts/run starts them: two gunicorn processes on one host and
one database, each with its own settings module, DEBUG off and credentials of their own. What only real
processes show: which cookies and secrets each one accepts, what reaches Django of a request body (a
chunked one above all), and state shared through the database.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from requests_toolbelt.adapters.source import SourceAddressAdapter

ROOT = Path(__file__).resolve().parents[2]
BODY_LIMIT = 1024 * 1024
API_USER, API_PASSWORD = "portal-of-the-test", "Qp4-test-credentials-2026"
STAFF_PASSWORD = "a-staff-password-of-the-test-2026"
ENVELOPE = (
    '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:k="urn:KayakoIntegrationAPI"><s:Body><k:getDepartmentList>'
    f"<k:user>{API_USER}</k:user><k:password>{API_PASSWORD}</k:password>"
    "</k:getDepartmentList></s:Body></s:Envelope>"
).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    def __init__(self, workdir: Path):
        self.portal_port, self.helpdesk_port = free_port(), free_port()
        self.portal, self.helpdesk = f"http://127.0.0.1:{self.portal_port}", f"http://127.0.0.1:{self.helpdesk_port}"
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(("DJANGO_", "DEMO_MODE", "HELPDESK_", "KAYAKO_", "DATABASE_URL"))}
        self.env = {
            **inherited,
            "DEBUG": "false", "DEMO_MODE": "false", "SECRET_KEY": "a-secret-of-the-test-" + "w" * 40,
            "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"), "EMAIL_URL": f"filemail:///{workdir / 'mail'}",
            "LOG_LEVEL": "WARNING", "REQUEST_BODY_MAX_BYTES": str(BODY_LIMIT),
            "PORTAL_PUBLIC_URL": self.portal, "HELPDESK_PUBLIC_URL": self.helpdesk,
            "KAYAKO_API_URL": f"{self.helpdesk}/integrationapi/index.php",
            "HELPDESK_API_USERNAME": API_USER, "HELPDESK_API_PASSWORD": API_PASSWORD,
            "KAYAKO_API_USERNAME": API_USER, "KAYAKO_API_PASSWORD": API_PASSWORD,
        }
        self.logs = {"helpdesk": workdir / "helpdesk.log", "portal": workdir / "portal.log"}
        self.running: list[subprocess.Popen] = []

    def manage(self, *args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=300)

    def start(self):
        for name, module, port in (("helpdesk", "helpdesk", self.helpdesk_port), ("portal", "portal", self.portal_port)):
            with self.logs[name].open("w") as log:
                self.running.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", f"{module}.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--workers", "1", "--threads", "2", "--name", name],
                    cwd=ROOT, env={**self.env, "DJANGO_SETTINGS_MODULE": f"portal.settings.{name}"},
                    stdout=log, stderr=subprocess.STDOUT,
                ))
        for url in (f"{self.helpdesk}/favicon.ico", f"{self.portal}/health/"):
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(url, timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not answer: {self.log_text()}"
                time.sleep(0.2)

    def stop(self):
        for process in self.running:
            process.terminate()
        for process in self.running:
            process.wait(timeout=30)

    def log_text(self) -> str:
        return "".join(path.read_text() for path in self.logs.values() if path.exists())


@pytest.fixture(scope="module")
def processes(tmp_path_factory):
    running = Processes(tmp_path_factory.mktemp("processes"))
    running.manage("migrate", "--noinput", "-v0")
    for username in ("agent", "locked-agent"):
        running.manage("shell", "-c", "from django.contrib.auth.models import User; "
                       f"User.objects.create_superuser({username!r}, '{username}@example.com', {STAFF_PASSWORD!r})")
    running.start()
    yield running
    running.stop()


def staff_sign_in(session: requests.Session, site: str, username: str, password: str) -> requests.Response:
    """Through the admin login form of `site` (…/desk or …/admin), as a browser does."""
    page = session.get(f"{site}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(f"{site}/login/", allow_redirects=False, data={
        "csrfmiddlewaretoken": token, "username": username, "password": password, "next": f"{site}/"})


def signed_in(site: str, **cookies) -> bool:
    """Whether the site's index page opens for these cookies (else it redirects to the login)."""
    return requests.get(f"{site}/", cookies=cookies, allow_redirects=False, timeout=10).status_code == 200


def test_a_desk_session_never_signs_anyone_into_the_portal_nor_the_reverse(processes):
    desk, admin = f"{processes.helpdesk}/desk", f"{processes.portal}/admin"
    browser = requests.Session()  # one cookie jar for the host, as a browser has: cookies ignore the port
    assert staff_sign_in(browser, desk, "agent", STAFF_PASSWORD).status_code == 302
    assert browser.get(f"{admin}/", allow_redirects=False).status_code == 302  # to the portal's own login
    # Nor under the portal's cookie name: the desk's secret is not the portal's.
    desk_session = browser.cookies["desk_sessionid"]
    assert signed_in(desk, desk_sessionid=desk_session)
    assert not signed_in(admin, sessionid=desk_session)

    assert staff_sign_in(browser, admin, "agent", STAFF_PASSWORD).status_code == 302
    portal_session = browser.cookies["sessionid"]
    assert signed_in(admin, sessionid=portal_session)
    assert not signed_in(desk, desk_sessionid=portal_session)
    # Signing in to one left the other's cookie alone: both sessions hold in the one jar.
    assert browser.get(f"{desk}/", allow_redirects=False).status_code == 200
    assert browser.get(f"{admin}/", allow_redirects=False).status_code == 200


def test_staff_lockouts_are_shared_by_the_two_processes(processes):
    desk, admin = f"{processes.helpdesk}/desk", f"{processes.portal}/admin"
    attacker = requests.Session()
    attacker.mount("http://", SourceAddressAdapter("127.0.0.2"))  # an address of its own
    for site in (desk, desk, desk, admin, admin):
        staff_sign_in(attacker, site, "locked-agent", "guess")
    assert staff_sign_in(attacker, desk, "locked-agent", STAFF_PASSWORD).status_code == 429
    assert staff_sign_in(requests.Session(), admin, "locked-agent", STAFF_PASSWORD).status_code == 429
    assert "AXES: Locking out" in processes.log_text()


def declared_but_not_sent(port: int, path: str, content_type: str) -> str:
    """A request declaring a 300 MB body and sending none of it: answered only if nothing waits for the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {300 * 1024 * 1024}\r\n\r\n".encode())
        answer = b""
        while b"</html>" not in answer and b"</SOAP-ENV:Envelope>" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.decode(errors="replace")


def test_a_declared_body_over_the_cap_is_refused_before_it_is_read(processes):
    portal = declared_but_not_sent(processes.portal_port, "/tickets/new/", "multipart/form-data; boundary=x")
    assert portal.startswith("HTTP/1.1 413") and "That was too large to send" in portal and "1.0\xa0MB" in portal
    desk = declared_but_not_sent(processes.helpdesk_port, "/desk/login/", "application/x-www-form-urlencoded")
    assert desk.startswith("HTTP/1.1 413") and "The request is too large" in desk
    api = declared_but_not_sent(processes.helpdesk_port, "/integrationapi/index.php", "text/xml")
    assert api.startswith("HTTP/1.1 413") and "The request body is too large" in api and "Fault" in api


def post_chunked(port: int, path: str, chunks) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=chunks, headers={"Content-Type": "text/xml"}, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def test_a_chunked_body_is_counted_while_read_and_refused_past_the_cap(processes):
    status, body = post_chunked(processes.helpdesk_port, "/integrationapi/index.php",
                                iter([ENVELOPE[:100], ENVELOPE[100:]]))
    assert status == 200 and "getDepartmentListResponse" in body  # under the cap: the whole body reaches the API
    status, body = post_chunked(processes.helpdesk_port, "/integrationapi/index.php",
                                (b"x" * 64 * 1024 for _ in range(BODY_LIMIT // (64 * 1024) + 1)))
    assert status == 413 and "The request body is too large" in body
