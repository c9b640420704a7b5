"""The customer's email address, kept in step between the portal and the helpdesk, and the old
address told about a change."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.translation import gettext as _

import kayako
from common.customers import customer_email, customer_name
from common.i18n import request_language

from . import tasks


class EmailChangeRefused(Exception):
    """The helpdesk did not take the new address; the message says why, in the user's terms."""


def email_change(*, old_email: str, new_email: str) -> None:
    """Moves a customer to a new address in the helpdesk first; the caller switches the portal
    only when this returns. A customer the helpdesk does not know yet has nothing to move."""
    if old_email.lower() == new_email.lower():
        return
    try:
        kayako.update_email_address(old_email=old_email, new_email=new_email)
    except kayako.Rejected as error:
        if error.code == kayako.ErrorCode.UNKNOWN_USER:
            return
        raise EmailChangeRefused(error.user_message) from error
    except (kayako.Unavailable, kayako.ProtocolError) as error:
        raise EmailChangeRefused(
            _("The support system is unavailable right now, so your address was not changed. Please try again later.")
        ) from error


def change_customer_email(*, user, new_email: str) -> None:
    """Staff's change of a customer's address: the helpdesk first, then the portal (the user and
    their verified primary address). If the portal cannot save, the helpdesk is moved back."""
    old_email = customer_email(user) or user.email
    email_change(old_email=old_email, new_email=new_email)
    try:
        with transaction.atomic():
            user.email = new_email
            user.save(update_fields=["email"])
            EmailAddress.objects.filter(user=user).exclude(email__iexact=new_email).delete()
            EmailAddress.objects.update_or_create(
                user=user, email=new_email, defaults={"primary": True, "verified": True}
            )
    except Exception:
        email_change(old_email=new_email, new_email=old_email)
        raise
    old_address_notify(user=user, old_email=old_email, new_email=new_email, by_staff=True)


def old_address_notify(*, user, old_email: str, new_email: str, by_staff: bool = False) -> None:
    """Mails the old address that the account has a new one (by the worker, once the change is
    committed): if someone else made the change, its owner hears of it."""
    if old_email.lower() == new_email.lower():
        return
    name = customer_name(user)
    # In the customer's language when they made the change; staff's is not theirs, so the site's then.
    language = "" if by_staff else request_language()
    transaction.on_commit(lambda: tasks.mail_old_address.enqueue(old_email, new_email, name, by_staff, language),
                          robust=True)


def profile_update(*, user, full_name: str) -> None:
    """The full name in Django's two fields; get_full_name() joins them back as it was typed."""
    first, _space, last = full_name.strip().partition(" ")
    user.first_name, user.last_name = first[:150], last.strip()[:150]
    user.save(update_fields=["first_name", "last_name"])
