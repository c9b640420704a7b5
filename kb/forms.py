from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.abuse import HoneypotForm
from common.forms import style_widgets


class CommentForm(HoneypotForm):
    name = forms.CharField(label=_("Your name"), max_length=100)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=settings.KB_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, in the request's language: interpolating at import would fix the text in English.
        self.fields["comment"].help_text = _("Up to %(count)s characters. Comments are public.") % {
            "count": settings.KB_COMMENT_MAX_LENGTH}
        style_widgets(self)


class RatingForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the knowledge base"), max_length=200, required=False, error_messages={
        "max_length": _("Your search is too long: use at most %(limit_value)d characters (it has %(show_value)d)."),
    })
