"""The portal's admin: which helpdesk to talk to, with which credentials."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import kayako
from .accounts import EmailChangeRefused, change_customer_email
from .kayako import config, wire
from .models import ApiConnection


class ApiConnectionForm(forms.ModelForm):
    url = forms.URLField(label=_("API URL"), required=False, assume_scheme="https")
    # Write-only: the stored password is never rendered back into the page.
    new_password = forms.CharField(
        label=_("API password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )
    clear_password = forms.BooleanField(
        label=_("Remove the stored password (use the environment's)"), required=False
    )

    class Meta:
        model = ApiConnection
        fields = ["url", "username"]

    def save(self, commit=True):
        connection = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            connection.password = ""
        elif self.cleaned_data.get("new_password"):
            connection.password = self.cleaned_data["new_password"]
        if commit:
            connection.save()
        return connection


@admin.register(ApiConnection)
class ApiConnectionAdmin(admin.ModelAdmin):
    form = ApiConnectionForm
    list_display = ["__str__", "username", "has_password", "updated"]
    actions = ["test_connection"]

    def has_add_permission(self, request):
        return not ApiConnection.objects.exists()

    @admin.display(boolean=True, description=_("password stored"))
    def has_password(self, connection):
        return bool(connection.password_encrypted)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._apply_now()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._apply_now()

    def _apply_now(self):
        # This process at once; the others within config.CHECK_SECONDS.
        config.invalidate()
        wire.reset()

    @admin.action(description=_("Test connection (calls getDepartmentList)"))
    def test_connection(self, request, queryset=None):
        self._apply_now()
        try:
            kayako.ping()
        except kayako.Rejected as error:
            self.message_user(request, _("The helpdesk refused: %(meaning)s (%(code)s).") % {
                "meaning": error.meaning, "code": error.code}, messages.ERROR)
        except kayako.KayakoError as error:
            self.message_user(request, _("The helpdesk could not be reached: %(error)s") % {"error": error},
                              messages.ERROR)
        else:
            self.message_user(request, _("Connection works: the helpdesk answered."), messages.SUCCESS)


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
