"""The embedded helpdesk mails customers: every staff reply made in the desk, the status changes they
care about (closed, waiting for them), and the acknowledgement of a new ticket, each with a link to
the ticket in the portal; in text and HTML; from its worker, tried again until the mail goes out."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from common import schedule
from helpdesk import notifications
from helpdesk.models import Notification, Status, Ticket

DEMO = "demo@example.com"


@pytest.fixture
def agent(demo):
    client = Client()
    client.force_login(User.objects.get(username="staff"))
    return client


def demo_ticket(status: str = "Open") -> Ticket:
    return Ticket.objects.filter(customer__email=DEMO, status__title=status).order_by("id").first()


def desk_save(agent: Client, ticket: Ticket, *, status: str | None = None, reply: str = "", html: bool = False,
              files=()):
    response = agent.post(f"/desk/helpdesk/ticket/{ticket.pk}/change/", {
        "subject": ticket.subject, "department": ticket.department_id, "priority": ticket.priority_id,
        "status": Status.objects.get(title=status).pk if status else ticket.status_id,
        "duetime_0": "", "duetime_1": "", "reply": reply, "reply_is_html": "on" if html else "",
        "reply_attachments": list(files),
        "posts-TOTAL_FORMS": "0", "posts-INITIAL_FORMS": "0",
        "customvalues-TOTAL_FORMS": "0", "customvalues-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]


def html_part(message) -> str:
    [(content, mime_type)] = message.alternatives
    assert mime_type == "text/html"
    return content


def test_a_staff_reply_is_mailed_by_the_worker_with_its_text_attachments_and_link(agent, worker, settings):
    ticket = demo_ticket()
    desk_save(agent, ticket, reply="Please restart the sync.\nThen tell us.",
              files=[SimpleUploadedFile("steps.txt", b"1. restart\n", content_type="text/plain")])
    assert mail.outbox == []  # not in the staff member's request
    worker()
    [message] = mail.outbox
    link = f"{settings.PORTAL_PUBLIC_URL}/tickets/{ticket.pk}/"
    assert message.to == [DEMO] and message.subject == f"[{ticket.mask}] {ticket.subject}"
    assert "Sam Support replied to your ticket" in message.body
    assert "Please restart the sync.\nThen tell us." in message.body
    assert "steps.txt (11\xa0bytes)" in message.body and link in message.body
    html = html_part(message)
    assert "<p>Please restart the sync.<br>Then tell us.</p>" in html and f'href="{link}"' in html
    assert "<li>steps.txt (11\xa0bytes)</li>" in html
    assert Notification.objects.get().sent_at is not None


def test_mails_are_in_the_sites_language_whatever_the_staff_desk_speaks(agent, worker, settings):
    """The API carries no language for a customer: the helpdesk writes in LANGUAGE_CODE."""
    settings.LANGUAGE_CODE = "de"
    agent.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    ticket = demo_ticket()
    desk_save(agent, ticket, reply="Bitte starten Sie die Synchronisierung neu.")
    worker()
    [message] = mail.outbox
    assert f"Sam Support hat auf Ihr Ticket {ticket.mask} ({ticket.subject}) geantwortet:" in message.body
    assert "Ticket ansehen und hier antworten:" in message.body
    assert "Ticket ansehen und antworten" in html_part(message)


def test_an_html_reply_is_sanitized_in_the_html_part_and_readable_in_the_text(agent, worker):
    ticket = demo_ticket()
    desk_save(agent, ticket, html=True, reply='<p>First <b>step</b>.</p><p>Second<script>alert(1)</script></p>'
                                              '<a href="javascript:alert(2)">x</a>')
    worker()
    [message] = mail.outbox
    assert "First step.\n\nSecond" in message.body and "alert" not in message.body
    html = html_part(message)
    assert "<p>First <b>step</b>.</p>" in html and "<script" not in html and "javascript:" not in html


@pytest.mark.parametrize("status,mailed,words", [
    ("Closed", True, "is now closed (Closed)"),
    ("Waiting for customer", True, "We are waiting for your answer"),
    ("In progress", False, None),
    ("Spam", False, None),  # closed, but not public: the customer does not hear of it
])
def test_status_changes_the_customer_cares_about_are_mailed(agent, worker, status, mailed, words):
    ticket = demo_ticket()
    desk_save(agent, ticket, status=status)
    worker()
    assert len(mail.outbox) == int(mailed)
    if mailed:
        assert words in mail.outbox[0].body and words in html_part(mail.outbox[0])
        assert f"/tickets/{ticket.pk}/" in mail.outbox[0].body


def test_a_reply_that_closes_the_ticket_is_one_mail(agent, worker):
    ticket = demo_ticket()
    desk_save(agent, ticket, status="Closed", reply="Fixed in 4.3.")
    worker()
    [message] = mail.outbox
    assert "Fixed in 4.3." in message.body and "is now closed" in message.body


def test_a_save_without_reply_or_status_change_is_not_mailed(agent, worker):
    desk_save(agent, demo_ticket())
    worker()
    assert mail.outbox == []


def test_the_link_follows_the_url_template_setting(agent, worker, settings):
    settings.HELPDESK_TICKET_URL = "https://support.example.com/t/{mask}?id={id}"
    ticket = demo_ticket()
    desk_save(agent, ticket, reply="Hello")
    worker()
    assert f"https://support.example.com/t/{ticket.mask}?id={ticket.pk}" in mail.outbox[0].body


def test_a_mail_that_fails_is_tried_again_later(agent, worker, later, monkeypatch):
    real_send = EmailMultiAlternatives.send

    def refused(self, *args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    desk_save(agent, demo_ticket(), reply="Hello")
    worker()
    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (1, None)
    assert "the mail server is down" in notification.last_error
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    with later(10):
        worker()
    assert mail.outbox == []  # not due yet: 30 s after the first attempt
    with later(31):
        worker()  # the run the failure asked for, at its next attempt
    notification.refresh_from_db()
    assert len(mail.outbox) == 1 and notification.attempts == 2 and notification.sent_at is not None


def test_a_mail_is_given_up_after_the_last_attempt(agent, worker, later, monkeypatch, settings, caplog):
    settings.HELPDESK_MAIL_ATTEMPTS = 2
    monkeypatch.setattr(EmailMultiAlternatives, "send", lambda self, *a, **k: (_ for _ in ()).throw(OSError("no")))
    desk_save(agent, demo_ticket(), reply="Hello")
    worker()
    with later(31):
        worker()
    with later(3600):
        worker()
    notification = Notification.objects.get()
    assert notification.attempts == 2 and notification.failed_at is not None
    assert "given up after 2 attempts" in caplog.text


def test_a_burst_of_mails_is_sent_by_one_run_not_a_task_each(agent, worker):
    tickets = list(Ticket.objects.filter(customer__email=DEMO).order_by("id")[:5])
    for ticket in tickets:
        desk_save(agent, ticket, reply=f"About {ticket.mask}")
    # The first save queued a run; the others found it queued and not started.
    assert DBTaskResult.objects.filter(task_path="common.schedule.run_periodic").count() == 1
    worker()  # it sends all five
    assert sorted(m.subject.split("]")[0] for m in mail.outbox) == sorted(f"[{t.mask}" for t in tickets)


def test_a_mail_taken_by_a_run_is_leased_from_another(agent):
    for ticket in Ticket.objects.filter(customer__email=DEMO).order_by("id")[:3]:
        desk_save(agent, ticket, reply="Hello")
    now = timezone.now()
    taken = notifications._take(now)
    assert [attempt for _, attempt, _ in taken] == [1, 1, 1]
    assert notifications._take(now) == []  # a second run at the same moment finds them leased
    assert Notification.objects.filter(next_attempt_at__gt=now, attempts=1).count() == 3


def test_mails_whose_lease_would_run_out_during_a_send_are_left_to_the_next_take(agent, monkeypatch, settings):
    settings.EMAIL_TIMEOUT = 12  # a lease of 30 s: room for the first send; 20 s later, not for another
    for ticket in Ticket.objects.filter(customer__email=DEMO).order_by("id")[:3]:
        desk_save(agent, ticket, reply="Hello")
    real_send = EmailMultiAlternatives.send
    with freeze_time(timezone.now(), tick=True) as clock:
        def slow_send(message, *args, **kwargs):
            clock.tick(timedelta(seconds=20))  # the mail server takes its time
            return real_send(message, *args, **kwargs)

        monkeypatch.setattr(EmailMultiAlternatives, "send", slow_send)
        monkeypatch.setattr(notifications, "TAKE_BATCH", 3)
        monkeypatch.setattr(notifications, "SEND_BATCHES", 1)
        notifications.send_due()
        assert len(mail.outbox) == 1
        # The other two: not tried, due again at once, their attempt given back.
        waiting = Notification.objects.filter(sent_at=None)
        assert waiting.count() == 2 and {n.attempts for n in waiting} == {0}
        assert all(n.next_attempt_at <= timezone.now() for n in waiting)


def test_a_lost_task_is_found_by_the_periodic_run(agent, worker, later):
    desk_save(agent, demo_ticket(), reply="Hello")
    DBTaskResult.objects.filter(task_path="common.schedule.run_periodic").delete()  # the queue lost it
    worker()
    assert mail.outbox == []
    with later(60):
        schedule.tick()  # the helpdesk worker's beat: the mails' periodic run is due
        worker()
    assert len(mail.outbox) == 1
    with later(60 + 31 * 86400):
        schedule.tick()
        worker()
    assert not Notification.objects.exists()  # sent a month ago: its record is gone


def test_a_killed_worker_s_mail_is_sent_by_the_next_one(agent, worker, later):
    desk_save(agent, demo_ticket(), reply="Hello")
    # A worker took it (the lease moved its next attempt on) and died before sending.
    Notification.objects.update(attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=30))
    worker()
    assert mail.outbox == []
    with later(90):
        schedule.tick()
        worker()
    assert len(mail.outbox) == 1 and Notification.objects.get().attempts == 2


@pytest.mark.parametrize("status", ["Closed", "Waiting for customer"])
def test_a_customer_reply_to_a_closed_or_waiting_ticket_reopens_it(demo, status):
    from helpdesk import api

    ticket = demo_ticket(status)
    api.post_ticket_reply(email=DEMO, ticket_id=ticket.pk, reply="Still broken")
    ticket.refresh_from_db()
    assert ticket.status.title == "Open"
    in_progress = demo_ticket("In progress")
    api.post_ticket_reply(email=DEMO, ticket_id=in_progress.pk, reply="More")
    in_progress.refresh_from_db()
    assert in_progress.status.title == "In progress"


def test_the_desk_shows_and_edits_what_each_status_means(agent):
    html = agent.get("/desk/helpdesk/status/").content.decode()
    assert re.search(r'name="form-\d+-meaning"', html) and "Waiting for the customer" in html
    ticket = demo_ticket()
    desk_save(agent, ticket, reply="Hello")
    notifications = agent.get("/desk/helpdesk/notification/").content.decode()
    assert "<title>Select mail to a customer to view" in notifications and ticket.mask in notifications
