from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils.html import format_html

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
                       value.strftime("%Y-%m-%d %H:%M UTC"), naturaltime(value))

