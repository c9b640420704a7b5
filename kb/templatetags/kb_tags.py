from django import template
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def rating_stars(rating: int):
    """Stars for the eye, words for screen readers."""
    rating = max(0, min(5, int(rating or 0)))
    return format_html(
        '<span class="rating-stars" aria-hidden="true">{}{}</span><span class="visually-hidden">{}</span>',
        "★" * rating, "☆" * (5 - rating), _("Rated %(rating)s out of 5") % {"rating": rating},
    )


@register.filter
def slug(title: str) -> str:
    return slugify(title) or "item"

