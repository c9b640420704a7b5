"""The site's name, in pages and in mails."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext


def site_name() -> str:
    """SITE_NAME, or the translated "Support portal" when none is set."""
    return settings.SITE_NAME or gettext("Support portal")


@dataclass(frozen=True)
class MailSite:
    """What allauth's mail templates read as `current_site`: the site's name and its public address
    (rather than django.contrib.sites, whose one row would say "example.com", or the request's host)."""

    name: str
    domain: str


def mail_site() -> MailSite:
    return MailSite(name=site_name(), domain=settings.PORTAL_PUBLIC_URL)
