"""deploy/gunicorn.conf.py, as scripts/run starts both servers with it: every worker takes its share of
new connections (a socket of its own each), and a port in use is refused rather than shared."""

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(port: int, workers: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.pid_app:application", "--config", "deploy/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def listening_sockets(port: int) -> int:
    """Sockets listening on the port, from the kernel's table (state 0A is LISTEN)."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if int(row[1].split(":")[1], 16) == port and row[3] == "0A")


def wait_until_answering(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


@pytest.fixture
def two_workers():
    port = free_port()
    server = gunicorn(port)
    try:
        wait_until_answering(port, server)
        deadline = time.monotonic() + 30
        while listening_sockets(port) < 2 and time.monotonic() < deadline:  # the second worker still booting
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_each_worker_listens_on_a_socket_of_its_own(two_workers):
    # One socket shared by the workers (gunicorn's default) would be one row.
    assert listening_sockets(two_workers) == 2


def test_connections_opened_at_once_reach_both_workers(two_workers):
    connections = [http.client.HTTPConnection("127.0.0.1", two_workers, timeout=10) for _ in range(CONNECTIONS)]
    for connection in connections:
        connection.connect()
    pids = set()
    for connection in connections:
        connection.request("GET", "/")
        pids.add(connection.getresponse().read())
        connection.close()
    assert len(pids) == 2


def test_a_port_another_server_listens_on_is_refused_not_shared():
    port = free_port()
    with socket.socket() as other:  # a server that would let gunicorn's workers share its port
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        server = gunicorn(port, workers=1)
        try:
            output, _ = server.communicate(timeout=60)
        finally:
            server.kill()
    assert server.returncode == 1
    assert f"127.0.0.1:{port} is in use" in output
