from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

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
                       date_format(localtime(value), "DATETIME_FORMAT"), relative(value))
