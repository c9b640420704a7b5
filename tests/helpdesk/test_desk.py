"""The staff desk: agents reply to tickets, with attachments, and change status and priority."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpdesk.models import Priority, Status, Ticket
from tests.tickets.test_submit import named_file


@pytest.fixture
def agent(demo):
    client = Client()
    client.force_login(User.objects.get(username="staff"))
    return client


def test_ticket_list_filters_and_search(agent):
    ticket = Ticket.objects.first()
    other = Ticket.objects.exclude(status=ticket.status).first()
    found = agent.get("/desk/helpdesk/ticket/", {"q": ticket.mask}).content.decode()
    assert ticket.mask in found and other.mask not in found
    filtered = agent.get("/desk/helpdesk/ticket/", {"status__id__exact": ticket.status_id}).content.decode()
    shown = set(re.findall(r"[A-Z]{3}-\d{6}", filtered))
    assert ticket.mask in shown and other.mask not in shown
    assert shown == set(Ticket.objects.filter(status=ticket.status).values_list("mask", flat=True))


def test_ticket_page_shows_the_thread_and_a_staff_reply_is_added(agent):
    ticket = Ticket.objects.filter(customer__email="demo@example.com").first()
    page = agent.get(f"/desk/helpdesk/ticket/{ticket.pk}/change/").content.decode()
    assert "Thread" in page and ticket.posts.first().contents.split("\n")[0] in page
    closed, high = Status.objects.get(title="Closed"), Priority.objects.get(title="High")
    response = agent.post(f"/desk/helpdesk/ticket/{ticket.pk}/change/", {
        "subject": ticket.subject, "department": ticket.department_id, "status": closed.pk, "priority": high.pk,
        "duetime_0": "", "duetime_1": "", "reply": "We fixed it.", "reply_attachments": [
            SimpleUploadedFile("fix.txt", b"patch", content_type="text/plain")],
        "posts-TOTAL_FORMS": "0", "posts-INITIAL_FORMS": "0",
        "customvalues-TOTAL_FORMS": "0", "customvalues-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    post = ticket.posts.last()
    assert (post.contents, post.staff.username, post.attachments.get().name) == ("We fixed it.", "staff", "fix.txt")
    assert (ticket.status, ticket.priority, ticket.lastreplier) == (closed, high, "Sam Support")


def test_a_reply_attachment_whose_name_leaves_nothing_is_refused(agent):
    ticket = Ticket.objects.filter(customer__email="demo@example.com").first()
    posts = ticket.posts.count()
    response = agent.post(f"/desk/helpdesk/ticket/{ticket.pk}/change/", {
        "subject": ticket.subject, "department": ticket.department_id, "status": ticket.status_id,
        "priority": ticket.priority_id, "duetime_0": "", "duetime_1": "", "reply": "See the file.",
        "reply_attachments": [SimpleUploadedFile("fix.txt", b"patch"), named_file("..", b"dots")],
        "posts-TOTAL_FORMS": "0", "posts-INITIAL_FORMS": "0",
        "customvalues-TOTAL_FORMS": "0", "customvalues-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "A file has a name that cannot be used" in response.content.decode()
    assert ticket.posts.count() == posts
