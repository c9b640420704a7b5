from datetime import UTC, datetime

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag
def badge(kind: str, item, fallback: str = ""):
    """A badge in the helpdesk's colour (classes from badges.css), text always present."""
    if item is None:
        return format_html('<span class="badge text-bg-secondary">{}</span>', fallback)
    return format_html('<span class="badge badge-colour badge-{}-{}">{}</span>', kind, item.id, item.title)


@register.simple_tag
def moment(value):
    """Relative time, with the exact time on hover and for machines."""
    if not value:
        return "—"
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(),
                       value.strftime("%Y-%m-%d %H:%M UTC"), relative(value))


# (seconds in the unit, singular, plural): a few calls to ngettext are much cheaper than
# humanize's naturaltime, and the ticket list shows one per row.
UNITS = [
    (365 * 86400, "%(count)d year ago", "%(count)d years ago"),
    (30 * 86400, "%(count)d month ago", "%(count)d months ago"),
    (7 * 86400, "%(count)d week ago", "%(count)d weeks ago"),
    (86400, "%(count)d day ago", "%(count)d days ago"),
    (3600, "%(count)d hour ago", "%(count)d hours ago"),
    (60, "%(count)d minute ago", "%(count)d minutes ago"),
]


def relative(value: datetime) -> str:
    """"3 hours ago", in the largest whole unit."""
    seconds = (datetime.now(UTC) - value).total_seconds()
    if seconds < 60:
        return gettext("just now")
    for size, singular, plural in UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return ngettext(singular, plural, count) % {"count": count}
    return gettext("just now")

