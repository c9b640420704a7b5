"""Ticket pages. They need a signed-in customer with a verified primary email (the identity sent to
the API), except a ticket's own page, which a guest may also read and answer with a link mailed to
its address (guests.py); someone else's ticket and a missing one are the same 404 (via the
middleware). Views parse input with a form, call one selector or service, and render."""

import hashlib
from functools import lru_cache, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import kayako
from common import pagecache
from common.customers import customer_name, customer_required

from . import colours, guests, selectors, services, staging
from .forms import (
    SORT_LABELS,
    CustomValuesForm,
    LookupForm,
    PropertiesForm,
    ReplyForm,
    TicketListForm,
    TicketSubmitForm,
)
from .templatetags.ticket_tags import badge, moment

DOWNLOAD_CHUNK = 64 * 1024


def kept_for_customer(part: str):
    """A signed-in customer's list and ticket pages, kept for them for TICKETS_PAGE_CACHE_SECONDS
    (common.pagecache; their own writes drop the pages that show what changed: staging.tickets_changed).
    Outside customer_required: a kept page costs no address lookup, and a change of address drops
    the customer's pages."""
    return pagecache.customer_page("tickets", part=part, seconds_setting="TICKETS_PAGE_CACHE_SECONDS",
                                   live=kayako.page_from_live_data)


# --- list ----------------------------------------------------------------------------------


@require_GET
@kept_for_customer(staging.LIST_PAGES)
@customer_required
def ticket_list(request):
    reference = selectors.reference_data()
    # Customers filter only by what they may see; a ticket's row shows its values whatever they are.
    form = TicketListForm(request.GET or None, **vars(reference.public()))
    arguments = form.list_arguments()
    query = arguments.pop("query")
    result = (selectors.ticket_search(email=request.customer_email, query=query, **arguments) if query
              else selectors.ticket_list(email=request.customer_email, **arguments))
    if result.pages and result.page > result.pages:  # past the end (fewer tickets now, or a typed URL)
        return redirect(f"{request.path}?{_query(request, page=result.pages)}")
    if result.incomplete:  # the page says the search is still gathering the customer's tickets
        pagecache.keep_not(request)
    pending = (selectors.pending_tickets(request=request) if result.page == 1 and not query
               else selectors.PendingTickets([], 0))
    filters_used = any(arguments["filters"].values())
    filtered = bool(query) or filters_used
    return render(request, "tickets/list.html", {
        "form": form, "result": result, "rows": _rows(result, reference), "filters_used": filters_used,
        "query": query,
        "pending_rows": _pending_rows(pending.shown, reference),
        "pending_more": pending.more,
        "no_tickets": not pending.shown and (result.unknown_customer or (not result.tickets and result.page == 1
                                       and not filtered)),
        # The filter form shows only the query and the reference data: its rendering is shared.
        "filter_key": hashlib.blake2b(repr((sorted(request.GET.lists()), reference)).encode(), digest_size=16).hexdigest(),
        "columns": _sort_columns(request, arguments["sort_by"], arguments["ascending"]),
        "previous_query": _query(request, page=result.page - 1), "next_query": _query(request, page=result.page + 1),
        "page_links": _page_links(request, result),
    })


def _page_links(request, result: selectors.TicketPage) -> list[dict]:
    """Numbered links: the first and last pages and two either side of this one, "…" for gaps
    (number None). Only when the number of pages is known (without filters)."""
    if not result.pages or result.pages == 1:
        return []
    shown = sorted({1, result.pages, *range(max(1, result.page - 2), min(result.pages, result.page + 2) + 1)})
    links = []
    for number in shown:
        if links and number - links[-1]["number"] > 1:
            links.append({"number": None})
        links.append({"number": number, "query": _query(request, page=number), "current": number == result.page})
    return links


def _rows(result: selectors.TicketPage, reference: selectors.ReferenceData) -> list[dict]:
    """The table's rows, prepared here rather than in the template: the list is the most requested page."""
    departments = {d.id: d for d in reference.departments}
    statuses, priorities = {s.id: s for s in reference.statuses}, {p.id: p for p in reference.priorities}
    return [
        {
            "ticket": t,
            "url": _ticket_url(get_script_prefix(), t.id),
            "department": getattr(departments.get(t.department_id), "title", t.department_id),
            "status": badge("status", statuses.get(t.status_id), t.status_id),
            "priority": badge("priority", priorities.get(t.priority_id), t.priority_id),
            "last_activity": moment(t.last_activity),
        }
        for t in result.tickets
    ]


@lru_cache(maxsize=4096)
def _ticket_url(script_prefix: str, ticket_id: int) -> str:
    """A ticket's page; `script_prefix` (which reverse() puts first) is part of the key. The list links
    ten or more each time it renders, and reverse() costs ~60 µs a link."""
    return reverse("tickets:detail", args=[ticket_id])


def _pending_rows(pending: list, reference: selectors.ReferenceData) -> list[dict]:
    """Tickets still in the outbox, listed first and marked as such."""
    departments, priorities = {d.id: d for d in reference.departments}, {p.id: p for p in reference.priorities}
    return [
        {
            "entry": entry,
            "url": reverse("tickets:sent", args=[entry.reference]),
            "department": getattr(departments.get(entry.department_id), "title", entry.department_id),
            "priority": getattr(priorities.get(entry.priority_id), "title", entry.priority_id),
            "state": _("Not accepted") if entry.status == entry.Status.REJECTED else _("Waiting to be delivered"),
            "created": moment(entry.created),
        }
        for entry in pending
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


def ticket_viewer_required(view):
    """A signed-in customer (customer_required), or a guest whose session holds a link to this ticket
    (guests.py: its address becomes request.customer_email); anyone else is asked to sign in or to
    have a link mailed."""

    @wraps(view)
    def wrapper(request, ticket_id: int, *args, **kwargs):
        if request.user.is_authenticated:
            return customer_required(view)(request, ticket_id, *args, **kwargs)
        request.guest = guests.granted(request, ticket_id)
        if request.guest is None:
            query = urlencode({"next": reverse("tickets:detail", args=[ticket_id])})
            return redirect(f"{reverse('tickets:lookup')}?{query}")
        request.customer_email = request.guest.email
        return view(request, ticket_id, *args, **kwargs)

    return wrapper


def _properties_form(detail: selectors.TicketDetail, data=None) -> PropertiesForm:
    """Close or Reopen (whichever the ticket's status allows) and the public priorities."""
    action = detail.status_action
    ticket = detail.ticket
    return PropertiesForm(
        data, statuses=[] if action is None else [
            (action.id, _("Reopen the ticket") if detail.is_closed else _("Close the ticket"))],
        priorities=[(p.id, p.title) for p in detail.public_priorities],
        status_title=getattr(detail.status, "title", str(ticket.status_id)), priority_id=ticket.priority_id,
        priority_title=getattr(detail.priority, "title", str(ticket.priority_id)))


def _detail_context(request, detail: selectors.TicketDetail, *, reply_form=None, properties_form=None,
                    staged=()) -> dict:
    properties_form = properties_form or _properties_form(detail)
    return {
        **vars(detail),
        "guest": getattr(request, "guest", None),
        "pending_replies": selectors.pending_replies(request=request, ticket_id=detail.ticket.id),
        "reply_form": reply_form or ReplyForm(),
        "properties_form": properties_form,
        # The empty form shows only its choices and the ticket's priority: its rendering is shared.
        "properties_key": hashlib.blake2b(repr((
            properties_form.fields["status"].choices, properties_form.fields["priority"].choices,
            properties_form.fields["priority"].initial)).encode(), digest_size=16).hexdigest(),
        "staged": list(staged),
    }


@require_GET
@kept_for_customer(staging.TICKET_PAGES)
@ticket_viewer_required
def ticket_detail(request, ticket_id: int):
    detail = selectors.ticket_detail(email=request.customer_email, ticket_id=ticket_id)
    return render(request, "tickets/detail.html", _detail_context(request, detail))


def _uploads(request, form) -> list:
    """The uploads of this attempt: those staged before (kept across failures) plus new ones."""
    form.is_valid()
    staged = selectors.staged_uploads(request=request, tokens=request.POST.getlist("staged"))
    form.check_upload_totals([u.size for u in staged])
    # Good new files are kept even when another field, or another file, needs correcting.
    return staged + services.uploads_stage(request=request, files=form.kept_uploads)


@require_POST
@ticket_viewer_required
def ticket_reply(request, ticket_id: int):
    form = ReplyForm(request.POST, request.FILES)
    uploads = _uploads(request, form)
    if form.is_valid():
        guest = getattr(request, "guest", None)
        name = guest.name if guest else customer_name(request.user)
        sent = services.ticket_reply(
            request=request, email=request.customer_email, full_name=name, ticket_id=ticket_id,
            uploads=uploads, token=form.cleaned_data["form_token"], reply=form.cleaned_data["reply"])
        return _after_sending(request, sent)
    try:
        detail = selectors.ticket_detail(email=request.customer_email, ticket_id=ticket_id)
    except (kayako.Unavailable, kayako.ProtocolError):
        # Without the helpdesk the thread cannot be shown; the reply form still keeps everything.
        return render(request, "tickets/reply_retry.html",
                      {"reply_action": reverse("tickets:reply", args=[ticket_id]), "ticket_id": ticket_id,
                       "reply_form": form, "staged": uploads}, status=503)
    return render(request, "tickets/detail.html", _detail_context(request, detail, reply_form=form, staged=uploads),
                  status=400)


@require_POST
@customer_required
def ticket_properties(request, ticket_id: int):
    """Close or Reopen (whichever the ticket's status allows, nothing else) and a public priority."""
    detail = selectors.ticket_detail(email=request.customer_email, ticket_id=ticket_id)
    form = _properties_form(detail, request.POST)
    if form.is_valid():
        try:
            services.ticket_update_properties(
                customer_id=request.user.pk, email=request.customer_email, ticket_id=ticket_id,
                status_id=form.cleaned_data.get("status") or 0, priority_id=form.cleaned_data.get("priority") or 0,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The ticket was updated."))
            return redirect("tickets:detail", ticket_id=ticket_id)
    return render(request, "tickets/detail.html", _detail_context(request, detail, properties_form=form), status=400)


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
            changed = services.ticket_set_custom_values(customer_id=request.user.pk, ticket=ticket,
                                                        values=form.custom_field_values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing was changed."))
            return redirect(reverse("tickets:detail", args=[ticket_id]) + "#details")
    return render(request, "tickets/custom_values.html", {"ticket": ticket, "values_form": form},
                  status=400 if form.is_bound else 200)


@require_GET
@ticket_viewer_required
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


def _submit_form(request, data=None, files=None, *, department_id=None, entry=None) -> TicketSubmitForm:
    """`entry`: a refused ticket sent again. Password-type values, which no page shows again, are kept
    unless retyped: the entry's, and those typed in an earlier attempt of this form."""
    choices = selectors.submit_choices(department_id=department_id)
    hidden = {int(k): v for k, v in entry.customs.items() if isinstance(v, str)} if entry else {}
    return TicketSubmitForm(
        data, files, departments=choices.departments, priorities=choices.priorities,
        custom_groups=choices.custom_groups, guest=not request.user.is_authenticated,
        hidden_values={**hidden, **_secrets_typed_before(request)},
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


def _submit(request, entry=None):
    """A new ticket, or (`entry`) a refused one corrected and sent again."""
    department_id = _department_from(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET":
        form = _refused_form(request, entry) if entry else _submit_form(request, department_id=department_id)
        return _submit_page(request, entry, form, _entry_uploads(entry))
    form = _submit_form(request, request.POST, request.FILES, department_id=department_id, entry=entry)
    uploads = _uploads(request, form)
    _keep_secrets_typed(request, form)
    if "refresh_fields" in request.POST:  # the two-step flow without JavaScript
        fresh = _keep_typed(_submit_form(request, department_id=department_id, entry=entry), request.POST)
        return _submit_page(request, entry, fresh, uploads)
    if form.is_valid():
        submission = _submission(request, form)
        token = submission.pop("token")
        try:
            sent = (services.ticket_resend(entry=entry, **submission, uploads=uploads) if entry else
                    services.ticket_submit(request=request, token=token, **submission, uploads=uploads))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(_secrets_key(request), None)
            return _after_sending(request, sent)
    return _submit_page(request, entry, form, uploads, status=400)


def _submit_page(request, entry, form, staged, *, status=200):
    action = reverse("tickets:sent-edit", args=[entry.reference]) if entry else reverse("tickets:submit")
    return render(request, "tickets/submit.html", {"entry": entry, "action": action, "form": form, "staged": staged},
                  status=status)


def _secrets_key(request) -> str:
    return f"tickets-secrets-{request.POST.get('form_token', '')}"


def _secrets_typed_before(request) -> dict[int, str]:
    """Password-type values typed in an earlier attempt of this form (by its one-time token): kept in
    the session, as uploads are staged, since the page never shows them again."""
    if request.method != "POST":
        return {}
    return {int(k): v for k, v in request.session.get(_secrets_key(request), {}).items()}


def _keep_secrets_typed(request, form) -> None:
    if secrets := form.keep_typed_secrets():
        request.session[_secrets_key(request)] = {str(k): v for k, v in secrets.items()}


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


def _entry_uploads(entry) -> list:
    return list(entry.uploads.order_by("id")) if entry else []


def _refused_form(request, entry):
    """The submit form filled with a refused ticket, the helpdesk's refusal at its field."""
    data = QueryDict(mutable=True)
    for name, value in {"department": entry.department_id, "priority": entry.priority_id, "subject": entry.subject,
                        "message": entry.message, "full_name": entry.full_name, "email": entry.email}.items():
        data[name] = str(value)
    for field_id, value in entry.customs.items():
        data.setlist(f"cf_{field_id}", value if isinstance(value, list) else [value])
    form = _submit_form(request, data, department_id=entry.department_id, entry=entry)
    form.is_valid()  # checked against the department's current fields
    form.add_error(None, services.rejection_error(entry))
    return form


def _after_sending(request, sent: services.Sent):
    if sent.repeated:
        messages.info(request, _("This was sent already; here it is."))
    return HttpResponseRedirect(sent.url)  # a URL: redirect() would first try it as a view's name


@require_GET
def submit_fields(request):
    """The custom fields of one department, for the submit form to swap in (htmx)."""
    if not _guest_allowed(request):
        raise Http404
    form = _keep_typed(_submit_form(request, department_id=_department_from(request.GET)), request.GET)
    return render(request, "tickets/_custom_fields.html", {"form": form})


# --- a submission on its way (the outbox) ---------------------------------------------------


def _submission_or_404(request, reference: str):
    entry = selectors.submission_get(request=request, reference=reference)
    if entry is None:
        raise Http404
    return entry


def _phase(entry) -> str:
    return "waiting" if entry.in_flight else entry.status


def _submission_context(request, entry, *, reply_form=None, staged=()) -> dict:
    age = (timezone.now() - entry.created).total_seconds()
    fresh = entry.in_flight and age < settings.OUTBOX_PAGE_REFRESH_SECONDS
    is_ticket = entry.kind == entry.Kind.TICKET
    return {
        "entry": entry, "phase": _phase(entry), "fresh": fresh, "poll_seconds": 1 if fresh else 10,
        "replies": selectors.pending_replies(request=request, parent=entry) if is_ticket else [],
        # While the page refreshes itself (without JavaScript), a form would lose what is typed in it.
        "reply_form": reply_form or (ReplyForm() if is_ticket and entry.in_flight and not fresh else None),
        "reply_action": reverse("tickets:sent-reply", args=[entry.reference]), "staged": list(staged),
    }


@require_GET
def submission(request, reference: str):
    """The page that follows sending: the submission while it waits (or was refused); once
    delivered, the ticket (customers) or its number (guests)."""
    entry = _submission_or_404(request, reference)
    if entry.status == entry.Status.DELIVERED and (request.user.is_authenticated or guests.opens(request, entry)):
        if entry.kind == entry.Kind.TICKET:
            messages.success(request, _("Your ticket %(mask)s was sent. We will reply by email and here.") % {
                "mask": entry.ticket_mask})
            return redirect("tickets:detail", ticket_id=entry.ticket_id)
        messages.success(request, _("Your reply was added."))
        return redirect(reverse("tickets:detail", args=[entry.ticket_id]) + "#latest")
    return render(request, "tickets/sent.html", _submission_context(request, entry))


@require_GET
def submission_status(request, reference: str):
    """The status line of the submission's page, polled by htmx; a change reloads the page."""
    entry = _submission_or_404(request, reference)
    if _phase(entry) != request.GET.get("shown"):
        response = HttpResponse()
        response["HX-Redirect"] = reverse("tickets:sent", args=[reference])
        return response
    return render(request, "tickets/_sent_status.html", _submission_context(request, entry))


@require_POST
def submission_reply(request, reference: str):
    """A reply to a ticket that is still on its way: delivered after it."""
    entry = _submission_or_404(request, reference)
    if entry.kind != entry.Kind.TICKET or entry.status == entry.Status.DISCARDED:
        raise Http404
    form = ReplyForm(request.POST, request.FILES)
    uploads = _uploads(request, form)
    if form.is_valid():
        services.pending_ticket_reply(request=request, ticket=entry, token=form.cleaned_data["form_token"],
                                      reply=form.cleaned_data["reply"], uploads=uploads)
        messages.success(request, _("Your reply was received: it follows the ticket."))
        return redirect("tickets:sent", reference=reference)
    return render(request, "tickets/sent.html",
                  _submission_context(request, entry, reply_form=form, staged=uploads), status=400)


@require_http_methods(["GET", "POST"])
def submission_edit(request, reference: str):
    """A refused ticket or reply, with the helpdesk's reason, to correct and send again."""
    entry = _submission_or_404(request, reference)
    if entry.status != entry.Status.REJECTED:
        return redirect("tickets:sent", reference=reference)
    if entry.kind == entry.Kind.TICKET:
        if request.user.is_authenticated:
            return customer_required(_submit)(request, entry)
        return _submit(request, entry)
    form = ReplyForm(request.POST or {"reply": entry.message}, request.FILES or None)
    uploads = _uploads(request, form) if request.method == "POST" else _entry_uploads(entry)
    if request.method == "POST" and form.is_valid():
        return _after_sending(request, services.reply_resend(entry=entry, reply=form.cleaned_data["reply"],
                                                             uploads=uploads))
    if request.method == "GET":
        form.add_error(None, services.rejection_error(entry))
    return render(request, "tickets/reply_retry.html", {
        "entry": entry, "reply_action": reverse("tickets:sent-edit", args=[reference]), "ticket_id": entry.ticket_id,
        "reply_form": form, "staged": uploads}, status=200 if request.method == "GET" else 400)


@require_http_methods(["GET", "POST"])
def submission_confirm(request, token: str):
    """The link mailed to a guest's address: the page shows what was sent, its button sends it (a
    button, not the link itself, so that a mail scanner opening links sends nothing)."""
    reference, email = guests.confirmation(token) or ("", "")
    entry = selectors.submission_to_confirm(reference=reference, email=email)
    if entry is None:
        return render(request, "tickets/confirm.html", {"expired": True}, status=404)
    if request.method == "POST":
        if services.submission_confirm(request=request, entry=entry):
            messages.success(request, _("Thank you: your ticket is on its way."))
        if selectors.submission_get(request=request, reference=entry.reference) is not None:
            return redirect("tickets:sent", reference=entry.reference)
        return render(request, "tickets/confirm.html", {"entry": entry, "confirmed": True})
    return render(request, "tickets/confirm.html", {"entry": entry})


@require_http_methods(["GET", "POST"])
def ticket_lookup(request):
    """A guest asks for a link to a ticket: the same answer whether or not it exists."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guest_lookup(request=request, email=form.cleaned_data["email"], mask=form.cleaned_data["ticket"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "tickets/lookup.html", {"sent_to": form.cleaned_data["email"],
                                                           "hours": settings.TICKETS_GUEST_LINK_SECONDS // 3600})
    return render(request, "tickets/lookup.html", {"form": form, "next": next_url},
                  status=400 if form.is_bound else 200)


@require_GET
def guest_link(request, token: str):
    """The link mailed to a guest: opens its ticket in this browser for a while."""
    ticket_id = guests.redeem(request, token)
    if ticket_id is None:
        return render(request, "tickets/lookup.html", {"form": LookupForm(), "expired": True}, status=404)
    return redirect("tickets:detail", ticket_id=ticket_id)


@require_POST
def submission_discard(request, reference: str):
    entry = _submission_or_404(request, reference)
    services.submission_discard(entry=entry)
    messages.info(request, _("It was discarded: nothing will be sent."))
    return redirect("tickets:list" if request.user.is_authenticated else "tickets:submit")
