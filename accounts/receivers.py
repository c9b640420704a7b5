"""allauth's signals the accounts feature answers, and the account's changes that a customer's kept
pages show (their name, their address: common.pagecache)."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed
from django.contrib.auth.models import User
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from common import pagecache

from .services import old_address_notify


@receiver(email_changed)
def tell_the_old_address(sender, request, user, from_email_address, to_email_address, **kwargs):
    """A customer changed their address (allauth: a new one confirmed, or another made primary)."""
    if from_email_address is not None and from_email_address.verified:
        old_address_notify(user=user, old_email=from_email_address.email, new_email=to_email_address.email)


@receiver(post_save, sender=User)
def account_changed(sender, instance, **kwargs):
    pagecache.customer_changed(instance.pk)


@receiver(post_save, sender=EmailAddress)
@receiver(post_delete, sender=EmailAddress)
def address_changed(sender, instance, **kwargs):
    """Whichever way (allauth's pages, staff's change, the helpdesk's sync): the pages show the
    tickets of the customer's verified primary address."""
    pagecache.customer_changed(instance.user_id)
