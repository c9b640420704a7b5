"""Template filters for text that comes from the helpdesk."""

from django import template

from common import html

register = template.Library()


@register.filter
def sanitized(untrusted_html: str):
    """HTML (article bodies, staff posts) cleaned to the site's allowlist."""
    return html.sanitize(untrusted_html)


@register.filter
def plain_text(text: str):
    """Text shown as text, escaped, with its line breaks."""
    return html.plain_text(text)
