"""gunicorn settings of both servers (the portal and the embedded helpdesk), as scripts/run and
the process tests start them; workers and threads come from WEB_CONCURRENCY and GUNICORN_THREADS."""

import ctypes
import os
import signal
import socket

workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "3"))
# Processes and threads, measured on two cores (README, Benchmark), alternating on one machine: with 4
# processes of 3 threads the submit POST kept 0.31 of the ceiling against 0.27 with 2 of 4 (a thread
# holding SQLite's writers' turn waits for its process's GIL between statements: fewer threads per
# process, shorter turns), the ticket pages as before. 4 of 2 did better still for the POST (0.30-0.35),
# but KAYAKO_CONCURRENT_CALLS (threads - 1) is then one call per process: with the helpdesk frozen a
# page waiting 0.5 s for that slot held the process's other thread, and /health/ took 0.5 s.
worker_class = "gthread"
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new connections over
# them. On one shared socket a gthread worker accepts whatever arrives, busy or not, and the one that
# woke first took them all: under wrk's 8 keep-alive connections py-spy showed one process at a full
# core and the other without a single request, in a third of the runs (benoitc/gunicorn#3433).
reuse_port = True
# A stopped server frees its port quickly, so that the one restarted in its place can bind it.
graceful_timeout = 5
loglevel = "warning"
# No access log unless asked for (--access-logfile; scripts/run writes each server's under var/log/).
accesslog = None

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def on_starting(server):
    """With SO_REUSEPORT a second server started on a port in use would share it without a word (half
    the requests to a stale or other program): refuse to start, as without it."""
    for address in server.cfg.address:
        if not isinstance(address, tuple):  # a Unix socket
            continue
        with socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAITs do not count
            try:
                probe.bind(address[:2])
            except OSError as error:
                raise RuntimeError(f"{address[0]}:{address[1]} is in use ({error.strerror})") from error


def post_fork(server, worker):
    """A worker dies with its master: a master that is killed (SIGKILL, OOM) leaves no worker
    behind holding the port."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != server.pid:  # the master died before the line above took effect
        os._exit(1)
