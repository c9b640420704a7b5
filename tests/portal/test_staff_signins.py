"""Staff sign-ins (the portal's /admin/ and the staff desk at /desk/) are throttled by django-axes: after
STAFF_LOGIN_FAILURE_LIMIT failures the address and the account are locked out, the right password
included, and the lockout is logged; both sites count together. Customers keep allauth's limits."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

ADMIN, DESK = "/admin/login/", "/desk/login/"
PASSWORD = "the-right-staff-password-2026"


@pytest.fixture
def staff(db):
    return User.objects.create_user("agent", "agent@example.com", PASSWORD, is_staff=True, is_superuser=True)


def sign_in(client: Client, login_url: str, password: str):
    return client.post(login_url, {"username": "agent", "password": password, "next": login_url.replace("login/", "")})


def is_signed_in(client: Client, login_url: str) -> bool:
    return client.get(login_url.replace("login/", "")).status_code == 200


@pytest.mark.parametrize("login_url", [ADMIN, DESK])
def test_five_wrong_passwords_lock_out_even_the_right_one(staff, login_url, caplog):
    client = Client()
    answers = [sign_in(client, login_url, "guess").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the form with its error, then the lockout
    locked = sign_in(client, login_url, PASSWORD)
    assert locked.status_code == 429 and "too many login attempts" in locked.content.decode()
    assert not is_signed_in(client, login_url)
    assert "AXES: Locking out" in caplog.text and "agent" in caplog.text


def test_the_two_staff_sites_count_failures_together(staff):
    client = Client()
    for _ in range(3):
        sign_in(client, DESK, "guess")
    for _ in range(2):
        sign_in(client, ADMIN, "guess")
    assert sign_in(client, DESK, PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), ADMIN, PASSWORD).status_code == 429  # the account too


def test_a_success_before_the_limit_forgets_the_failures(staff):
    client = Client()
    for _ in range(4):
        sign_in(client, ADMIN, "guess")
    assert sign_in(client, ADMIN, PASSWORD).status_code == 302
    for _ in range(4):
        sign_in(Client(), ADMIN, "guess")
    assert sign_in(Client(), ADMIN, PASSWORD).status_code == 302


def test_customers_keep_allauths_own_limit_and_are_not_counted_by_axes(demo):
    client = Client()
    answers = [client.post("/accounts/login/", {"login": "demo@example.com", "password": "guess"})
               for _ in range(6)]
    assert "Too many failed login attempts" in answers[-1].content.decode()
    assert not AccessAttempt.objects.exists()
