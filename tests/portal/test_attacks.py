"""Attacks that failed in the outside test of issue 15 and must keep failing (the README's security section
names the test for each): CSRF and foreign origins, clickjacking and security headers, open redirects,
session fixation, account enumeration, the guest page of someone else's ticket, markup in the staff desk."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from helpdesk.models import Ticket, TicketPost
from tests.tickets.conftest import DEMO, signed_in

PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2">'


def csrf_token(client: Client, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()).group(1)


@pytest.mark.parametrize("url", [
    "/tickets/new/", "/tickets/1/reply/", "/tickets/1/properties/", "/tickets/1/fields/", "/kb/article/1/comment/",
    "/kb/article/1/rate/", "/accounts/login/", "/accounts/logout/", "/accounts/password/change/",
    "/accounts/email/", "/admin/login/", "/desk/login/",
])
def test_every_post_without_a_csrf_token_is_refused(demo, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(email=DEMO))
    response = client.post(url, {"reply": "x", "login": DEMO, "password": "x"})
    assert response.status_code == 403, url


def test_a_foreign_origin_is_refused_even_with_a_token(demo, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client(enforce_csrf_checks=True)
    token = csrf_token(client, "/accounts/login/")
    data = {"csrfmiddlewaretoken": token, "login": DEMO, "password": "x"}
    foreign = client.post("/accounts/login/", data, HTTP_ORIGIN="https://evil.example")
    assert foreign.status_code == 403 and "CSRF verification failed" in foreign.content.decode()
    assert client.post("/accounts/login/", data, HTTP_ORIGIN="http://testserver").status_code == 200  # the token is good


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/admin/login/", "/desk/login/"])
def test_pages_forbid_framing_and_sniffing(client, url):
    response = client.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("login_url,data", [
    ("/accounts/login/", {"login": DEMO, "password": "demo-password-2026"}),
    ("/admin/login/", {"username": "staff", "password": "staff-password-2026"}),
])
def test_a_sign_in_never_redirects_off_site_and_renews_the_session(demo, login_url, data):
    client = Client()
    client.get(login_url)
    client.session.save()
    planted = client.session.session_key  # a session an attacker could have fixed
    response = client.post(f"{login_url}?next=https://evil.example/", {**data, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith(("https://evil.example", "//"))
    assert client.session.session_key != planted


def test_sign_in_and_password_reset_do_not_tell_who_has_an_account(demo):
    def login_error(email: str) -> str:
        html = Client().post("/accounts/login/", {"login": email, "password": "wrong-password"}).content.decode()
        return re.search(r'class="[^"]*alert[^"]*"[^>]*>(.*?)</', html, re.S).group(1).strip()

    assert login_error(DEMO) == login_error("nobody-here@example.com")
    reset = [Client().post("/accounts/password/reset/", {"email": email}, follow=True)
             for email in (DEMO, "nobody-here@example.com")]
    assert [r.redirect_chain[-1][0] for r in reset] == ["/accounts/password/reset/done/"] * 2


def test_the_guest_page_of_a_ticket_opens_only_for_the_session_that_sent_it(demo):
    ticket = Ticket.objects.filter(customer__email=DEMO).first()
    assert Client().get(f"/tickets/sent/{ticket.mask}/").status_code == 404
    assert signed_in(User.objects.get(email=DEMO)).get(f"/tickets/sent/{ticket.mask}/").status_code == 404


def test_customer_markup_is_text_in_the_staff_desk(demo):
    ticket = Ticket.objects.filter(customer__email=DEMO).first()
    Ticket.objects.filter(pk=ticket.pk).update(subject=PAYLOAD)
    TicketPost.objects.filter(ticket=ticket).update(contents=PAYLOAD, fullname=PAYLOAD)
    desk = Client()
    desk.force_login(User.objects.get(username="staff"))
    for url in (f"/desk/helpdesk/ticket/{ticket.pk}/change/", "/desk/helpdesk/ticket/"):
        html = desk.get(url).content.decode()
        assert "<script>window.__xss" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html, url
