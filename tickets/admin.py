"""The portal admin's ticket pages: the outbox (staff see what waits for the helpdesk, and why) and
the ticket workflow (what the helpdesk's statuses mean for customers' Close and Reopen)."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox, selectors, workflow
from .models import OutboxEntry, TicketWorkflow


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
        count = outbox.deliver_now(queryset)
        self.message_user(request, ngettext("%(count)s entry queued for delivery.", "%(count)s entries queued for delivery.",
                                           count) % {"count": count}, messages.SUCCESS)


class TicketWorkflowForm(forms.ModelForm):
    """One choice per status of the helpdesk (built in TicketWorkflowAdmin.get_form, from the API)."""

    statuses: tuple = ()

    class Meta:
        model = TicketWorkflow
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for status_id, meaning in (self.instance.status_meanings or {}).items():
            if f"status_{status_id}" in self.fields:
                self.fields[f"status_{status_id}"].initial = meaning

    def save(self, commit=True):
        self.instance.status_meanings = {str(s.id): self.cleaned_data[f"status_{s.id}"] for s in self.statuses
                                         if self.cleaned_data.get(f"status_{s.id}")}
        return super().save(commit)


def _meaning_field(status) -> forms.ChoiceField:
    by_title = workflow.Meaning(workflow.meaning_by_title(status.title)).label
    return forms.ChoiceField(
        label=status.title if status.is_public else _("%(title)s (not public)") % {"title": status.title},
        required=False, choices=[("", _("By its title: %(meaning)s") % {"meaning": by_title}),
                                 *workflow.Meaning.choices])


@admin.register(TicketWorkflow)
class TicketWorkflowAdmin(admin.ModelAdmin):
    """One page: the meaning of each of the helpdesk's statuses (read from it) for customers' actions."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        statuses = tuple(sorted(selectors.reference_data().statuses, key=lambda s: (s.order, s.id)))
        fields = {f"status_{s.id}": _meaning_field(s) for s in statuses}
        form = type("TicketWorkflowForm", (TicketWorkflowForm,), {**fields, "statuses": statuses})
        return super().get_form(request, obj, change, **{**kwargs, "form": form, "fields": list(fields)})

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not TicketWorkflow.objects.exists()

    def changelist_view(self, request, extra_context=None):
        existing = TicketWorkflow.objects.first()
        return redirect("admin:tickets_ticketworkflow_change", existing.pk) if existing else redirect(
            "admin:tickets_ticketworkflow_add")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        flow = workflow.current()
        if flow.close_status is None:
            self.message_user(request, _("No public status means closed: customers cannot close their tickets."),
                              messages.WARNING)
        if flow.reopen_status is None:
            self.message_user(request, _("No public status means open: customers cannot reopen their tickets, and "
                                         "their replies do not reopen them."), messages.WARNING)
        if flow.close_status and flow.reopen_status:
            self.message_user(request, _("Close sets “%(close)s”; Reopen, and a reply to a closed ticket, set “%(reopen)s”.")
                              % {"close": flow.close_status.title, "reopen": flow.reopen_status.title}, messages.INFO)
