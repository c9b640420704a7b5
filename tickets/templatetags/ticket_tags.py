from datetime import datetime, tzinfo
from functools import lru_cache

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import get_current_timezone, localtime
from django.utils.translation import get_language

from common.times import relative

register = template.Library()


@register.simple_tag
def badge(kind: str, item, fallback: str = ""):
    """A badge in the helpdesk's colour (classes from badges.css), text always present."""
    if item is None:
        return format_html('<span class="badge text-bg-secondary">{}</span>', fallback)
    return format_html('<span class="badge badge-colour badge-{}-{}">{}</span>', kind, item.id, item.title)


@register.simple_tag
def moment(value):
    """Relative time in the page's language, with the exact local time on hover and for machines."""
    if not value:
        return "—"
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(),
                       _exact(value, get_language(), get_current_timezone()), relative(value))


@lru_cache(maxsize=4096)
def _exact(value: datetime, language: str, zone: tzinfo) -> str:
    """The local time written out, as a language writes it: the same every time the value is shown
    (a ticket list shows the same times again and again, and formatting one costs ~50 µs)."""
    return date_format(localtime(value, zone), "DATETIME_FORMAT")
