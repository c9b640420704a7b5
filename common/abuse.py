"""Against spam from anonymous forms: a per-client rate limit and a honeypot field."""

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _


def client_ip(request) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "unknown")


def rate_limited(request, action: str, *, limit: int, window_seconds: int, key: str | None = None) -> bool:
    """Counts this attempt; True once a client (or whatever `key` names instead) has made more than
    `limit` in the window."""
    key = f"ratelimit:{action}:{key or client_ip(request)}"
    if cache.add(key, 1, window_seconds):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window_seconds)
        return False


class HoneypotForm(forms.Form):
    """A field people never see (hidden by CSS, skipped by keyboard and screen readers); bots fill it."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1", "class": "honeypot-input"}),
    )

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This form could not be sent. Please try again."))
        return ""
