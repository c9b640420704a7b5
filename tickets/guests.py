"""Guests, who have no account: signed links mailed to the address they gave, and what those links
open in the guest's session.

- A guest's ticket is sent only once its sender opens the confirmation link mailed to the address
  they gave (`confirmation_token`): nobody files tickets in someone else's name, and every guest
  hears the same words, so the form tells nobody whether an address has an account.
- A guest follows a ticket with a link mailed on request (/tickets/lookup/, `link_token`): opening
  it lets this browser session read that one ticket and reply to it until the link expires.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from common.i18n import mail_language

from . import selectors

logger = logging.getLogger(__name__)

CONFIRMATION_SALT = "tickets.guest-confirmation"
LINK_SALT = "tickets.guest-link"
SESSION_TICKETS = "guest_tickets"  # ticket id (text) -> {"email", "name", "until"}
SESSION_CONFIRMED = "guest_confirmed"  # references of submissions this session confirmed


@dataclass(frozen=True)
class Grant:
    """What a guest's session may do with one ticket: act as its customer, until `until`."""

    ticket_id: int
    email: str
    name: str
    until: int  # epoch seconds


# --- confirming a guest's ticket ------------------------------------------------------------------


def confirmation_token(*, reference: str, email: str) -> str:
    return signing.dumps({"r": reference, "e": email.lower()}, salt=CONFIRMATION_SALT)


def confirmation(token: str) -> tuple[str, str] | None:
    """(reference, address) that the token was made for, if it is genuine and younger than
    TICKETS_GUEST_CONFIRM_SECONDS. The address counts: a link confirms a submission only while it
    is still meant for the address the link was mailed to."""
    try:
        payload = signing.loads(token, salt=CONFIRMATION_SALT, max_age=settings.TICKETS_GUEST_CONFIRM_SECONDS)
    except signing.BadSignature:
        return None
    return payload["r"], payload["e"]


def remember_confirmed(request, reference: str) -> None:
    """This browser confirmed the submission: once delivered, its ticket opens here."""
    request.session[SESSION_CONFIRMED] = [*request.session.get(SESSION_CONFIRMED, [])[-19:], reference]


def opens(request, entry) -> bool:
    """Whether a guest's browser opens the ticket that a delivered submission of theirs became: one it
    holds a link to, or one it confirmed itself (which gives it a link)."""
    if entry.kind == entry.Kind.TICKET and entry.reference in request.session.get(SESSION_CONFIRMED, []):
        grant(request, Grant(entry.ticket_id, entry.email, entry.full_name,
                             int(time.time()) + settings.TICKETS_GUEST_LINK_SECONDS))
    return granted(request, entry.ticket_id) is not None


# --- following a ticket ---------------------------------------------------------------------------


def link_token(*, email: str, ticket_id: int, name: str) -> str:
    until = int(time.time()) + settings.TICKETS_GUEST_LINK_SECONDS
    return signing.dumps({"e": email, "t": ticket_id, "n": name, "u": until}, salt=LINK_SALT, compress=True)


def mail_link(*, email: str, mask: str, language: str = "") -> None:
    """(In the worker.) A link to the ticket with this number, mailed to `email` if the ticket is
    theirs; nothing otherwise, and nothing tells the asker which it was."""
    ticket = selectors.ticket_find(email=email, mask=mask)
    if ticket is None:
        logger.info("guest lookup: no ticket %r for the address given", mask)
        return
    name = next((post.full_name for post in ticket.posts if not post.is_staff), "") or email.split("@")[0]
    token = link_token(email=email, ticket_id=ticket.id, name=name)
    with mail_language(language):
        subject = _("[%(mask)s] Your link to your ticket") % {"mask": ticket.mask}
        body = render_to_string("tickets/email/guest_link.txt", {
            "name": name, "ticket": ticket, "hours": settings.TICKETS_GUEST_LINK_SECONDS // 3600,
            "url": settings.PORTAL_PUBLIC_URL + reverse("tickets:guest-link", args=[token])})
    send_mail(subject, body, None, [email])


def redeem(request, token: str) -> int | None:
    """Opens the ticket of a genuine, unexpired link to this session; its id, else None."""
    try:
        payload = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    if payload["u"] <= time.time():
        return None
    grant(request, Grant(payload["t"], payload["e"], payload["n"], payload["u"]))
    return payload["t"]


def grant(request, access: Grant) -> None:
    tickets = {k: v for k, v in request.session.get(SESSION_TICKETS, {}).items() if v["until"] > time.time()}
    tickets[str(access.ticket_id)] = {"email": access.email, "name": access.name, "until": access.until}
    request.session[SESSION_TICKETS] = tickets


def granted(request, ticket_id: int) -> Grant | None:
    """The session's access to this ticket, while it lasts."""
    held = request.session.get(SESSION_TICKETS, {}).get(str(ticket_id))
    if held is None or held["until"] <= time.time():
        return None
    return Grant(ticket_id, held["email"], held["name"], held["until"])
