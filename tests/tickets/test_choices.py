"""What customers may see and choose: only public departments, statuses and priorities (the API's
`ispublic`), in the list's filters, the submit form and the ticket page; the status only by Close or
Reopen, chosen by what the statuses mean (the ticket workflow in the portal admin), never by title
in code; and a reply to a closed ticket reopens it."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

import kayako
from helpdesk.models import Department, Priority, Status, Ticket
from tickets.models import TicketWorkflow

from .conftest import DEMO

PRIVATE = {"department": "Internal escalations", "status": "Spam", "priority": "Critical"}


def options(html: str, name: str) -> list[str]:
    """The labels of a <select>'s options, in order."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r"<option[^>]*selected[^>]*>([^<]*)</option>", select).group(1).strip()


def demo_ticket(status: str = "Open") -> Ticket:
    return Ticket.objects.filter(customer__email=DEMO, status__title=status).order_by("id").first()


def test_the_demo_data_has_private_departments_statuses_and_priorities(demo):
    assert not Department.objects.get(title=PRIVATE["department"]).ispublic
    assert not Status.objects.get(title=PRIVATE["status"]).ispublic
    assert not Priority.objects.get(title=PRIVATE["priority"]).ispublic
    assert dict(Status.objects.values_list("title", "meaning")) == {
        "Open": "open", "In progress": "in_progress", "Waiting for customer": "waiting", "Closed": "closed",
        "Spam": "closed"}


def test_list_filters_offer_only_public_values_and_rows_still_show_private_ones(dana):
    ticket = demo_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.objects.get(title="Spam"), priority=Priority.objects.get(title="Critical"),
        department=Department.objects.get(title="Internal escalations"))
    html = dana.get("/tickets/", {"per_page": 50}).content.decode()
    for name, private in PRIVATE.items():
        offered = options(html, name)
        assert private not in offered and len(offered) > 2, name
    row = html.split(f">{ticket.mask}</a>")[1].split("</tr>")[0]
    assert all(private in row for private in PRIVATE.values())  # the ticket's own values are shown
    forged = dana.get("/tickets/", {"status": Status.objects.get(title="Spam").pk, "per_page": 50}).content.decode()
    assert "Some of the list settings were not valid" in forged and ticket.mask in forged  # not applied


def test_submit_offers_only_public_values_and_refuses_others(dana, worker):
    html = dana.get("/tickets/new/").content.decode()
    assert PRIVATE["department"] not in options(html, "department")
    assert PRIVATE["priority"] not in options(html, "priority")
    public = {"department": Department.objects.get(title="Billing").pk, "priority": Priority.objects.get(title="Low").pk}
    for name in ("department", "priority"):
        model = Department if name == "department" else Priority
        forged = {**public, name: model.objects.get(title=PRIVATE[name]).pk, "subject": "Forged", "message": "x"}
        response = dana.post("/tickets/new/", forged)
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode(), name
    worker()
    assert not Ticket.objects.filter(subject="Forged").exists()


@pytest.mark.parametrize("status,current,action", [
    ("Open", "Open", "Close the ticket"), ("In progress", "In progress", "Close the ticket"),
    ("Waiting for customer", "Waiting for customer", "Close the ticket"), ("Closed", "Closed", "Reopen the ticket"),
])
def test_the_status_menu_offers_only_close_or_reopen(dana, status, current, action):
    ticket = demo_ticket(status)
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert options(html, "status") == [current, action]
    assert selected(html, "status") == current
    assert PRIVATE["priority"] not in options(html, "priority")


def test_a_ticket_in_a_private_status_and_priority_shows_them_and_keeps_the_priority(dana):
    ticket = demo_ticket()
    critical = Priority.objects.get(title="Critical")
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.objects.get(title="Spam"), priority=critical)
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    # (the portal knows only what the workflow says: no title of its list names "Spam")
    assert options(html, "status") == ["Spam", "Close the ticket"]
    assert selected(html, "priority") == "Critical" and options(html, "priority")[1:] == ["Low", "Medium", "High"]
    dana.post(f"/tickets/{ticket.pk}/properties/", {"status": Status.objects.get(title="Closed").pk, "priority": ""})
    ticket.refresh_from_db()
    assert (ticket.status.title, ticket.priority) == ("Closed", critical)


@pytest.mark.parametrize("ticket_status,forged", [
    ("Open", "In progress"), ("Open", "Waiting for customer"), ("Open", "Spam"), ("Open", "Open"),
    ("Closed", "Closed"), ("Closed", "In progress"), ("In progress", "Open"),
])
def test_a_forged_status_is_refused(dana, ticket_status, forged):
    ticket = demo_ticket(ticket_status)
    response = dana.post(f"/tickets/{ticket.pk}/properties/", {"status": Status.objects.get(title=forged).pk})
    assert response.status_code == 400
    assert "This change is not possible for this ticket now." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status.title == ticket_status


def test_a_reply_to_a_closed_ticket_reopens_it(dana, worker):
    ticket = demo_ticket("Closed")
    assert "your reply opens it again" in dana.get(f"/tickets/{ticket.pk}/").content.decode()
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "It is broken again."})
    worker()
    ticket.refresh_from_db()
    assert ticket.posts.last().contents == "It is broken again." and ticket.status.title == "Open"


def test_a_reply_to_an_open_ticket_leaves_its_status(dana, worker):
    ticket = demo_ticket("In progress")
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "One more detail."})
    worker()
    ticket.refresh_from_db()
    assert ticket.status.title == "In progress"


@pytest.fixture
def renamed(demo):
    """The helpdesk's statuses under titles the portal does not know."""
    titles = {"Open": "Nouveau", "In progress": "En cours", "Waiting for customer": "En attente", "Closed": "Fermé"}
    for old, new in titles.items():
        Status.objects.filter(title=old).update(title=new)
    kayako.invalidate("reference")
    return {status.title: status for status in Status.objects.all()}


def test_close_and_reopen_follow_the_meanings_site_admins_give(dana, renamed):
    ticket = Ticket.objects.filter(customer__email=DEMO, status=renamed["Nouveau"]).first()
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert options(html, "status") == ["Nouveau"] and "Close ticket" not in html  # no title says "closed"
    admin = Client()
    admin.force_login(User.objects.get(username="staff"))
    form = admin.get("/admin/tickets/ticketworkflow/", follow=True).content.decode()
    assert "Fermé" in form and "Spam (not public)" in form
    response = admin.post("/admin/tickets/ticketworkflow/add/", {
        f"status_{renamed['Nouveau'].pk}": "open", f"status_{renamed['Fermé'].pk}": "closed",
        f"status_{renamed['En cours'].pk}": "other", f"status_{renamed['Spam'].pk}": "closed"}, follow=True)
    assert "Close sets “Fermé”; Reopen, and a reply to a closed ticket, set “Nouveau”." in response.content.decode()
    assert TicketWorkflow.objects.get().status_meanings[str(renamed["Fermé"].pk)] == "closed"
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert options(html, "status") == ["Nouveau", "Close the ticket"]
    dana.post(f"/tickets/{ticket.pk}/properties/", {"status": renamed["Fermé"].pk})
    ticket.refresh_from_db()
    assert ticket.status == renamed["Fermé"]
    assert options(dana.get(f"/tickets/{ticket.pk}/").content.decode(), "status") == ["Fermé", "Reopen the ticket"]
    dana.post(f"/tickets/{ticket.pk}/properties/", {"status": renamed["Nouveau"].pk})
    ticket.refresh_from_db()
    assert ticket.status == renamed["Nouveau"]
