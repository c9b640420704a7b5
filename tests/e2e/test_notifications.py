"""Customers hear back: a staff reply made in the staff desk arrives by mail with a link, and the link
opens the ticket, for a signed-in customer and for a guest (through the lookup's mailed link)."""

import re

import pytest
from django.core import mail

from helpdesk.models import Ticket
from tests.e2e.axe import assert_accessible
from tests.e2e.test_tickets import sign_in

pytestmark = pytest.mark.e2e


def staff_reply(browser, base_url: str, ticket: Ticket, text: str) -> None:
    """A member of staff answers in the staff desk, in a browser of their own."""
    context = browser.new_context()
    desk = context.new_page()
    try:
        desk.goto(f"{base_url}/desk/login/")
        desk.get_by_label("Username").fill("staff")
        desk.get_by_label("Password").fill("staff-password-2026")
        desk.get_by_role("button", name="Log in").click()
        desk.goto(f"{base_url}/desk/helpdesk/ticket/{ticket.pk}/change/")
        desk.get_by_label("Reply to the customer").fill(text)
        desk.get_by_role("button", name="Save", exact=True).click()
        desk.get_by_text("was changed successfully").wait_for()
    finally:
        context.close()


def mailed_link(to: str, path: str) -> str:
    """The last link under `path` mailed to `to`."""
    bodies = [m.body for m in mail.outbox if m.to == [to] and path in m.body]
    assert bodies, f"nothing with {path} was mailed to {to}"
    return re.search(rf"https?://\S+{re.escape(path)}\S*", bodies[-1]).group(0)


def test_a_staff_reply_reaches_a_signed_in_customer_by_mail_and_its_link_opens_the_ticket(demo, page, browser,
                                                                                          worker):
    ticket = Ticket.objects.filter(customer__email="demo@example.com").order_by("id").first()
    sign_in(page, demo.url)
    staff_reply(browser, demo.url, ticket, "We found the cause: please update to 4.3.")
    assert not [m for m in mail.outbox if "update to 4.3" in m.body]  # the worker sends it
    worker()
    [message] = [m for m in mail.outbox if "update to 4.3" in m.body]
    assert message.to == ["demo@example.com"] and ticket.mask in message.subject
    page.goto(mailed_link("demo@example.com", f"/tickets/{ticket.pk}/"))
    page.get_by_role("heading", level=1, name=ticket.subject).wait_for()
    assert page.get_by_text("We found the cause: please update to 4.3.").is_visible()
    assert_accessible(page)


def test_a_guest_follows_the_mailed_link_through_the_lookup_and_replies(demo, page, browser, worker):
    guest_email = "gus@example.com"
    page.goto(demo.url + "/tickets/new/")
    page.get_by_label("Your name").fill("Gus Guest")
    page.get_by_label("Your email address").fill(guest_email)
    page.get_by_label("Department").select_option(label="Billing")
    page.get_by_label("Subject").fill("Invoice sent twice")
    page.get_by_label("Message").fill("I was charged twice in May.")
    page.get_by_role("button", name="Send ticket").click()
    page.get_by_text("Check your mailbox to send your ticket").wait_for()
    assert_accessible(page)
    worker()
    page.goto(mailed_link(guest_email, "/tickets/confirm/"))
    page.get_by_role("button", name="Yes, send my ticket").click()
    worker()
    page.get_by_text("was sent").wait_for()  # delivered: this browser, which confirmed, opens the ticket
    ticket = Ticket.objects.get(customer__email=guest_email)

    staff_reply(browser, demo.url, ticket, "Refunded: you will see it within three days.")
    worker()
    ticket_link = mailed_link(guest_email, f"/tickets/{ticket.pk}/")

    later_on = browser.new_context()  # another day, another browser: nothing remembered
    guest = later_on.new_page()
    try:
        guest.goto(ticket_link)
        guest.get_by_role("heading", level=1, name="Follow a ticket").wait_for()
        assert_accessible(guest)
        guest.get_by_label("Your email address").fill(guest_email)
        guest.get_by_label("Ticket number").fill(ticket.mask)
        guest.get_by_role("button", name="Email me a link").click()
        guest.get_by_text("Check your mailbox").wait_for()
        worker()
        guest.goto(mailed_link(guest_email, "/tickets/guest/"))
        guest.get_by_role("heading", level=1, name="Invoice sent twice").wait_for()
        assert guest.get_by_text("Refunded: you will see it within three days.").is_visible()
        assert_accessible(guest)
        guest.get_by_label("Your reply").fill("Thank you, it arrived.")
        guest.get_by_role("button", name="Send reply").click()
        guest.get_by_text("We have received your reply").wait_for()
        worker()
        guest.get_by_text("Your reply was added.").wait_for()
        assert guest.get_by_text("Thank you, it arrived.").is_visible()
    finally:
        later_on.close()
    assert ticket.posts.last().contents == "Thank you, it arrived."
