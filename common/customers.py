"""Who the customer is towards the helpdesk: their verified primary email address."""

from functools import wraps

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .prepared import Arg, Prepared

# The attribute in which the sign-in backends (common.auth) leave the verified primary address read
# with the request's user (None without one); customer_email takes it once.
ADDRESS_READ_WITH_USER = "_verified_primary_address"
_NOT_READ = object()


def verified_primary_address(user_id):
    """The user's verified primary address: a queryset of its "email" (empty without one)."""
    return EmailAddress.objects.filter(user_id=user_id, primary=True, verified=True).values("email")[:1]


# Asked when the request's user was not read by common.auth: compiled once per process (the ORM
# took ~0.4 ms to build it each time, the database ~30 µs to answer it).
_PRIMARY_ADDRESS = Prepared(lambda a: verified_primary_address(a.user_id).values_list("email"), Arg("user_id"))


def customer_email(user) -> str | None:
    """The user's verified primary address. Read with the user if the sign-in backends read it
    (common.auth), and then taken once, so that nothing later in the request sees it after a change."""
    if not user.is_authenticated:
        return None
    address = getattr(user, ADDRESS_READ_WITH_USER, _NOT_READ)
    if address is not _NOT_READ:
        delattr(user, ADDRESS_READ_WITH_USER)
        return address
    rows = _PRIMARY_ADDRESS.rows(user_id=user.pk)
    return rows[0][0] if rows else None


def customer_name(user) -> str:
    """How the portal names a customer (messages, mails, allauth's ACCOUNT_USER_DISPLAY): the full
    name given at sign-up or in the profile, else the address; never a user name made up from it."""
    return user.get_full_name() or user.email


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
