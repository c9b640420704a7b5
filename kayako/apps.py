from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KayakoConfig(AppConfig):
    """The service module: the portal's only way to the helpdesk, and its connection settings."""

    name = "kayako"
    verbose_name = _("Helpdesk connection")
    default_auto_field = "django.db.models.BigAutoField"
