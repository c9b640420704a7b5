"""Who the customer is towards the helpdesk: their verified primary email address."""

from functools import wraps

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import kayako


def customer_email(user) -> str | None:
    if not user.is_authenticated:
        return None
    address = EmailAddress.objects.filter(user=user, primary=True, verified=True).only("email").first()
    return address.email if address else None


def customer_name(user) -> str:
    return user.get_full_name() or user.email.split("@")[0]


def customer_required(view):
    """Signed in with a verified primary address; the view finds it in request.customer_email."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        email = customer_email(request.user)
        if email is None:
            messages.warning(request, _("Please verify your email address first: your tickets are kept under it."))
            return redirect("account_email")
        request.customer_email = email
        return view(request, *args, **kwargs)

    return wrapper


class EmailChangeRefused(Exception):
    """The helpdesk did not take the new address; the message says why, in the user's terms."""


def email_change(*, old_email: str, new_email: str) -> None:
    """Moves a customer to a new address in the helpdesk first; the caller switches the portal
    only when this returns. A customer the helpdesk does not know yet (-3) has nothing to move."""
    if old_email.lower() == new_email.lower():
        return
    try:
        kayako.update_email_address(old_email=old_email, new_email=new_email)
    except kayako.Rejected as error:
        if error.code == -3:
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
