from datetime import UTC, datetime

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext, npgettext_lazy, pgettext

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


# Django's timesince, in the largest unit, with strings of the site's own catalog: after "vor" German
# takes the dative ("vor 2 Tagen"), which humanize's naturaltime gets wrong ("1 Tage her").
AGO_UNITS = {
    "year": npgettext_lazy("time ago", "%(num)d year", "%(num)d years", "num"),
    "month": npgettext_lazy("time ago", "%(num)d month", "%(num)d months", "num"),
    "week": npgettext_lazy("time ago", "%(num)d week", "%(num)d weeks", "num"),
    "day": npgettext_lazy("time ago", "%(num)d day", "%(num)d days", "num"),
    "hour": npgettext_lazy("time ago", "%(num)d hour", "%(num)d hours", "num"),
    "minute": npgettext_lazy("time ago", "%(num)d minute", "%(num)d minutes", "num"),
}


def relative(value: datetime) -> str:
    """"3 hours ago", "vor 3 Stunden", "il y a 3 heures"."""
    now = datetime.now(UTC)
    if (now - value).total_seconds() < 60:
        return gettext("just now")
    return pgettext("time ago", "%(delta)s ago") % {"delta": timesince(value, now, time_strings=AGO_UNITS, depth=1)}
