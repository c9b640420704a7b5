"""A customer who signs in may search their tickets next: their index is refreshed now."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from common.customers import customer_email

from . import search


@receiver(user_logged_in)
def refresh_ticket_index(sender, request, user, **kwargs):
    email = customer_email(user)
    if email:
        search.request_refresh(email)
