from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Helpers shared by the feature apps (sanitizing, abuse limits, the customer's identity)."""

    name = "common"
    default_auto_field = "django.db.models.BigAutoField"
