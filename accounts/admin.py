"""Users in the portal's admin, with their email address changed only through the helpdesk-first flow."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .services import EmailChangeRefused, change_customer_email


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New email address"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError(_("Another account already uses this address."))
        return email


admin.site.unregister(User)


@admin.register(User)
class CustomerAdmin(UserAdmin):
    """Users, with their email address changed only through the helpdesk-first flow."""

    change_form_template = "admin/auth/user/change_form_with_email.html"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "email"] if obj else super().get_readonly_fields(request, obj)

    def get_urls(self):
        return [
            path("<int:user_id>/change-email/", self.admin_site.admin_view(self.change_email_view),
                 name="auth_user_change_email"),
            *super().get_urls(),
        ]

    def change_email_view(self, request, user_id):
        # Deliberately outside any transaction: the helpdesk may share this database.
        user = self.get_object(request, str(user_id))
        if user is None or not self.has_change_permission(request, user):
            raise PermissionDenied
        form = EmailChangeForm(request.POST or None, user=user, initial={"email": user.email})
        if request.method == "POST" and form.is_valid():
            try:
                change_customer_email(user=user, new_email=form.cleaned_data["email"])
            except EmailChangeRefused as refusal:
                form.add_error("email", str(refusal))
            else:
                self.message_user(request, _("The address is now %(email)s, in the portal and the helpdesk.") % {
                    "email": user.email}, messages.SUCCESS)
                return redirect("admin:auth_user_change", user.pk)
        context = {**self.admin_site.each_context(request), "form": form, "original": user, "opts": self.opts,
                   "title": _("Change email address")}
        return TemplateResponse(request, "admin/auth/user/change_email.html", context)
