"""Template filters for text that comes from the helpdesk, and for forms."""

from django import forms, template

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


@register.filter
def error_target(bound_field) -> str:
    """The id of the control an error summary's link moves to: the field's own, or its first
    option's for a group of checkboxes or radio buttons (whose group has no id)."""
    if isinstance(bound_field.field.widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id
