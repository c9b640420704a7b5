import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _fernet() -> Fernet:
    secret = settings.KAYAKO_CREDENTIALS_KEY or settings.SECRET_KEY
    key = base64.urlsafe_b64encode(hashlib.sha256(b"kayako-credentials:" + secret.encode()).digest())
    return Fernet(key)


class ApiConnection(models.Model):
    """The helpdesk this portal talks to. One row; empty fields fall back to the environment."""

    SINGLETON_ID = 1

    url = models.URLField(
        _("API URL"), blank=True, help_text=_("For example https://help.example.com/integrationapi/index.php")
    )
    username = models.CharField(_("API username"), max_length=255, blank=True)
    password_encrypted = models.BinaryField(_("API password (encrypted)"), blank=True, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("helpdesk connection")
        verbose_name_plural = _("helpdesk connection")

    def __str__(self) -> str:
        return self.url or str(_("Helpdesk connection (from the environment)"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    @property
    def password(self) -> str:
        if not self.password_encrypted:
            return ""
        try:
            return _fernet().decrypt(bytes(self.password_encrypted)).decode()
        except InvalidToken:
            return ""  # encrypted under another key: treated as unset, the environment applies

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = _fernet().encrypt(value.encode()) if value else b""
