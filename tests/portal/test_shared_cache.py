"""One cache for all processes: rate limits hold at their number whichever process answers, and
when processes count at the same moment. Real processes on the test database (its cache table)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5
PUBLIC_HOST = "support.example.com"

COUNTER = """
import django
django.setup()
from django.test import RequestFactory
from common.abuse import rate_limited
request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
print("ready", flush=True)
input()
print(sum(not rate_limited(request, "guest-ticket", limit=LIMIT, window_seconds=3600) for _ in range(20)))
"""


def database_url() -> str:
    """The test database, for processes started by a test."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST'] or 'localhost'}{port}/{database['NAME']}"


def environment(**more: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAYAKO_", "DATABASE_URL"))}
    return {**inherited, "DJANGO_SETTINGS_MODULE": "portal.settings.portal", "DATABASE_URL": database_url(),
            "SECRET_KEY": "a-secret-of-the-shared-cache-test-" + "k" * 30, "LOG_LEVEL": "WARNING", **more}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_counting_at_once_allow_the_limit_and_no_more(transactional_db):
    counters = [
        subprocess.Popen([sys.executable, "-c", COUNTER.replace("LIMIT", str(LIMIT))], cwd=ROOT, env=environment(),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        assert [counter.stdout.readline().strip() for counter in counters] == ["ready", "ready"]
        for counter in counters:  # both at once: 40 attempts from one address
            counter.stdin.write("\n")
            counter.stdin.flush()
        allowed = [int(counter.communicate(timeout=120)[0]) for counter in counters]
    finally:
        for counter in counters:
            counter.kill()
    assert sum(allowed) == LIMIT


@pytest.fixture
def two_portals(transactional_db, tmp_path):
    """Two portal servers (gunicorn, DEBUG off) on the test database, as behind a load balancer."""
    ports = [free_port(), free_port()]
    env = environment(DEBUG="false", ALLOWED_HOSTS=f"127.0.0.1,{PUBLIC_HOST}", KAYAKO_API_URL="http://127.0.0.1:9/",
                      EMAIL_URL=f"filemail:///{tmp_path / 'mail'}")
    servers = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
                          "--workers", "1", "--threads", "2"], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=(tmp_path / f"portal-{port}.log").open("w"))
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"{url}/health/", timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def sign_in(browser: requests.Session, portal: str, password: str) -> str:
    """Through the sign-in form of one server, with the site's host name, as a load balancer passes it on."""
    page = browser.get(f"{portal}/accounts/login/", headers={"Host": PUBLIC_HOST})
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    return browser.post(f"{portal}/accounts/login/", headers={"Host": PUBLIC_HOST}, data={
        "csrfmiddlewaretoken": token, "login": "lee@example.com", "password": password,
    }).text


def test_failed_sign_ins_are_counted_once_for_all_portal_processes(two_portals):
    user = User.objects.create_user("lee", "lee@example.com", "the-right-password-2026")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    browser = requests.Session()  # cookies ignore the port: one browser for both servers
    refused = "Too many failed login attempts"
    for attempt in range(LIMIT):  # alternately to each process
        page = sign_in(browser, two_portals[attempt % 2], "a-wrong-password")
        assert "not correct" in page and refused not in page
    assert refused in sign_in(browser, two_portals[LIMIT % 2], "a-wrong-password")
    assert refused in sign_in(browser, two_portals[(LIMIT + 1) % 2], "the-right-password-2026")
