"""Ticket pages. Every page needs a signed-in customer with a verified primary email (the identity
sent to the API); someone else's ticket and a missing one are the same 404 (via the middleware).
Views parse input with a form, call one selector or service, and render."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import kayako
from common.customers import customer_name, customer_required

from . import colours, selectors, services, staging
from .forms import SORT_LABELS, CustomValuesForm, PropertiesForm, ReplyForm, TicketListForm, TicketSubmitForm
from .templatetags.ticket_tags import badge, moment

DOWNLOAD_CHUNK = 64 * 1024


# --- list ----------------------------------------------------------------------------------


@require_GET
@customer_required
def ticket_list(request):
    reference = selectors.reference_data()
    form = TicketListForm(request.GET or None, **vars(reference))
    arguments = form.list_arguments()
    result = selectors.ticket_list(email=request.customer_email, **arguments)
    return render(request, "tickets/list.html", {
        "form": form, "result": result, "rows": _rows(result, reference), "filtered": any(arguments["filters"].values()),
        # The filter form shows only the query and the reference data: its rendering is shared.
        "filter_key": hashlib.blake2b(repr((sorted(request.GET.lists()), reference)).encode(), digest_size=16).hexdigest(),
        "columns": _sort_columns(request, arguments["sort_by"], arguments["ascending"]),
        "previous_query": _query(request, page=result.page - 1), "next_query": _query(request, page=result.page + 1),
    })


def _rows(result: selectors.TicketPage, reference: selectors.ReferenceData) -> list[dict]:
    """The table's rows, prepared here rather than in the template: the list is the most requested page."""
    departments = {d.id: d for d in reference.departments}
    statuses, priorities = {s.id: s for s in reference.statuses}, {p.id: p for p in reference.priorities}
    return [
        {
            "ticket": t,
            "url": reverse("tickets:detail", args=[t.id]),
            "department": getattr(departments.get(t.department_id), "title", t.department_id),
            "status": badge("status", statuses.get(t.status_id), t.status_id),
            "priority": badge("priority", priorities.get(t.priority_id), t.priority_id),
            "last_activity": moment(t.last_activity),
        }
        for t in result.tickets
    ]


def _query(request, **changes) -> str:
    """This page's query string with some parameters changed (None removes one)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return query.urlencode()


def _sort_columns(request, sort: str, ascending: bool) -> list[dict]:
    """Column headers: a click sorts by the column, a second click reverses the order."""
    columns = []
    for key, label in SORT_LABELS.items():
        active = key == sort
        next_order = ("desc" if ascending else "asc") if active else "desc"
        columns.append({
            "label": label, "active": active, "ascending": active and ascending,
            "query": _query(request, sort=key, order=next_order, page=None),
        })
    return columns


@require_GET
@cache_control(max_age=300)
def badges_css(request):
    reference = selectors.reference_data()
    return HttpResponse(colours.badge_rules(reference.statuses, reference.priorities),
                        content_type="text/css; charset=utf-8")


# --- one ticket ----------------------------------------------------------------------------


def _detail_context(detail: selectors.TicketDetail, *, reply_form=None, properties_form=None, staged=()) -> dict:
    return {
        **vars(detail),
        "reply_form": reply_form or ReplyForm(),
        "properties_form": properties_form or PropertiesForm(
            statuses=detail.public_statuses, priorities=detail.public_priorities,
            initial={"status": detail.ticket.status_id, "priority": detail.ticket.priority_id}),
        "staged": list(staged),
    }


@require_GET
@customer_required
def ticket_detail(request, ticket_id: int):
    detail = selectors.ticket_detail(email=request.customer_email, ticket_id=ticket_id)
    return render(request, "tickets/detail.html", _detail_context(detail))


def _uploads(request, form) -> list:
    """The uploads of this attempt: those staged before (kept across failures) plus new ones."""
    form.is_valid()
    staged = selectors.staged_uploads(request=request, tokens=request.POST.getlist("staged"))
    form.check_upload_totals([u.size for u in staged])
    # New files are kept even when another field needs correcting, unless they are what is wrong.
    files = [] if "attachments" in form.errors else form.cleaned_data.get("attachments") or []
    return staged + services.uploads_stage(request=request, files=files)


@require_POST
@customer_required
def ticket_reply(request, ticket_id: int):
    form = ReplyForm(request.POST, request.FILES)
    uploads = _uploads(request, form)
    if form.is_valid():
        try:
            sent = services.ticket_reply(email=request.customer_email, ticket_id=ticket_id, uploads=uploads,
                                         token=form.cleaned_data["form_token"], reply=form.cleaned_data["reply"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if sent.repeated:
                messages.info(request, _("This reply was already sent."))
            else:
                messages.success(request, _("Your reply was added."))
            return redirect(sent.url)
    try:
        detail = selectors.ticket_detail(email=request.customer_email, ticket_id=ticket_id)
    except (kayako.Unavailable, kayako.ProtocolError):
        # Without the helpdesk the thread cannot be shown; the reply form still keeps everything.
        return render(request, "tickets/reply_retry.html",
                      {"ticket_id": ticket_id, "reply_form": form, "staged": uploads}, status=503)
    return render(request, "tickets/detail.html", _detail_context(detail, reply_form=form, staged=uploads),
                  status=400)


@require_POST
@customer_required
def ticket_properties(request, ticket_id: int):
    public = selectors.reference_data().public()
    form = PropertiesForm(request.POST, statuses=public.statuses, priorities=public.priorities)
    if form.is_valid():
        try:
            services.ticket_update_properties(
                email=request.customer_email, ticket_id=ticket_id,
                status_id=form.cleaned_data.get("status") or 0, priority_id=form.cleaned_data.get("priority") or 0,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The ticket was updated."))
            return redirect("tickets:detail", ticket_id=ticket_id)
    detail = selectors.ticket_detail(email=request.customer_email, ticket_id=ticket_id)
    return render(request, "tickets/detail.html", _detail_context(detail, properties_form=form), status=400)


@require_http_methods(["GET", "POST"])
@customer_required
def ticket_custom_values(request, ticket_id: int):
    ticket = selectors.ticket_get(email=request.customer_email, ticket_id=ticket_id)  # ownership first
    form = CustomValuesForm(
        request.POST or None, custom_groups=selectors.custom_fields(department_id=ticket.department_id),
        values={f.id: f.values for g in ticket.custom for f in g.fields},
    )
    if form.is_bound and form.is_valid():
        try:
            changed = services.ticket_set_custom_values(ticket=ticket, values=form.custom_field_values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing was changed."))
            return redirect(reverse("tickets:detail", args=[ticket_id]) + "#details")
    return render(request, "tickets/custom_values.html", {"ticket": ticket, "values_form": form},
                  status=400 if form.is_bound else 200)


@require_GET
@customer_required
def attachment_download(request, ticket_id: int, attachment_id: int):
    info, stream = selectors.attachment_open(email=request.customer_email, ticket_id=ticket_id,
                                             attachment_id=attachment_id)
    mime_type = info.mime_type if staging.MIME_TYPE.match(info.mime_type.lower()) else "application/octet-stream"
    response = StreamingHttpResponse(stream.chunks(DOWNLOAD_CHUNK), content_type=mime_type)
    response["Content-Disposition"] = content_disposition_header(True, info.name or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if stream.length and stream.length.isdigit():
        response["Content-Length"] = stream.length
    return response


@require_GET
def staged_file(request, token: str, name: str):
    """Served to the helpdesk while it fetches an attachment during a call; 404 otherwise."""
    upload = selectors.staged_upload_offered(token=token, name=name)
    if upload is None:
        raise Http404
    response = FileResponse(staging.open_file(upload), as_attachment=True, filename=upload.name,
                            content_type=upload.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- submit --------------------------------------------------------------------------------


def _submit_form(request, data=None, files=None, *, department_id=None) -> TicketSubmitForm:
    choices = selectors.submit_choices(department_id=department_id)
    return TicketSubmitForm(
        data, files, departments=choices.departments, priorities=choices.priorities,
        custom_groups=choices.custom_groups, guest=not request.user.is_authenticated,
        initial={"department": choices.department_id},
    )


def _department_from(data) -> int | None:
    value = data.get("department", "")
    return int(value) if value.isdigit() else None


def _keep_typed(form, data):
    """An unbound form showing what was typed (switching department must not lose anything)."""
    for name, field in form.fields.items():
        if name in data and name != "attachments":
            values = data.getlist(name)
            field.initial = values if hasattr(field, "definition") and field.definition.is_multi_valued else values[0]
    return form


def _guest_allowed(request) -> bool:
    return request.user.is_authenticated or settings.TICKETS_GUEST_SUBMISSION


@require_http_methods(["GET", "POST"])
def ticket_submit(request):
    """Signed-in customers submit as themselves; others as guests, if guests may submit."""
    if request.user.is_authenticated or not settings.TICKETS_GUEST_SUBMISSION:
        return _customer_submit(request)
    return _submit(request)


@customer_required
def _customer_submit(request):
    return _submit(request)


def _submit(request):
    department_id = _department_from(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET":
        form = _submit_form(request, department_id=department_id)
        return render(request, "tickets/submit.html", {"form": form, "staged": []})
    form = _submit_form(request, request.POST, request.FILES, department_id=department_id)
    uploads = _uploads(request, form)
    if "refresh_fields" in request.POST:  # the two-step flow without JavaScript
        fresh = _keep_typed(_submit_form(request, department_id=department_id), request.POST)
        return render(request, "tickets/submit.html", {"form": fresh, "staged": uploads})
    if form.is_valid():
        try:
            sent = services.ticket_submit(request=request, **_submission(request, form), uploads=uploads)
        except ValidationError as error:
            form = _with_submit_error(request, form, error)
        else:
            return _submitted(request, sent, form)
    return render(request, "tickets/submit.html", {"form": form, "staged": uploads}, status=400)


def _submission(request, form) -> dict:
    """The ticket as services.ticket_submit takes it; a guest's name and address come from the form."""
    data = form.cleaned_data
    customer = request.user.is_authenticated
    return {
        "token": data["form_token"], "department_id": data["department"], "priority_id": data["priority"],
        "email": request.customer_email if customer else data["email"],
        "full_name": customer_name(request.user) if customer else data["full_name"],
        "subject": data["subject"], "message": data["message"], "customs": form.custom_field_values(),
    }


def _with_submit_error(request, form, error: ValidationError):
    """The form with the helpdesk's refusal at the field it concerns."""
    if isinstance(error, services.CustomFieldsChanged):
        # Checked again with the department's current definitions, the errors sit at their fields.
        fresh = _submit_form(request, request.POST, request.FILES, department_id=form.cleaned_data["department"])
        if not fresh.is_valid():
            return fresh
    form.add_error(None, error)
    return form


def _submitted(request, sent: services.Sent, form):
    if sent.repeated:
        messages.info(request, _("This ticket was already sent."))
    elif request.user.is_authenticated:
        messages.success(request, _("Your ticket %(mask)s was sent. We will reply by email and here.") % {
            "mask": sent.ticket.mask})
    else:
        request.session["guest_ticket"] = {"mask": sent.ticket.mask, "email": form.cleaned_data["email"]}
    return redirect(sent.url)


@require_GET
def submit_fields(request):
    """The custom fields of one department, for the submit form to swap in (htmx)."""
    if not _guest_allowed(request):
        raise Http404
    form = _keep_typed(_submit_form(request, department_id=_department_from(request.GET)), request.GET)
    return render(request, "tickets/_custom_fields.html", {"form": form})


@require_GET
def guest_submitted(request, mask: str):
    ticket = request.session.get("guest_ticket")
    if not ticket or ticket["mask"] != mask:
        raise Http404
    return render(request, "tickets/guest_submitted.html", {"ticket": ticket})
