"""The portal's admin: which helpdesk to talk to, with which credentials."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import config, service, wire
from .errors import KayakoError, Rejected
from .models import ApiConnection

# Django's classes take no type arguments at run time (django-stubs-ext would patch them in).
if TYPE_CHECKING:
    ConnectionForm = forms.ModelForm[ApiConnection]
    ConnectionAdmin = admin.ModelAdmin[ApiConnection]
else:
    ConnectionForm, ConnectionAdmin = forms.ModelForm, admin.ModelAdmin


class ApiConnectionForm(ConnectionForm):
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

    def save(self, commit: bool = True) -> ApiConnection:
        connection = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            connection.password = ""
        elif self.cleaned_data.get("new_password"):
            connection.password = self.cleaned_data["new_password"]
        if commit:
            connection.save()
        return connection


@admin.register(ApiConnection)
class ApiConnectionAdmin(ConnectionAdmin):
    form = ApiConnectionForm
    list_display = ["__str__", "username", "has_password", "updated"]
    actions = ["test_connection"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ApiConnection.objects.exists()

    @admin.display(boolean=True, description=_("password stored"))
    def has_password(self, connection: ApiConnection) -> bool:
        return bool(connection.password_encrypted)

    def save_model(self, request: HttpRequest, obj: ApiConnection, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._apply_now()

    def delete_model(self, request: HttpRequest, obj: ApiConnection) -> None:
        super().delete_model(request, obj)
        self._apply_now()

    def _apply_now(self) -> None:
        # This process at once; the others within config.CHECK_SECONDS.
        config.invalidate()
        wire.reset()

    @admin.action(description=_("Test connection (calls getDepartmentList)"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[ApiConnection] | None = None) -> None:
        self._apply_now()
        try:
            service.ping()
        except Rejected as error:
            self.message_user(request, _("The helpdesk refused: %(meaning)s (%(code)s).") % {
                "meaning": error.meaning, "code": error.code}, messages.ERROR)
        except KayakoError as error:
            self.message_user(request, _("The helpdesk could not be reached: %(error)s") % {"error": error},
                              messages.ERROR)
        else:
            self.message_user(request, _("Connection works: the helpdesk answered."), messages.SUCCESS)
