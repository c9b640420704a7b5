"""Ticket pages. Every page needs a signed-in customer with a verified primary email (the identity
sent to the API); someone else's ticket and a missing one are the same 404 (via the middleware)."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import kayako
from common.abuse import rate_limited
from common.customers import customer_name, customer_required

from . import colours, once, services, staging
from .forms import CustomValuesForm, PropertiesForm, ReplyForm, TicketListForm, TicketSubmitForm
from .templatetags.ticket_tags import badge, moment

DOWNLOAD_CHUNK = 64 * 1024
# API errors of submitTicket and the field they belong to.
SUBMIT_ERROR_FIELDS = {-2: "email", -8: "department", -9: "priority", -22: "attachments"}
CUSTOM_FIELD_ERRORS = {-23, -24, -25}
UNAVAILABLE_MESSAGE = gettext_lazy("The support system is unavailable right now, so nothing was sent. Everything you "
                        "entered is still here, attachments included: please try again in a few minutes.")


def _public(items):
    return tuple(item for item in items if item.is_public)


def _closed_status_ids(statuses) -> set[int]:
    titles = {t.lower() for t in settings.TICKETS_CLOSED_STATUS_TITLES}
    return {s.id for s in statuses if s.title.lower() in titles}


# --- list ----------------------------------------------------------------------------------


@require_GET
@customer_required
def ticket_list(request):
    departments, statuses, priorities = (
        kayako.get_department_list(), kayako.get_status_list(), kayako.get_priority_list())
    form = TicketListForm(request.GET or None, departments=departments, statuses=statuses, priorities=priorities)
    if form.is_bound:
        form.is_valid()
    filters = {name: form.value(name, None) for name in TicketListForm.FILTERS}
    sort = form.value("sort", "lastactivity")
    order = form.value("order", "desc")
    result = services.ticket_list(
        email=request.customer_email, page=form.value("page", 1), per_page=form.value("per_page", 10),
        sort_by=sort, ascending=order == "asc", filters=filters,
    )
    by_id = {"department": {d.id: d for d in departments}, "status": {s.id: s for s in statuses},
             "priority": {p.id: p for p in priorities}}
    # Rows are prepared here, not in the template: the list is the most requested page.
    rows = [
        {
            "ticket": t,
            "url": reverse("tickets:detail", args=[t.id]),
            "department": getattr(by_id["department"].get(t.department_id), "title", t.department_id),
            "status": badge("status", by_id["status"].get(t.status_id), t.status_id),
            "priority": badge("priority", by_id["priority"].get(t.priority_id), t.priority_id),
            "last_activity": moment(t.last_activity),
        }
        for t in result.tickets
    ]
    return render(request, "tickets/list.html", {
        "form": form, "result": result, "rows": rows, "filtered": any(filters.values()),
        # The filter form shows only the query and the reference data: its rendering is shared.
        "filter_key": hashlib.blake2b(
            repr((sorted(request.GET.lists()), departments, statuses, priorities)).encode(), digest_size=16
        ).hexdigest(),
        "columns": _sort_columns(request, sort, order),
        "previous_query": _query(request, page=result.page - 1), "next_query": _query(request, page=result.page + 1),
    })


SORTABLE_COLUMNS = [("departmentid", gettext_lazy("Department")), ("ticketstatusid", gettext_lazy("Status")),
                    ("priorityid", gettext_lazy("Priority")), ("lastactivity", gettext_lazy("Last activity")),
                    ("lastreplier", gettext_lazy("Last replier"))]


def _query(request, **changes) -> str:
    """This page's query string with some parameters changed (None removes one)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return query.urlencode()


def _sort_columns(request, sort: str, order: str) -> list[dict]:
    """Column headers: a click sorts by the column, a second click reverses the order."""
    columns = []
    for key, label in SORTABLE_COLUMNS:
        active = key == sort
        next_order = ("desc" if order == "asc" else "asc") if active else "desc"
        columns.append({
            "label": label, "active": active, "ascending": active and order == "asc",
            "query": _query(request, sort=key, order=next_order, page=None),
        })
    return columns


@require_GET
@cache_control(max_age=300)
def badges_css(request):
    css = colours.badge_rules(kayako.get_status_list(), kayako.get_priority_list())
    return HttpResponse(css, content_type="text/css; charset=utf-8")


# --- one ticket ----------------------------------------------------------------------------


def _detail_context(request, ticket: kayako.Ticket, *, reply_form=None, properties_form=None):
    statuses, priorities = kayako.get_status_list(), kayako.get_priority_list()
    public_statuses, public_priorities = _public(statuses), _public(priorities)
    closed = _closed_status_ids(public_statuses)
    return {
        "ticket": ticket,
        "department": next((d for d in kayako.get_department_list() if d.id == ticket.department_id), None),
        "status": next((s for s in statuses if s.id == ticket.status_id), None),
        "priority": next((p for p in priorities if p.id == ticket.priority_id), None),
        "is_closed": ticket.status_id in closed,
        "close_status": next(iter(sorted(closed)), None),
        "reopen_status": next((s.id for s in public_statuses if s.id not in closed), None),
        "reply_form": reply_form or ReplyForm(initial={"form_token": once.new_token()}),
        "properties_form": properties_form or PropertiesForm(
            statuses=public_statuses, priorities=public_priorities,
            initial={"status": ticket.status_id, "priority": ticket.priority_id}),
        "has_custom_fields": bool(kayako.get_department_custom_fields(department_id=ticket.department_id)),
        "staged": [],
    }


@require_GET
@customer_required
def ticket_detail(request, ticket_id: int):
    ticket = services.ticket_get(email=request.customer_email, ticket_id=ticket_id)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


def _staged_and_new(request, form) -> list:
    """The uploads of this attempt: those staged before (kept across failures) plus new ones."""
    form.is_valid()
    uploads = staging.owned(request, request.POST.getlist("staged"))
    form.check_upload_totals([u.size for u in uploads])
    if "attachments" not in form.errors:  # kept even when another field needs correcting
        uploads += [staging.stage(request, f) for f in form.cleaned_data.get("attachments") or []]
    staging.discard_expired()
    return uploads


@require_POST
@customer_required
def ticket_reply(request, ticket_id: int):
    form = ReplyForm(request.POST, request.FILES)
    uploads = _staged_and_new(request, form)
    token = request.POST.get("form_token", "")
    if form.is_valid():
        may_send, earlier = once.claim(token)
        if not may_send:
            messages.info(request, _("This reply was already sent."))
            return redirect(earlier or reverse("tickets:detail", args=[ticket_id]))
        try:
            services.ticket_reply(email=request.customer_email, ticket_id=ticket_id,
                                  reply=form.cleaned_data["reply"], uploads=uploads)
        except kayako.NotFound:
            once.release(token)
            raise
        except kayako.Rejected as error:
            once.release(token)
            form.add_error("attachments" if error.code == -22 else "reply", error.user_message)
        except (kayako.Unavailable, kayako.ProtocolError):
            once.release(token)
            form.add_error(None, UNAVAILABLE_MESSAGE)
        else:
            url = reverse("tickets:detail", args=[ticket_id]) + "#latest"
            once.done(token, url)
            messages.success(request, _("Your reply was added."))
            return redirect(url)
    try:
        ticket = services.ticket_get(email=request.customer_email, ticket_id=ticket_id)
    except (kayako.Unavailable, kayako.ProtocolError):
        # Without the helpdesk the thread cannot be shown; the reply form still keeps everything.
        return render(request, "tickets/reply_retry.html",
                      {"ticket_id": ticket_id, "reply_form": form, "staged": uploads}, status=503)
    context = _detail_context(request, ticket, reply_form=form)
    context["staged"] = uploads
    return render(request, "tickets/detail.html", context, status=400)


@require_POST
@customer_required
def ticket_properties(request, ticket_id: int):
    public_statuses, public_priorities = _public(kayako.get_status_list()), _public(kayako.get_priority_list())
    form = PropertiesForm(request.POST, statuses=public_statuses, priorities=public_priorities)
    if form.is_valid():
        try:
            services.ticket_update_properties(
                email=request.customer_email, ticket_id=ticket_id,
                status_id=form.cleaned_data.get("status") or 0, priority_id=form.cleaned_data.get("priority") or 0,
            )
        except kayako.NotFound:
            raise
        except kayako.Rejected as error:
            form.add_error(None, error.user_message)
        else:
            messages.success(request, _("The ticket was updated."))
            return redirect("tickets:detail", ticket_id=ticket_id)
    ticket = services.ticket_get(email=request.customer_email, ticket_id=ticket_id)
    return render(request, "tickets/detail.html", _detail_context(request, ticket, properties_form=form), status=400)


@require_http_methods(["GET", "POST"])
@customer_required
def ticket_custom_values(request, ticket_id: int):
    ticket = services.ticket_get(email=request.customer_email, ticket_id=ticket_id)  # ownership first
    form = CustomValuesForm(
        request.POST or None, custom_groups=kayako.get_department_custom_fields(department_id=ticket.department_id),
        values={f.id: f.values for g in ticket.custom for f in g.fields},
    )
    if form.is_bound and form.is_valid():
        try:
            changed = services.ticket_set_custom_values(ticket=ticket, values=form.custom_field_values())
        except kayako.NotFound:
            raise
        except kayako.Rejected as error:
            form.add_error(None, error.user_message)
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing was changed."))
            return redirect(reverse("tickets:detail", args=[ticket_id]) + "#details")
    return render(request, "tickets/custom_values.html", {"ticket": ticket, "values_form": form},
                  status=400 if form.is_bound else 200)


@require_GET
@customer_required
def attachment_download(request, ticket_id: int, attachment_id: int):
    info, stream = services.attachment_open(email=request.customer_email, ticket_id=ticket_id,
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
    upload = staging.offered_upload(token)
    if upload is None or upload.name != name:
        raise Http404
    response = FileResponse(staging.open_file(upload), as_attachment=True, filename=upload.name,
                            content_type=upload.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- submit --------------------------------------------------------------------------------


def _submit_form(request, data=None, files=None, *, department_id=None):
    departments = _public(kayako.get_department_list())
    if not departments:
        raise kayako.Unavailable("no public departments")
    chosen = department_id or next((d.id for d in departments if d.is_default), departments[0].id)
    if chosen not in {d.id for d in departments}:
        chosen = departments[0].id
    groups = kayako.get_department_custom_fields(department_id=chosen)
    form = TicketSubmitForm(
        data, files, departments=departments, priorities=_public(kayako.get_priority_list()), custom_groups=groups,
        guest=not request.user.is_authenticated,
        initial={"department": chosen, "form_token": once.new_token()},
    )
    return form


def _department_from(data) -> int | None:
    value = (data or {}).get("department", "")
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
    if request.method == "GET":
        form = _submit_form(request, department_id=_department_from(request.GET))
        return render(request, "tickets/submit.html", {"form": form, "staged": []})

    department_id = _department_from(request.POST)
    form = _submit_form(request, request.POST, request.FILES, department_id=department_id)
    if "refresh_fields" in request.POST:  # the two-step flow without JavaScript
        uploads = _staged_and_new(request, form)
        fresh = _keep_typed(_submit_form(request, department_id=department_id), request.POST)
        return render(request, "tickets/submit.html", {"form": fresh, "staged": uploads})
    uploads = _staged_and_new(request, form)
    if form.is_valid():
        response, form = _send_ticket(request, form, uploads)
        if response is not None:
            return response
    return render(request, "tickets/submit.html", {"form": form, "staged": uploads}, status=400)


def _send_ticket(request, form, uploads):
    """Submits the ticket: (response, form) on success, (None, the form with its errors) if not."""
    data = form.cleaned_data
    guest = not request.user.is_authenticated
    if guest:
        limit, window = settings.TICKETS_GUEST_RATE_LIMIT
        if rate_limited(request, "guest-ticket", limit=limit, window_seconds=window):
            form.add_error(None, _("Several tickets were sent from your network lately. Please wait an hour, "
                                   "or sign in to send more."))
            return None, form
    token = data.get("form_token", "")
    may_send, earlier = once.claim(token)
    if not may_send:
        messages.info(request, _("This ticket was already sent."))
        return redirect(earlier or reverse("tickets:list")), form
    email = data["email"] if guest else request.customer_email
    try:
        submitted = services.ticket_submit(
            email=email, full_name=data["full_name"] if guest else customer_name(request.user),
            department_id=data["department"], priority_id=data["priority"], subject=data["subject"],
            message=data["message"], customs=form.custom_field_values(), uploads=uploads,
        )
    except kayako.Rejected as error:
        once.release(token)
        return None, _form_with_submit_error(request, form, error)
    except (kayako.Unavailable, kayako.ProtocolError):
        once.release(token)
        form.add_error(None, UNAVAILABLE_MESSAGE)
        return None, form
    if guest:
        url = reverse("tickets:submitted", args=[submitted.mask])
        request.session["guest_ticket"] = {"mask": submitted.mask, "email": email}
    else:
        url = reverse("tickets:detail", args=[submitted.id])
        messages.success(request, _("Your ticket %(mask)s was sent. We will reply by email and here.") % {
            "mask": submitted.mask})
    once.done(token, url)
    return redirect(url), form


def _form_with_submit_error(request, form, error: kayako.Rejected):
    """The form with the helpdesk's refusal at the field it concerns."""
    if error.code in CUSTOM_FIELD_ERRORS:
        # The department's fields changed since the form was built: check again with fresh definitions.
        kayako.invalidate("reference")
        fresh = _submit_form(request, request.POST, request.FILES, department_id=form.cleaned_data["department"])
        if not fresh.is_valid():
            return fresh
    field = SUBMIT_ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, error.user_message)
    return form


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
