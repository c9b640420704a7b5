"""Mails that tell a customer about a change to their account."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from common.i18n import mail_language


def masked(email: str) -> str:
    """Enough of an address for its owner to know it, not enough to give it away: d•••@example.org."""
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def old_address_mail(*, old_email: str, new_email: str, name: str, by_staff: bool, language: str = "") -> None:
    """The address an account had is told that it has another now (and what to do if that was not them)."""
    with mail_language(language):
        subject = _("The email address of your account was changed")
        body = render_to_string("accounts/email/old_address.txt", {
            "name": name, "new_email": masked(new_email), "by_staff": by_staff,
            "support": settings.DEFAULT_FROM_EMAIL, "site": settings.PORTAL_PUBLIC_URL})
    send_mail(subject, body, None, [old_email])
