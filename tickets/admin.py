"""The outbox in the portal admin: staff see what waits for the helpdesk, and why."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import tasks
from .models import OutboxEntry


class FlaggedFilter(admin.SimpleListFilter):
    title = _("undelivered after a day")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        return queryset.filter(flagged_at__isnull=False, status__in=OutboxEntry.IN_FLIGHT) if self.value() else queryset


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "email", "subject", "status", "attempts", "created", "next_attempt_at",
                    "flagged_at"]
    list_filter = ["status", "kind", FlaggedFilter]
    search_fields = ["reference", "email", "subject", "ticket_mask"]
    readonly_fields = [field.name for field in OutboxEntry._meta.fields]
    actions = ["deliver_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try to deliver now"), permissions=["view"])
    def deliver_now(self, request, queryset):
        waiting = queryset.filter(status=OutboxEntry.Status.QUEUED)
        ids = list(waiting.values_list("pk", flat=True))
        waiting.update(next_attempt_at=timezone.now())
        for entry_id in ids:
            tasks.deliver.enqueue(entry_id)
        self.message_user(request, _("%(count)s entries queued for delivery.") % {"count": len(ids)}, messages.SUCCESS)
