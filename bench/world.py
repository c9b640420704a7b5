"""Helpers of the load benchmark and of tests/test_processes.py, which both start the project's
processes on a database of their own and act as signed-in customers."""

import socket
import time

import requests

# Run with `manage.py shell -c`: verified customers named <prefix><n>@example.com, each with a
# session; prints {email: session key} as JSON.
CUSTOMERS_SNIPPET = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
sessions = {}
for number in range(COUNT):
    email = f"PREFIX{number}@example.com"
    user = User.objects.create_user(f"PREFIX{number}", email, "unused", first_name="Customer", last_name=str(number))
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                    BACKEND_SESSION_KEY: "common.auth.ModelBackend"})
    session.create()
    sessions[email] = session.session_key
print(json.dumps(sessions))
"""


def customers_snippet(count: int, prefix: str = "customer") -> str:
    return CUSTOMERS_SNIPPET.replace("COUNT", str(count)).replace("PREFIX", prefix)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not come up")
        time.sleep(0.3)
