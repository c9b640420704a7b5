from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import style_widgets

from . import services


def _full_name_field():
    return forms.CharField(label=_("Full name"), max_length=150,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))


class SignupForm(forms.Form):
    """allauth's sign-up plus the full name that goes with every ticket."""

    full_name = _full_name_field()

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user):
        services.profile_update(user=user, full_name=self.cleaned_data["full_name"])


class ProfileForm(forms.Form):
    full_name = _full_name_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].help_text = _("Sent with your tickets and replies, and used in our emails to you.")
        style_widgets(self)
