"""The staff desk: the embedded helpdesk's agents work in this admin site (at /desk/)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from common.uploads import validate_upload_name

from . import notifications
from .models import (
    Attachment,
    Customer,
    CustomField,
    CustomFieldGroup,
    CustomFieldOption,
    CustomFieldValue,
    Department,
    KnowledgeBaseArticle,
    KnowledgeBaseCategory,
    KnowledgeBaseComment,
    Notification,
    Priority,
    Status,
    Ticket,
    TicketPost,
)


class DeskSite(admin.AdminSite):
    site_header = _("Helpdesk staff desk")
    site_title = _("Helpdesk")
    index_title = _("Tickets, knowledge base and settings")


desk_site = DeskSite(name="desk")
desk_site.register(User, UserAdmin)
desk_site.register(Group, GroupAdmin)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        for upload in cleaned:
            validate_upload_name(upload)
        return cleaned


class TicketForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Reply to the customer"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    reply_is_html = forms.BooleanField(label=_("Reply is HTML"), required=False)
    reply_attachments = MultipleFileField(label=_("Attachments"), required=False)

    class Meta:
        model = Ticket
        fields = ["subject", "department", "status", "priority", "duetime"]


class PostInline(admin.StackedInline):
    model = TicketPost
    extra = 0
    can_delete = False
    fields = ["created", "fullname", "email", "staff", "ishtml", "contents", "attachment_list"]
    readonly_fields = fields
    verbose_name_plural = _("Thread")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Attachments"))
    def attachment_list(self, post):
        return format_html_join(", ", "{} ({} bytes)", ((a.name, a.size) for a in post.attachments.all())) or "-"


class CustomValueInline(admin.TabularInline):
    model = CustomFieldValue
    extra = 0
    autocomplete_fields = ["field"]


@admin.register(Ticket, site=desk_site)
class TicketAdmin(admin.ModelAdmin):
    form = TicketForm
    list_display = ["mask", "subject", "customer", "department", "status", "priority", "lastactivity", "lastreplier"]
    list_filter = ["department", "status", "priority", ("lastactivity", admin.DateFieldListFilter)]
    search_fields = ["mask", "subject", "customer__email", "customer__fullname"]
    list_select_related = ["customer", "department", "status", "priority"]
    date_hierarchy = "lastactivity"
    readonly_fields = ["mask", "customer", "startdate", "lastactivity", "lastreplier"]
    fieldsets = [
        (None, {"fields": ["mask", "customer", "subject", ("department", "status", "priority"), "duetime"]}),
        (_("Activity"), {"fields": ["startdate", "lastactivity", "lastreplier"]}),
        (_("Reply"), {"fields": ["reply", "reply_is_html", "reply_attachments"]}),
    ]
    inlines = [PostInline, CustomValueInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # tickets come from customers, through the API

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        """Saves the ticket and the reply, if any; the customer is mailed about either (after the
        transaction commits, by the helpdesk's worker: helpdesk/notifications.py)."""
        super().save_model(request, obj, form, change)
        post = self._add_reply(request, obj, form)
        notifications.staff_changed(ticket=obj, post=post, status_changed=change and "status" in form.changed_data)

    def _add_reply(self, request, obj, form) -> TicketPost | None:
        reply = form.cleaned_data.get("reply", "").strip()
        if not reply:
            return None
        author = request.user.get_full_name() or request.user.get_username()
        now = timezone.now()
        post = TicketPost.objects.create(
            ticket=obj, created=now, staff=request.user, fullname=author, email=request.user.email,
            contents=reply, ishtml=form.cleaned_data.get("reply_is_html", False),
        )
        for upload in form.cleaned_data.get("reply_attachments") or []:
            attachment = Attachment(
                ticket=obj, post=post, name=upload.name[:255],
                mimetype=upload.content_type or "application/octet-stream", size=upload.size,
            )
            attachment.file.save(upload.name, upload, save=False)
            attachment.save()
        Ticket.objects.filter(pk=obj.pk).update(lastactivity=now, lastreplier=author)
        return post


@admin.register(Customer, site=desk_site)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "fullname"]
    search_fields = ["email", "fullname"]
    exclude = ["password"]


class OptionInline(admin.TabularInline):
    model = CustomFieldOption
    extra = 1


@admin.register(CustomField, site=desk_site)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "fieldtype", "isrequired", "displayorder"]
    list_filter = ["group", "fieldtype"]
    search_fields = ["title"]
    inlines = [OptionInline]


class CustomFieldInline(admin.TabularInline):
    model = CustomField
    extra = 0
    show_change_link = True
    fields = ["title", "fieldtype", "isrequired", "displayorder", "defaultvalue", "description"]


@admin.register(CustomFieldGroup, site=desk_site)
class CustomFieldGroupAdmin(admin.ModelAdmin):
    list_display = ["title", "displayorder"]
    filter_horizontal = ["departments"]
    inlines = [CustomFieldInline]


class GroupOfDepartmentInline(admin.TabularInline):
    model = CustomFieldGroup.departments.through
    extra = 0
    verbose_name = _("custom field group")
    verbose_name_plural = _("custom field groups")


@admin.register(Department, site=desk_site)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["title", "ispublic", "isdefault", "displayorder"]
    list_editable = ["ispublic", "isdefault", "displayorder"]
    inlines = [GroupOfDepartmentInline]


@admin.register(Priority, site=desk_site)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["title", "displayorder", "ispublic", "forecolor", "backcolor", "iscustom"]
    list_editable = ["displayorder", "ispublic"]


@admin.register(Status, site=desk_site)
class StatusAdmin(admin.ModelAdmin):
    list_display = ["title", "meaning", "displayorder", "ispublic", "forecolor"]
    list_editable = ["meaning", "displayorder", "ispublic"]


@admin.register(Notification, site=desk_site)
class NotificationAdmin(admin.ModelAdmin):
    """The mails to customers, for staff to see what went out and what could not."""

    list_display = ["ticket", "event", "recipient", "created", "sent_at", "attempts", "failed_at"]
    list_filter = ["event", ("sent_at", admin.EmptyFieldListFilter), ("failed_at", admin.EmptyFieldListFilter)]
    search_fields = ["ticket__mask", "ticket__customer__email"]
    list_select_related = ["ticket__customer"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"))
    def recipient(self, notification):
        return notification.ticket.customer.email


@admin.register(KnowledgeBaseCategory, site=desk_site)
class KnowledgeBaseCategoryAdmin(admin.ModelAdmin):
    list_display = ["title", "parent", "displayorder"]
    list_filter = ["parent"]
    search_fields = ["title"]


class CommentInline(admin.TabularInline):
    model = KnowledgeBaseComment
    extra = 0


@admin.register(KnowledgeBaseArticle, site=desk_site)
class KnowledgeBaseArticleAdmin(admin.ModelAdmin):
    list_display = ["subject", "category", "created", "helpful", "unhelpful"]
    list_filter = ["category"]
    search_fields = ["subject", "body"]
    inlines = [CommentInline]


@admin.register(KnowledgeBaseComment, site=desk_site)
class KnowledgeBaseCommentAdmin(admin.ModelAdmin):
    list_display = ["name", "article", "created"]
    search_fields = ["name", "body"]
    list_select_related = ["article"]
