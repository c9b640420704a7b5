"""Times as people say them, in the page's language."""

from datetime import UTC, datetime

from django.utils.timesince import timesince
from django.utils.translation import gettext, npgettext_lazy, pgettext

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
