"""Template tags of the site shell (base.html)."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.files.storage import storages
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

import kayako
from common.times import relative

register = template.Library()
ASSETS_TEMPLATE = "includes/site_assets.html"


@register.simple_tag
def site_assets() -> SafeString:
    """The icon, stylesheets and scripts of every page, rendered once per process and static files
    storage: their hashed names change only with a deploy, which starts new processes, whereas a
    shared cache would hand out the old names after it."""
    if settings.DEBUG:  # the development server keeps running while templates change
        return render_to_string(ASSETS_TEMPLATE)
    return _assets_for(storages["staticfiles"])


@lru_cache(maxsize=1)
def _assets_for(storage) -> SafeString:
    return render_to_string(ASSETS_TEMPLATE)


@register.inclusion_tag("includes/outage_notice.html")
def outage_notice() -> dict:
    """Said on any page that shows copies from the cache because the helpdesk cannot answer."""
    as_of = kayako.stale_as_of()
    return {"as_of": as_of, "ago": relative(as_of) if as_of else ""}
