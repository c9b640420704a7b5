import re

import pytest
from django.core import mail

from helpdesk.models import Customer, Ticket
from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.e2e


def link_in_last_mail(base_url: str, kind: str) -> str:
    path = re.search(rf"https?://[^/\s]+(/accounts/{kind}/\S+)", mail.outbox[-1].body).group(1)
    return base_url + path


def test_sign_up_verify_submit_change_email_and_keep_the_ticket(demo, page, worker):
    page.goto(demo.url + "/accounts/signup/")
    assert_accessible(page)
    page.get_by_label("Full name").fill("Robin Example")
    page.locator("#id_email").fill("robin@example.com")
    page.locator("#id_password1").fill("Correct-horse-2026")
    page.locator("#id_password2").fill("Correct-horse-2026")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    assert_accessible(page)

    page.goto(link_in_last_mail(demo.url, "confirm-email"))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(demo.url + "/")

    page.goto(demo.url + "/tickets/new/")
    page.get_by_label("Department").select_option(label="Billing")
    page.get_by_label("Subject").fill("Question about my invoice")
    page.get_by_label("Message").fill("Which VAT rate applies?")
    page.get_by_role("button", name="Send ticket").click()
    page.get_by_text("We have received your ticket").wait_for()
    worker()
    page.get_by_text("was sent").wait_for()
    ticket = Ticket.objects.get(subject="Question about my invoice")
    assert ticket.customer.email == "robin@example.com" and ticket.customer.fullname == "Robin Example"

    page.goto(demo.url + "/accounts/email/")
    assert_accessible(page)
    page.locator("#id_email").fill("robin@new.example.org")
    page.get_by_role("button", name="Change Email").click()
    page.goto(link_in_last_mail(demo.url, "confirm-email"))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("robin@new.example.org").first.wait_for()
    assert Customer.objects.filter(email="robin@new.example.org").exists()

    page.goto(demo.url + "/tickets/")
    assert page.get_by_role("link", name="Question about my invoice").is_visible()

    page.get_by_role("button", name="Robin Example").click()  # the account menu
    page.get_by_role("button", name="Sign out").click()
    page.goto(demo.url + "/accounts/login/")
    assert_accessible(page)
    page.goto(demo.url + "/accounts/password/reset/")
    assert_accessible(page)
