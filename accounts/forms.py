from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """allauth's sign-up plus the full name that goes with every ticket."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user):
        first, _space, last = self.cleaned_data["full_name"].strip().partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        user.save(update_fields=["first_name", "last_name"])
