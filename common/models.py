"""What the shared helpers keep in the database."""

from django.db import models


class PeriodicRun(models.Model):
    """When a periodic task (settings.PERIODIC_TASKS) is next due. Runs claim it by moving `due`
    forward in one conditional update, so however many chains of it exist, it runs once a period."""

    name = models.CharField(max_length=100, unique=True)
    due = models.DateTimeField()
    last_started = models.DateTimeField(null=True, blank=True)
    # A run asked for ahead of its period (schedule.run_soon) is queued to start then; it clears
    # this as it starts.
    queued_for = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name
