"""What the portal keeps about tickets (the tickets themselves live in the helpdesk)."""

from django.db import models


class StagedUpload(models.Model):
    """A file a customer attached, kept until the helpdesk has fetched it.

    `token` (256 random bits) is the only way to its URL, which works only while `offered_until`
    is in the future: during the API call that hands it to the helpdesk.
    """

    token = models.CharField(max_length=64, unique=True)
    owner = models.CharField(max_length=80, db_index=True)  # "user:<id>" or "session:<key>"
    name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    path = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)
    offered_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class FormSubmission(models.Model):
    """A one-time form token: a reloaded or double-clicked POST finds its first result here."""

    token = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    result_url = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return self.token
