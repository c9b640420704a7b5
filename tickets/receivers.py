"""A customer who signs in may search their tickets next: their index is refreshed now. What the
ticket pages show of the helpdesk's reference data or of the workflow changed: every customer's kept
ticket pages are dropped (common.pagecache)."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

import kayako
from common import pagecache
from common.customers import customer_email

from . import search
from .models import TicketWorkflow


@receiver(user_logged_in)
def refresh_ticket_index(sender, request, user, **kwargs):
    email = customer_email(user)
    if email:
        search.request_refresh(email)


@receiver(kayako.invalidated)
def reference_data_changed(sender, namespace, **kwargs):
    if namespace == "reference":
        pagecache.invalidate("tickets")


@receiver(post_save, sender=TicketWorkflow)
def workflow_changed(sender, **kwargs):
    pagecache.invalidate("tickets")
