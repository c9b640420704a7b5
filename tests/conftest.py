"""Fixtures shared by the whole suite.

`helpdesk` serves the project (portal and embedded helpdesk) on a live port and points the
portal's service module at it, so every portal test goes over real SOAP. `each_peer` does the same
once for every server the portal is tested against (PEERS: the embedded helpdesk and the PHP peers
of tests/peers); a test directory whose tests should run against all of them overrides `helpdesk`
with it, and a test that holds only for the embedded helpdesk is marked `embedded_helpdesk_only`.
`page` is a page of a headless Debian chromium driven by Playwright that fails the test on any
console error (but the browser's note of a page answered 400 or 404 on purpose: a form's errors,
the 404 page).
"""

import os

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection

from tests.peers.php_peers import PhpPeers

EMBEDDED = "embedded"
# The embedded helpdesk through its rpc/encoded WSDL: the portal speaks PHP's dialect to it.
EMBEDDED_RPC = "embedded-rpc"
PEERS = (EMBEDDED, EMBEDDED_RPC, "php-extsoap", "php-nusoap")

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to be
# used from it otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def _fresh_cache_and_connection(django_db_setup, django_db_blocker):
    """Every test starts with empty caches (the shared one is a table of the test database), with no
    connection to the helpdesk and with circuit breakers that know nothing."""
    from kayako import breaker, config, service, wire

    _clear_caches(django_db_blocker)
    service.forget_memo()
    config.invalidate()
    wire.reset()
    breaker.reset()
    yield
    _clear_caches(django_db_blocker)


def _clear_caches(django_db_blocker):
    with django_db_blocker.unblock():
        for each in caches.all():
            each.clear()
        # The connection this opened is closed again, unless a test's transaction holds it: once
        # the browser's event loop runs, each test may get a connection of its own, and one left
        # open would keep the test database from being dropped (PostgreSQL).
        if not connection.in_atomic_block:
            connection.close()


@pytest.fixture
def helpdesk(embedded_helpdesk):
    return embedded_helpdesk


@pytest.fixture
def embedded_helpdesk(live_server, transactional_db, settings):
    """The live server, with the portal configured to call its embedded helpdesk."""
    settings.KAYAKO_API_URL = f"{live_server.url}/integrationapi/index.php"
    settings.HELPDESK_PUBLIC_URL = live_server.url
    settings.PORTAL_PUBLIC_URL = live_server.url
    settings.HELPDESK_ATTACHMENT_ORIGINS = [live_server.url]
    settings.ALLOWED_HOSTS = ["*"]
    return live_server


@pytest.fixture(scope="session")
def php_peers(django_db_setup):
    peers = PhpPeers()
    yield peers
    peers.stop()


@pytest.fixture(params=PEERS)
def each_peer(request, embedded_helpdesk, settings, php_peers):
    """The live server, with the portal pointed at each peer in turn (`.peer` names it)."""
    if request.param == EMBEDDED_RPC:
        settings.KAYAKO_WSDL_QUERY = "wsdl=rpc"
    elif request.param != EMBEDDED:
        settings.KAYAKO_API_URL = php_peers.get(request.param).api_url
    embedded_helpdesk.peer = request.param
    return embedded_helpdesk


def pytest_collection_modifyitems(config, items):
    """Tests marked embedded_helpdesk_only are not run against the other peers."""
    kept, deselected = [], []
    for item in items:
        peer = getattr(item, "callspec", None) and item.callspec.params.get("each_peer")
        only_embedded = item.get_closest_marker("embedded_helpdesk_only") is not None
        (deselected if only_embedded and peer not in (None, EMBEDDED, EMBEDDED_RPC) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def worker():
    """Runs the task worker here, synchronously: every task that is due, until none is (tasks
    scheduled for later stay queued). Call it where a real worker would have run by then."""
    from django_tasks_db.management.commands.db_worker import Worker

    def run() -> None:
        Worker(queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
               startup_delay=False, max_tasks=None, worker_id="tests").run()

    return run


@pytest.fixture
def later():
    """Time control: `with later(seconds):` runs its block that much later (the clock ticks on
    from there), for every thread of the process: the portal, its worker and the live helpdesk."""
    from datetime import timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    def shifted(seconds: float):
        return freeze_time(timezone.now() + timedelta(seconds=seconds), tick=True)

    return shifted


@pytest.fixture
def demo(helpdesk):
    """The live helpdesk with the demo data loaded."""
    call_command("seed_demo", verbosity=0)
    return helpdesk


@pytest.fixture
def hang_helpdesk(monkeypatch):
    """Call it, and every call from then on times out as with a hung helpdesk (without the wait):
    the circuit breaker counts the failures and opens, and pages read what the cache has. It
    returns the operations that were sent (and timed out)."""
    import urllib3

    from kayako import wire

    def hang() -> list[str]:
        sent: list[str] = []

        def timed_out(link, body, headers, operation, timeout):
            sent.append(operation)
            raise urllib3.exceptions.ReadTimeoutError(None, link.settings.url, "Read timed out.")

        monkeypatch.setattr(wire, "_post", timed_out)
        return sent

    return hang


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    # Pages answered with a form's errors (400) or the site's 404 page are meant; Chromium logs each such
    # document as a failed resource, which is not an error of the page.
    meant_statuses = {400, 404}
    meant_documents: set[str] = set()
    page.on("response", lambda response: meant_documents.add(response.url) if (
        response.request.is_navigation_request() and response.status in meant_statuses) else None)

    def on_console(message):
        meant = message.text.startswith("Failed to load resource") and message.location.get("url") in meant_documents
        if message.type == "error" and not meant:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"console errors: {errors}"
