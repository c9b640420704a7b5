"""Accounts: sign-up with verification, sign-in, password reset, and email changes kept in step
with the helpdesk (helpdesk first; both change or neither does)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.http import HttpRequest
from django.test import Client

import kayako
from helpdesk.models import Customer

DEMO = "demo@example.com"


def last_link(path_part: str) -> str:
    body = mail.outbox[-1].body
    return re.search(rf"https?://[^/\s]+(/accounts/{path_part}/[^\s]+)", body).group(1)


def sign_up(client, email="sam.smith@example.com", name="Sam Smith", password="a-Long-pass-2026"):
    return client.post("/accounts/signup/", {"full_name": name, "email": email, "password1": password,
                                             "password2": password})


def test_signup_verification_then_tickets(demo):
    client = Client()
    html = client.get("/accounts/signup/").content.decode()
    assert "Full name" in html and 'class="btn btn-primary"' in html
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="sam.smith@example.com")
    assert (user.first_name, user.last_name) == ("Sam", "Smith")
    assert client.get("/tickets/").status_code == 302  # not signed in before verification
    confirm = last_link("confirm-email")
    client.post(confirm)
    assert EmailAddress.objects.get(user=user).verified
    response = client.get("/tickets/")
    assert response.status_code == 200 and "You have no tickets yet" in response.content.decode()


def test_demo_customer_signs_in_and_out(demo):
    client = Client()
    response = client.post("/accounts/login/", {"login": DEMO, "password": "demo-password-2026"})
    assert response.status_code == 302
    assert client.get("/tickets/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/tickets/").status_code == 302


def test_wrong_password_is_explained(demo):
    response = Client().post("/accounts/login/", {"login": DEMO, "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_password_reset_by_mail(demo):
    client = Client()
    client.post("/accounts/password/reset/", {"email": DEMO})
    link = last_link("password/reset/key")
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    client.post(form_url, {"password1": "Another-pass-2026", "password2": "Another-pass-2026"})
    assert Client().login(request=HttpRequest(), username="demo", password="Another-pass-2026")


def signed_in_demo():
    client = Client()
    client.force_login(User.objects.get(email=DEMO))
    return client


def request_change(client, new_email):
    client.post("/accounts/email/", {"email": new_email, "action_add": ""})
    return last_link("confirm-email")


def test_email_change_moves_the_helpdesk_first_and_tickets_follow(demo):
    client = signed_in_demo()
    link = request_change(client, "dana@new.example.org")
    # until verified, nothing changes anywhere
    assert Customer.objects.filter(email=DEMO).exists()
    client.post(link)
    user = User.objects.get(pk=User.objects.get(username="demo").pk)
    assert EmailAddress.objects.get(user=user, primary=True).email == "dana@new.example.org"
    assert Customer.objects.filter(email="dana@new.example.org").exists()
    html = client.get("/tickets/").content.decode()
    assert "30 tickets" in html


def test_email_taken_in_the_helpdesk_keeps_the_old_address_everywhere(demo):
    Customer.objects.create(email="taken@example.org", fullname="Someone", password="!")
    client = signed_in_demo()
    link = request_change(client, "taken@example.org")
    response = client.post(link, follow=True)
    assert "Another customer of the helpdesk already uses this email address." in response.content.decode()
    assert EmailAddress.objects.get(user__username="demo", primary=True).email == DEMO
    assert Customer.objects.filter(email=DEMO).exists()


@pytest.mark.parametrize("failure", [kayako.Rejected(-2, "updateEmailAddress"), kayako.Unavailable("down")])
def test_helpdesk_failures_keep_the_old_address(demo, monkeypatch, failure):
    client = signed_in_demo()
    link = request_change(client, "dana@new.example.org")

    def refuse(**kwargs):
        raise failure

    monkeypatch.setattr(kayako, "update_email_address", refuse)
    response = client.post(link, follow=True)
    assert "Your address is still demo@example.com" in response.content.decode()
    assert EmailAddress.objects.get(user__username="demo", primary=True).email == DEMO
    assert not EmailAddress.objects.get(email="dana@new.example.org").verified
    monkeypatch.undo()
    client.post(link)  # once the helpdesk is back, the same link completes the change
    assert EmailAddress.objects.get(user__username="demo", primary=True).email == "dana@new.example.org"
    assert Customer.objects.filter(email="dana@new.example.org").exists()


def test_a_customer_unknown_to_the_helpdesk_just_switches(demo):
    client = Client()
    sign_up(client, email="fresh@example.com")
    client.post(last_link("confirm-email"))
    link = request_change(client, "fresh2@example.com")
    client.post(link)
    assert EmailAddress.objects.get(user__email__in=["fresh@example.com", "fresh2@example.com"], primary=True).email \
        == "fresh2@example.com"


@pytest.fixture
def staff_client(demo):
    admin = User.objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client()
    client.force_login(admin)
    return client


def test_staff_change_goes_through_the_helpdesk(staff_client):
    user = User.objects.get(email=DEMO)
    page = staff_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert f"/admin/auth/user/{user.pk}/change-email/" in page
    response = staff_client.post(f"/admin/auth/user/{user.pk}/change-email/", {"email": "dana@corp.example"})
    assert response.status_code == 302
    assert Customer.objects.filter(email="dana@corp.example").exists()
    assert EmailAddress.objects.get(user=user, primary=True).email == "dana@corp.example"
    user.refresh_from_db()
    assert user.email == "dana@corp.example"


def test_staff_change_refused_by_the_helpdesk_is_shown_and_nothing_changes(staff_client):
    Customer.objects.create(email="taken@example.org", fullname="Someone", password="!")
    user = User.objects.get(email=DEMO)
    response = staff_client.post(f"/admin/auth/user/{user.pk}/change-email/", {"email": "taken@example.org"})
    assert response.status_code == 200
    assert "Another customer of the helpdesk already uses this email address." in response.content.decode()
    user.refresh_from_db()
    assert user.email == DEMO and Customer.objects.filter(email=DEMO).exists()
    assert EmailAddress.objects.get(user=user, primary=True).email == DEMO


def test_portal_failure_after_the_helpdesk_moved_moves_it_back(demo, monkeypatch):
    from accounts.services import change_customer_email

    user = User.objects.get(email=DEMO)

    def broken_save(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(User, "save", broken_save)
    with pytest.raises(RuntimeError):
        change_customer_email(user=user, new_email="dana@corp.example")
    assert Customer.objects.filter(email=DEMO).exists()
    assert not Customer.objects.filter(email="dana@corp.example").exists()


def test_password_change(demo):
    client = signed_in_demo()
    response = client.post("/accounts/password/change/", {
        "oldpassword": "demo-password-2026", "password1": "Brand-new-pass-2026", "password2": "Brand-new-pass-2026"})
    assert response.status_code == 302
    assert Client().login(request=HttpRequest(), username="demo", password="Brand-new-pass-2026")
    assert not Client().login(request=HttpRequest(), username="demo", password="demo-password-2026")


def old_address_mails() -> list:
    return [m for m in mail.outbox if m.subject == "The email address of your account was changed"]


def test_the_old_address_is_told_when_a_customer_changes_theirs(demo, worker):
    client = signed_in_demo()
    client.post(request_change(client, "dana@new.example.org"))
    assert old_address_mails() == []  # the worker mails it, not the request
    worker()
    [notice] = old_address_mails()
    assert notice.to == [DEMO] and "d•••@new.example.org" in notice.body
    assert "dana@new.example.org" not in notice.body  # the new address, not given away in full


def test_the_old_address_is_told_when_staff_change_it(staff_client, worker):
    user = User.objects.get(email=DEMO)
    staff_client.post(f"/admin/auth/user/{user.pk}/change-email/", {"email": "dana@corp.example"})
    worker()
    [notice] = old_address_mails()
    assert notice.to == [DEMO] and "Our support team changed" in notice.body and "d•••@corp.example" in notice.body


def test_the_old_address_hears_in_the_customers_language_or_else_the_sites(demo, staff_client, worker):
    client = signed_in_demo()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.post(request_change(client, "dana@new.example.org"))
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # staff's language is not the customer's
    staff_client.post(f"/admin/auth/user/{User.objects.get(email='dana@new.example.org').pk}/change-email/",
                      {"email": "dana@corp.example"})
    worker()
    own, by_staff = [m for m in mail.outbox if "confirm-email" not in m.body]
    assert own.to == [DEMO] and own.subject == "Die E-Mail-Adresse Ihres Kontos wurde geändert"
    assert "von dieser Adresse in d•••@new.example.org geändert" in own.body
    assert by_staff.to == ["dana@new.example.org"] and by_staff.subject == "The email address of your account was changed"


def test_a_change_that_did_not_happen_is_not_announced(demo, worker):
    Customer.objects.create(email="taken@example.org", fullname="Someone", password="!")
    client = signed_in_demo()
    client.post(request_change(client, "taken@example.org"))
    worker()
    assert old_address_mails() == []
