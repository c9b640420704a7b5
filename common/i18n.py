"""The language of what the worker sends: the customer's, as the request they made it in had it."""

from django.conf import settings
from django.utils import translation


def mail_language(language: str):
    """A context in the customer's language (from the request that led to the mail), else the site's."""
    return translation.override(language or settings.LANGUAGE_CODE)


def request_language() -> str:
    """The language of the request being answered, to be kept for the mails that follow it."""
    return translation.get_language() or ""
