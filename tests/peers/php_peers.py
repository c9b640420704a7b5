"""The PHP peers of the suite: PHP servers that play an original Kayako, started with `php -S`.

Each serves the Integration API at /integrationapi/index.php from the same PHP implementation
(php/kayako.php) on the embedded helpdesk's tables of the test database, so tests prepare and check
data alike whichever server the portal talks to; they differ in their SOAP stack:

- "php-extsoap": PHP's ext/soap SoapServer with a static rpc/encoded WSDL written from the reference;
- "php-nusoap": NuSOAP 0.9.5 (Debian's libnusoap-php) with the WSDL it generates, in ISO-8859-1.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

HERE = Path(__file__).parent / "php"
SCRIPTS = {"php-extsoap": HERE / "extsoap.php", "php-nusoap": HERE / "nusoap.php"}
STARTUP_SECONDS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_environment(database: dict) -> dict[str, str]:
    """Where a peer finds the database (a Django DATABASES entry): the embedded helpdesk's tables."""
    if database["ENGINE"] == settings.SQLITE_ENGINE:
        name = str(database["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("PHP peers need the test database in a file (tests/settings.py)")
        return {"PEER_DB_DSN": f"sqlite:{name}"}
    host = database["HOST"] or "localhost"
    dsn = f"pgsql:host={host};dbname={database['NAME']}" + (f";port={database['PORT']}" if database["PORT"] else "")
    return {"PEER_DB_DSN": dsn, "PEER_DB_USER": database["USER"] or "", "PEER_DB_PASSWORD": database["PASSWORD"] or ""}


class PhpPeer:
    """One PHP peer on a free loopback port, its output in `log`; stop() ends it."""

    def __init__(self, name: str, *, database: dict, api_user: str, api_password: str, media_root: Path, log: Path):
        php = shutil.which("php")
        assert php, "php-cli is required (scripts/test installs php-cli php-soap php-xml libnusoap-php)"
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}/integrationapi/index.php"
        environment = {
            **os.environ, **database_environment(database),
            "PEER_API_USER": api_user, "PEER_API_PASSWORD": api_password,
            "PEER_MEDIA_ROOT": str(media_root), "PEER_SECRET": secrets.token_hex(16),
            "PHP_CLI_SERVER_WORKERS": "2",
        }
        self.log = log
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            # Errors go to the log, never into a reply.
            self.process = subprocess.Popen(
                [php, "-d", "display_errors=0", "-d", "log_errors=1", "-d", "error_reporting=E_ALL & ~E_DEPRECATED",
                 "-S", f"127.0.0.1:{self.port}", str(SCRIPTS[name])],
                cwd=HERE, env=environment, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its workers are its children: stopped with it as one group
            )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not start listening within {STARTUP_SECONDS}s")

    def stop(self) -> None:
        """Ends the server and its workers (a worker outlives a parent stopped alone)."""
        for sent in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sent)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue


class PhpPeers:
    """The test suite's peers on the test database: started on first use, one of each for the
    whole session; stopped at its end."""

    def __init__(self) -> None:
        self.running: dict[str, PhpPeer] = {}

    def get(self, name: str) -> PhpPeer:
        if name not in self.running:
            self.running[name] = PhpPeer(
                name, database=connection.settings_dict, api_user=settings.KAYAKO_API_USERNAME,
                api_password=settings.KAYAKO_API_PASSWORD, media_root=Path(settings.MEDIA_ROOT),
                log=Path(settings.MEDIA_ROOT).parent / f"{name}.log",
            )
        return self.running[name]

    def stop(self) -> None:
        for peer in self.running.values():
            peer.stop()
        self.running.clear()
