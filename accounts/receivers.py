"""allauth's signals the accounts feature answers."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from .services import old_address_notify


@receiver(email_changed)
def tell_the_old_address(sender, request, user, from_email_address, to_email_address, **kwargs):
    """A customer changed their address (allauth: a new one confirmed, or another made primary)."""
    if from_email_address is not None and from_email_address.verified:
        old_address_notify(user=user, old_email=from_email_address.email, new_email=to_email_address.email)
