"""Ticket forms. Custom fields are built from the department's definitions at run time: one
field per definition, named cf_<id>, the definition kept on the field, options in their order,
preselected options as initial values (pretix's habit); a table maps field types to builders."""

import secrets
from functools import lru_cache

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

import kayako
from common.abuse import HoneypotForm
from common.forms import style_widgets
from common.uploads import validate_upload_name

PAGE_SIZES = (10, 25, 50)
# The list's sortable columns, in the order the table shows them, by the API's sort keys.
SORT_LABELS = {
    "departmentid": _("Department"),
    "ticketstatusid": _("Status"),
    "priorityid": _("Priority"),
    "lastactivity": _("Last activity"),
    "lastreplier": _("Last replier"),
}
SORT_CHOICES = [(key, SORT_LABELS[key]) for key in kayako.SORT_KEYS]  # a key without a label fails here
DEFAULT_SORT = "lastactivity"


# --- custom fields from definitions --------------------------------------------------------


def _choices(definition: kayako.CustomFieldDefinition):
    return [(o.value, o.value) for o in definition.options]


def _selected(definition: kayako.CustomFieldDefinition) -> list[str]:
    return [o.value for o in definition.options if o.selected]


def _text(definition, widget=None):
    return forms.CharField(initial=definition.default_value, widget=widget, max_length=10_000)


def _single_choice(definition, widget):
    selected = _selected(definition)
    choices = _choices(definition)
    if widget is forms.Select and not definition.is_required:
        choices = [("", _("(none)")), *choices]
    return forms.ChoiceField(choices=choices, widget=widget, initial=selected[0] if selected else None)


def _multiple_choice(definition, widget):
    return forms.MultipleChoiceField(choices=_choices(definition), widget=widget, initial=_selected(definition))


FIELD_BUILDERS = {
    kayako.types.FIELD_TEXT: lambda d: _text(d),
    kayako.types.FIELD_TEXTAREA: lambda d: _text(d, forms.Textarea(attrs={"rows": 3})),
    # Write-only, like the admin's API password: a stored or typed value never goes back into a page.
    kayako.types.FIELD_PASSWORD: lambda d: _text(d, forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})),
    kayako.types.FIELD_CHECKBOX: lambda d: _multiple_choice(d, forms.CheckboxSelectMultiple),
    kayako.types.FIELD_RADIO: lambda d: _single_choice(d, forms.RadioSelect),
    kayako.types.FIELD_SELECT: lambda d: _single_choice(d, forms.Select),
    kayako.types.FIELD_MULTISELECT: lambda d: _multiple_choice(d, forms.SelectMultiple),
}


def field_name(definition: kayako.CustomFieldDefinition) -> str:
    return f"cf_{definition.id}"


class CustomFieldsMixin:
    """Adds one form field per custom field definition, grouped in display order."""

    def add_custom_fields(self, groups: tuple[kayako.CustomFieldGroup, ...], *, values: dict[int, list[str]] | None = None,
                          hidden_values: dict[int, str] | None = None):
        """`values`: the ticket's current values, shown in the fields; `hidden_values`: values of password
        fields that are never shown, kept when such a field is left empty."""
        self.custom_groups = []
        self.kept_secrets = {}
        for group in groups:
            names = []
            for definition in group.fields:
                builder = FIELD_BUILDERS.get(definition.field_type)
                if builder is None:
                    continue  # a type this portal does not know: leave it to the helpdesk's default
                field = builder(definition)
                field.label = definition.title
                field.help_text = definition.description
                field.required = definition.is_required
                field.definition = definition
                if values is not None and definition.id in values:
                    current = values[definition.id]
                    field.initial = current if definition.is_multi_valued else (current[0] if current else "")
                if definition.field_type == kayako.types.FIELD_PASSWORD:
                    current = (values or {}).get(definition.id) or [""]
                    self._keep_secret(field, definition, (hidden_values or {}).get(definition.id) or current[0])
                self.fields[field_name(definition)] = field
                names.append(field_name(definition))
            if names:
                self.custom_groups.append((group, names))

    def _keep_secret(self, field, definition, secret: str | None):
        field.initial = None
        if secret:
            self.kept_secrets[definition.id] = secret
            field.required = False
            field.help_text = " ".join(filter(None, [str(definition.description),
                                                     str(_("Leave empty to keep the value you gave."))]))

    def keep_typed_secrets(self) -> dict[int, str]:
        """Password-type values typed in this attempt join those kept (the page, which never shows
        them, says so at their fields); returns all that are kept, by field id."""
        for name, field in self.fields.items():
            definition = getattr(field, "definition", None)
            if definition and definition.field_type == kayako.types.FIELD_PASSWORD and self.data.get(name):
                self._keep_secret(field, definition, self.data[name])
                self[name].help_text = field.help_text  # the bound field copied it when the form was checked
        return dict(self.kept_secrets)

    def custom_field_values(self) -> dict[int, str | list[str]]:
        return {
            field.definition.id: (self.cleaned_data.get(name) or self.kept_secrets.get(field.definition.id)
                                  or ([] if field.definition.is_multi_valued else ""))
            for name, field in self.fields.items()
            if hasattr(field, "definition")
        }

    def custom_group_fields(self):
        """[(group, [bound fields])] for templates."""
        return [(group, [self[name] for name in names]) for group, names in self.custom_groups]


# --- uploads -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files; each is checked on its own by AttachmentsMixin.clean_attachments."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def too_large_message(name: str) -> str:
    """The same words in the browser's check before the upload (static/js/site.js) and here."""
    return _("“%(name)s” is larger than %(limit)s.") % {
        "name": name, "limit": filesizeformat(settings.TICKET_UPLOAD_MAX_FILE_BYTES)}


def _upload_problem(upload) -> str | None:
    try:
        validate_upload_name(upload)
    except forms.ValidationError as error:
        return error.messages[0]
    if upload.size == 0:
        return _("“%(name)s” is empty.") % {"name": upload.name}
    if upload.size > settings.TICKET_UPLOAD_MAX_FILE_BYTES:
        return too_large_message(upload.name)
    return None


class AttachmentsMixin:
    """Uploads plus the ones staged by an earlier attempt (their tokens come back as `staged`).
    Each file is checked on its own: `kept_uploads` holds the good ones even when another file is
    refused, so that one file too large never makes the others disappear from the form."""

    kept_uploads: tuple = ()

    def clean_attachments(self):
        uploads = self.cleaned_data.get("attachments") or []
        problems = [(upload, _upload_problem(upload)) for upload in uploads]
        self.kept_uploads = [upload for upload, problem in problems if problem is None]
        refused = [problem for _upload, problem in problems if problem is not None]
        if refused:
            raise forms.ValidationError(refused)
        return uploads

    def check_upload_totals(self, staged_sizes: list[int]):
        """New files are kept in the order given while the count and the total allow; the rest are refused."""
        count, total = len(staged_sizes), sum(staged_sizes)
        fitting = []
        for upload in self.kept_uploads:
            if count + 1 > settings.TICKET_UPLOAD_MAX_FILES:
                self.add_error("attachments", _("“%(name)s” was left out: attach at most %(count)s files.") % {
                    "name": upload.name, "count": settings.TICKET_UPLOAD_MAX_FILES})
            elif total + upload.size > settings.TICKET_UPLOAD_MAX_TOTAL_BYTES:
                self.add_error("attachments", _(
                    "“%(name)s” was left out: all attachments together must stay under %(limit)s.") % {
                    "name": upload.name, "limit": filesizeformat(settings.TICKET_UPLOAD_MAX_TOTAL_BYTES)})
            else:
                fitting.append(upload)
                count, total = count + 1, total + upload.size
        self.kept_uploads = fitting


@lru_cache(maxsize=64)
def _attachments_texts(language: str, max_file_bytes: int, max_total_bytes: int) -> tuple[str, str]:
    """The field's help text and the browser's message for a file too large, in `language`: worked
    out once per process (filesizeformat and the catalogs took ~0.15 ms a form, shown or not)."""
    help_text = _("Up to %(size)s per file, %(total)s in all.") % {
        "size": filesizeformat(max_file_bytes), "total": filesizeformat(max_total_bytes)}
    return help_text, too_large_message("{name}")


def attachments_field():
    help_text, too_large = _attachments_texts(get_language(), settings.TICKET_UPLOAD_MAX_FILE_BYTES,
                                              settings.TICKET_UPLOAD_MAX_TOTAL_BYTES)
    field = MultipleFileField(label=_("Attachments"), required=False, help_text=help_text)
    # For the check in the browser before the upload, and for dropping files onto the field.
    field.widget.attrs.update({
        "data-max-file-bytes": settings.TICKET_UPLOAD_MAX_FILE_BYTES,
        "data-too-large": too_large,
        "data-drop-hint": _("You can also drop files here."),
    })
    return field


# --- submit --------------------------------------------------------------------------------


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def form_token_field():
    """A fresh one-time token in every new form: sending it twice stores one submission (the
    outbox entry keeps the token)."""
    return forms.CharField(widget=forms.HiddenInput, required=False, initial=new_form_token, max_length=64)


class TicketSubmitForm(CustomFieldsMixin, AttachmentsMixin, HoneypotForm):
    form_token = form_token_field()
    full_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Your email address"))
    department = forms.TypedChoiceField(label=_("Department"), coerce=int)
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=100_000)
    attachments = None  # set in __init__ (its help text depends on settings)
    GUEST_ONLY = ("full_name", "email", "website")  # a signed-in customer sends as themselves; no honeypot

    def __init__(self, *args, departments, priorities, custom_groups, guest: bool, hidden_values=None, **kwargs):
        if not guest:  # not copied for the form (Django deep-copies every declared field: ~15 µs of a submission)
            self.base_fields = {name: field for name, field in self.base_fields.items() if name not in self.GUEST_ONLY}
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()
        self.fields["department"].choices = [(d.id, d.title) for d in departments]
        self.fields["priority"].choices = [(p.id, p.title) for p in priorities]
        # With JavaScript, changing the department swaps its custom fields in place, keeping
        # what was typed; typing a subject shows matching articles (the KB's suggest fragment).
        self.fields["department"].widget.attrs.update({
            "hx-get": reverse_lazy("tickets:submit-fields"), "hx-target": "#custom-fields", "hx-trigger": "change",
            # The container, not "[name^='cf_']": a department without custom fields would make htmx
            # log an error for a selector that matches nothing.
            "hx-include": "#custom-fields",
        })
        self.fields["subject"].widget.attrs.update({
            "hx-get": reverse_lazy("kb:suggest"), "hx-target": "#kb-suggestions", "autocomplete": "off",
            "hx-trigger": "input changed delay:400ms",
        })
        self.add_custom_fields(custom_groups, hidden_values=hidden_values)
        style_widgets(self)


class ReplyForm(AttachmentsMixin, forms.Form):
    form_token = form_token_field()
    reply = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()
        style_widgets(self)


class PropertiesForm(forms.Form):
    """A customer's own changes: the status only by Close or Reopen, the priority to a public one.
    What the ticket has now is shown, by its title, even when customers may not choose it."""

    NOT_NOW = _("This change is not possible for this ticket now.")
    status = forms.TypedChoiceField(label=_("Status"), coerce=int, required=False, empty_value=None,
                                    error_messages={"invalid_choice": NOT_NOW})
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, required=False, empty_value=None,
                                      error_messages={"invalid_choice": NOT_NOW})

    def __init__(self, *args, statuses, priorities, status_title: str, priority_id: int, priority_title: str,
                 **kwargs):
        """`statuses`, `priorities`: the (id, label) pairs a customer may choose; the rest: the ticket's now."""
        super().__init__(*args, **kwargs)
        self.current_priority = priority_id
        self.fields["status"].choices = [("", status_title), *statuses]
        public = any(choice == priority_id for choice, _label in priorities)
        self.fields["priority"].choices = [*([] if public else [("", priority_title)]), *priorities]
        self.fields["priority"].initial = priority_id if public else ""
        style_widgets(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("priority") == self.current_priority:
            cleaned["priority"] = None  # unchanged
        if not cleaned.get("status") and not cleaned.get("priority"):
            raise forms.ValidationError(_("Choose a new status or priority."))
        return cleaned


class LookupForm(HoneypotForm):
    """A guest asks for a link to one of their tickets."""

    email = forms.EmailField(label=_("Your email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    ticket = forms.CharField(label=_("Ticket number"), max_length=50,
                             help_text=_("As in the subject of our emails, for example ABC-123456."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CustomValuesForm(CustomFieldsMixin, forms.Form):
    def __init__(self, *args, custom_groups, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_custom_fields(custom_groups, values=values)
        style_widgets(self)


# --- the list ------------------------------------------------------------------------------


class TicketListForm(forms.Form):
    """The list's state, all in the query string. Invalid values are errors, never a crash."""

    page = forms.IntegerField(min_value=1, required=False)
    q = forms.CharField(label=_("Search your tickets"), max_length=200, required=False,
                        help_text=_("Words of the subject, or the ticket number."))
    per_page = forms.TypedChoiceField(
        label=_("Per page"), choices=[(n, n) for n in PAGE_SIZES], coerce=int, required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)
    order = forms.ChoiceField(label=_("Order"), choices=[("desc", _("Descending")), ("asc", _("Ascending"))],
                              required=False)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False)
    status = forms.TypedChoiceField(label=_("Status"), coerce=int, required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, required=False)
    created_from = forms.DateField(label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    activity_from = forms.DateField(label=_("Active from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    activity_to = forms.DateField(label=_("Active until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_from = forms.DateField(label=_("Due from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_to = forms.DateField(label=_("Due until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    FILTERS = ("department", "status", "priority", "created_from", "created_to", "activity_from", "activity_to",
               "due_from", "due_to")

    def __init__(self, *args, departments, statuses, priorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"].widget = forms.HiddenInput()
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        style_widgets(self)
        any_choice = [("", _("Any"))]
        self.fields["department"].choices = any_choice + [(d.id, d.title) for d in departments]
        self.fields["status"].choices = any_choice + [(s.id, s.title) for s in statuses]
        self.fields["priority"].choices = any_choice + [(p.id, p.title) for p in priorities]

    def clean(self):
        cleaned = super().clean()
        for start, end in (("created_from", "created_to"), ("activity_from", "activity_to"), ("due_from", "due_to")):
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, _("This date is before the start of the range."))
        return cleaned

    def value(self, name, default):
        """The cleaned value, or the default when the field is empty or invalid."""
        if not self.is_bound or name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def list_arguments(self) -> dict:
        """The arguments of selectors.ticket_list; what is missing or invalid takes its default."""
        return {
            "query": self.value("q", "").strip(), "page": self.value("page", 1), "per_page": self.value("per_page", PAGE_SIZES[0]),
            "sort_by": self.value("sort", DEFAULT_SORT), "ascending": self.value("order", "desc") == "asc",
            "filters": {name: self.value(name, None) for name in self.FILTERS},
        }
