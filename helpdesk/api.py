"""The Kayako Integration API as plain Python, on the embedded helpdesk's tables.

One function per API function, with the reference's parameter names (in snake_case; `pass`
becomes `pass_`) and defaults. Each raises ApiError carrying the reference's negative code.
The SOAP binding (helpdesk.soap) authenticates the caller with `authenticate` and then calls
these functions; nothing here knows about XML.

Where the reference is silent this module settles it so (see also shared/reference/API-NOTES.md):
- a value for an option field (checkbox, radio, select) that is not one of its options is -24;
- a custom field whose group does not belong to the ticket's department is -23;
- getKnowledgeBaseCategories' breadcrumbs end with the category asked for, as its example shows.
"""

import logging
import random
import secrets
import string
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, router, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from common.prepared import Arg, Prepared, PreparedInsert

from . import fetch, notifications
from .models import (
    Attachment,
    Customer,
    CustomField,
    CustomFieldGroup,
    CustomFieldValue,
    Department,
    KnowledgeBaseArticle,
    KnowledgeBaseCategory,
    KnowledgeBaseComment,
    Priority,
    Status,
    Ticket,
    TicketPost,
)

logger = logging.getLogger(__name__)

INT32_MIN = -2_147_483_648
INT32_MAX = 2_147_483_647
SORT_COLUMNS = {
    "lastactivity": "lastactivity",
    "lastreplier": "lastreplier",
    "ticketstatusid": "status_id",
    "priorityid": "priority_id",
    "departmentid": "department_id",
}
ATTACHMENT_SIGNING_SALT = "helpdesk.attachment"
BAD_CREDENTIALS = -1


class ApiError(Exception):
    """An error of the API, with the reference's negative code."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def authenticate(user: str, password: str) -> None:
    """-1 unless the pair is the configured one; compared in constant time."""
    user_ok = secrets.compare_digest(user.encode(), settings.HELPDESK_API_USERNAME.encode())
    password_ok = secrets.compare_digest(password.encode(), settings.HELPDESK_API_PASSWORD.encode())
    if not (user_ok and password_ok):
        raise ApiError(BAD_CREDENTIALS)


# --- helpers -------------------------------------------------------------------------------


def _timestamp(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def _from_timestamp(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _checked_email(email: str) -> str:
    try:
        validate_email(email)
    except ValidationError:
        raise ApiError(-2) from None
    return email.strip()


# The customer with this address, in any case.
_CUSTOMER = Prepared(lambda a: Customer.objects.alias(email_ci=Lower("email")).filter(email_ci=a.email)
                     .order_by("id").values_list("id", "email", "fullname")[:1], Arg("email", str))


def _customer_or_none(email: str) -> Customer | None:
    found = _CUSTOMER.rows(email=email.lower())
    # Its password hash is left out (loaded if ever read): no API call needs it.
    return Customer.from_db(router.db_for_read(Customer), ["id", "email", "fullname"], found[0]) if found else None


def _customer(email: str) -> Customer:
    customer = _customer_or_none(_checked_email(email))
    if customer is None:
        raise ApiError(-3)
    return customer


def _customer_id(email: str) -> int:
    """_customer(email).pk, without building the customer."""
    found = _CUSTOMER.rows(email=_checked_email(email).lower())
    if not found:
        raise ApiError(-3)
    return found[0][0]




def _owned_ticket(email: str, ticket_id: int) -> Ticket:
    """The ticket if the customer with this email owns it: -13 when missing, -14 when not theirs."""
    _checked_email(email)
    ticket = Ticket.objects.select_related("customer", "status").filter(pk=ticket_id).first()
    if ticket is None:
        raise ApiError(-13)
    if ticket.customer.email.lower() != email.strip().lower():
        raise ApiError(-14)
    return ticket


def _category(category_id: int) -> KnowledgeBaseCategory | None:
    """None for the root (0); -20 for a category that does not exist."""
    if category_id == 0:
        return None
    category = KnowledgeBaseCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise ApiError(-20)
    return category


def _breadcrumbs(category: KnowledgeBaseCategory | None) -> list[dict]:
    if category is None:
        return []
    return [{"categoryid": c.pk, "title": c.title} for c in [*category.ancestors(), category]]


def _article(article_id: int) -> KnowledgeBaseArticle:
    article = KnowledgeBaseArticle.objects.select_related("category").filter(pk=article_id).first()
    if article is None:
        raise ApiError(-21)
    return article


def _new_mask() -> str:
    letters = "".join(random.choices(string.ascii_uppercase, k=3))
    return f"{letters}-{random.randint(0, 999_999):06d}"


def _customer_password(password: str | None, pass_type: int) -> str:
    if not password:
        # A random password nobody knows: an unusable hash says the same and costs nothing.
        return make_password(None)
    if pass_type == 1:
        # An MD5 hash from the caller: kept wrapped, never as a bare MD5.
        return "md5wrapped$" + make_password(password.lower())
    return make_password(password)


def _multi_values(value: str) -> list[str]:
    return [v for v in value.replace("\r\n", "\n").split("\n") if v.strip()]


def _check_custom_value(field: CustomField, value: str) -> str:
    """The value to store, or the error: -25 empty but required, -24 not one of the options."""
    if field.has_options:
        chosen = _multi_values(value) if field.fieldtype in CustomField.MULTI_VALUED else [value]
        chosen = [v for v in chosen if v]
        allowed = {o.value for o in field.options.all()}
        if any(v not in allowed for v in chosen):
            raise ApiError(-24)
        if len(chosen) > 1 and field.fieldtype not in CustomField.MULTI_VALUED:
            raise ApiError(-24)
        value = "\n".join(chosen)
    if field.isrequired and not value.strip():
        raise ApiError(-25)
    return value


@dataclass(frozen=True)
class _FetchedFile:
    name: str
    mimetype: str
    content: fetch.Fetched


def _fetch_attachments(attachments: list[dict]) -> list[_FetchedFile]:
    """Every attachment downloaded before anything is written; any failure is -22."""
    fetched = []
    try:
        for item in attachments:
            name = fetch.safe_filename(item.get("name") or "")
            content = fetch.fetch_url(item.get("url") or "")
            fetched.append(_FetchedFile(name, item.get("type") or "application/octet-stream", content))
    except fetch.FetchError as error:
        for done in fetched:
            done.content.close()
        logger.info("attachment fetch failed: %s", error)
        raise ApiError(-22) from None
    return fetched


def _store_attachments(ticket: Ticket, post: TicketPost, files: list[_FetchedFile], saved: list[str]) -> None:
    try:
        for item in files:
            attachment = Attachment(
                ticket=ticket, post=post, name=item.name, mimetype=item.mimetype, size=item.content.size
            )
            attachment.file.save(item.name, item.content.as_file(), save=False)
            saved.append(attachment.file.name)
            attachment.save()
    finally:
        for item in files:
            item.content.close()


@contextmanager
def _atomic_with_file_cleanup():
    """A transaction that also removes the files written inside it if it does not commit."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            yield saved
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise


# --- Knowledge base ------------------------------------------------------------------------


def get_knowledge_base_categories(*, category_id: int = 0) -> dict:
    category = _category(category_id)
    children = KnowledgeBaseCategory.objects.filter(parent=category).values("id", "title")
    return {"categories": list(children), "breadcrumbs": _breadcrumbs(category)}


def get_knowledge_base_articles(*, category_id: int) -> list[dict]:
    category = _category(category_id)
    articles = KnowledgeBaseArticle.objects.filter(category=category).only(
        "id", "subject", "helpful", "unhelpful"
    )
    return [{"id": a.pk, "subject": a.subject, "rating": a.rating} for a in articles]


def get_knowledge_base_article(*, article_id: int) -> dict:
    article = _article(article_id)
    return {
        "breadcrumbs": _breadcrumbs(article.category),
        "title": article.subject,
        "body": article.body,
        "date": _timestamp(article.created),
        "rating": article.rating,
        "comments": [
            {"name": c.name, "date": _timestamp(c.created), "body": c.body}
            for c in article.comments.all()
        ],
    }


def rate_knowledge_base_article(*, article_id: int, rate_type: bool) -> bool:
    column = "helpful" if rate_type else "unhelpful"
    if not KnowledgeBaseArticle.objects.filter(pk=article_id).update(**{column: F(column) + 1}):
        raise ApiError(-21)
    return True


def add_knowledge_base_article_comment(*, article_id: int, poster_name: str, comment: str) -> int:
    article = _article(article_id)
    poster_name, comment = poster_name.strip(), comment.strip()
    if not poster_name or not comment or len(poster_name) > 255:
        raise ApiError(-11)
    return KnowledgeBaseComment.objects.create(article=article, name=poster_name, body=comment).pk


# --- Reference data ------------------------------------------------------------------------


def get_department_list() -> list[dict]:
    return [
        {"id": d.pk, "title": d.title, "ispublic": d.ispublic, "isdefault": d.isdefault, "order": d.displayorder}
        for d in Department.objects.all()
    ]


def get_department_custom_fields(*, department_id: int) -> list[dict]:
    if not Department.objects.filter(pk=department_id).exists():
        raise ApiError(-8)
    groups = CustomFieldGroup.objects.filter(departments=department_id).prefetch_related("fields__options")
    return [
        {
            "id": group.pk,
            "title": group.title,
            "displayorder": group.displayorder,
            "fields": [_field_definition(field) for field in group.fields.all()],
        }
        for group in groups
    ]


def _field_definition(field: CustomField) -> dict:
    # Options go out in storage order with their display order beside them, as the original does.
    options = sorted(field.options.all(), key=lambda o: o.pk)
    with_options = field.has_options
    return {
        "id": field.pk,
        "title": field.title,
        "fieldtype": field.fieldtype,
        "defaultvalue": None if with_options else field.defaultvalue,
        "description": field.description,
        "displayorder": field.displayorder,
        "isrequired": field.isrequired,
        "options": "\n".join(o.value for o in options) if with_options else None,
        "optionorders": "\n".join(str(o.displayorder) for o in options) if with_options else None,
        "optionsselected": "\n".join("1" if o.isselected else "0" for o in options) if with_options else None,
    }


def get_priority_list() -> list[dict]:
    return [
        {
            "id": p.pk,
            "title": p.title,
            "order": p.displayorder,
            "ispublic": p.ispublic,
            "forecolor": p.forecolor,
            "backcolor": p.backcolor,
            "iscustom": p.iscustom,
        }
        for p in Priority.objects.all()
    ]


def get_status_list() -> list[dict]:
    return [
        {"id": s.pk, "title": s.title, "order": s.displayorder, "ispublic": s.ispublic, "forecolor": s.forecolor}
        for s in Status.objects.all()
    ]


# --- Tickets -------------------------------------------------------------------------------


def get_total_submitted_tickets(*, email: str) -> int:
    return Ticket.objects.filter(customer_id=_customer_id(email)).count()


def _date_range(column: str, low: int, high: int, *, nullable: bool = False) -> Q:
    """A range filter; the 32-bit defaults mean no filter. A missing due time counts as 0."""
    if low <= INT32_MIN and high >= INT32_MAX:
        return Q()
    # Whole seconds, as the API's timestamps: "at most high" is "before high + 1".
    in_range = Q(**{f"{column}__gte": _from_timestamp(max(low, INT32_MIN))}) & Q(
        **{f"{column}__lt": _from_timestamp(min(high, INT32_MAX) + 1)}
    )
    if nullable and low <= 0 <= high:
        return in_range | Q(**{f"{column}__isnull": True})
    return in_range


def get_submitted_tickets_with_extra_restrictions(
    *,
    email: str,
    num_per_page: int = 10,
    page: int = 1,
    sort_by: str = "lastactivity",
    order_asc: bool = False,
    min_start_date: int = INT32_MIN,
    max_start_date: int = INT32_MAX,
    min_last_activity: int = INT32_MIN,
    max_last_activity: int = INT32_MAX,
    min_due_date: int = INT32_MIN,
    max_due_date: int = INT32_MAX,
    specific_department: int = 0,
    specific_status: int = 0,
    specific_priority: int = 0,
) -> list[dict]:
    customer = _customer_id(email)
    if num_per_page < 1:
        raise ApiError(-4)
    if page < 1:
        raise ApiError(-5)
    if sort_by not in SORT_COLUMNS:
        raise ApiError(-6)
    filters = (
        _date_range("startdate", min_start_date, max_start_date)
        & _date_range("lastactivity", min_last_activity, max_last_activity)
        & _date_range("duetime", min_due_date, max_due_date, nullable=True)
    )
    for column, value in (
        ("department_id", specific_department),
        ("status_id", specific_status),
        ("priority_id", specific_priority),
    ):
        if value:
            filters &= Q(**{column: value})
    direction = "" if order_asc else "-"
    offset = (page - 1) * num_per_page
    rows = (
        Ticket.objects.filter(filters, customer_id=customer)
        .order_by(direction + SORT_COLUMNS[sort_by], direction + "id")
        .values(
            "id", "mask", "startdate", "lastactivity", "duetime", "lastreplier",
            "status_id", "priority_id", "department_id", "subject",
        )[offset : offset + num_per_page]
    )
    return [
        {
            "id": row["id"],
            "mask": row["mask"],
            "startdate": _timestamp(row["startdate"]),
            "lastactivity": _timestamp(row["lastactivity"]),
            "duetime": _timestamp(row["duetime"]),
            "lastreplier": row["lastreplier"],
            "status": row["status_id"],
            "priority": row["priority_id"],
            "department": row["department_id"],
            "subject": row["subject"],
        }
        for row in rows
    ]


def get_submitted_tickets(
    *, email: str, num_per_page: int = 10, page: int = 1, sort_by: str = "lastactivity", order_asc: bool = False
) -> list[dict]:
    return get_submitted_tickets_with_extra_restrictions(
        email=email, num_per_page=num_per_page, page=page, sort_by=sort_by, order_asc=order_asc
    )


_TICKET = Prepared(lambda a: Ticket.objects.filter(pk=a.ticket_id).values_list(
    "customer__email", "mask", "department_id", "status_id", "priority_id", "startdate", "lastactivity", "subject"),
    Arg("ticket_id"))
# One row per post and attachment (a post without any has one row, its attachment columns None).
_POSTS = Prepared(lambda a: TicketPost.objects.filter(ticket_id=a.ticket_id).order_by(
    "created", "id", "attachments__id").values_list(
    "id", "created", "customer_id", "fullname", "email", "editeddate", "editedby_id", "ishtml", "staff_id",
    "contents", "attachments__id", "attachments__name", "attachments__mimetype", "attachments__size"),
    Arg("ticket_id"))
_CUSTOM_VALUES = Prepared(lambda a: CustomFieldValue.objects.filter(ticket_id=a.ticket_id).values_list(
    "field_id", "value"), Arg("ticket_id"))
# One row per group and field (a group without fields has one row, its field columns None).
_DEPARTMENT_FIELDS = Prepared(lambda a: CustomFieldGroup.objects.filter(departments=a.department_id).order_by(
    "displayorder", "id", "fields__displayorder", "fields__id").values_list(
    "id", "title", "displayorder", "fields__id", "fields__title", "fields__fieldtype"), Arg("department_id"))


def get_submitted_ticket(*, email: str, ticket_id: int) -> dict:
    """Four prepared queries of plain rows: the most asked-for call after the list, where building
    queries and model instances cost several times what the rows do."""
    _checked_email(email)
    found = _TICKET.rows(ticket_id=ticket_id)
    if not found:
        raise ApiError(-13)
    owner, mask, department_id, status_id, priority_id, startdate, lastactivity, subject = found[0]
    if owner.lower() != email.strip().lower():
        raise ApiError(-14)
    rows = _POSTS.rows(ticket_id=ticket_id)
    posts: dict[int, dict] = {}
    for (post_id, created, customer_id, fullname, post_email, editeddate, editedby_id, ishtml, staff_id, contents,
         attachment_id, name, mimetype, size) in rows:
        post = posts.get(post_id)
        if post is None:
            post = posts[post_id] = {
                "id": post_id, "date": _timestamp(created), "userid": customer_id or 0, "fullname": fullname,
                "email": post_email, "edited": editeddate is not None, "editedbystaffid": editedby_id or 0,
                "editeddate": _timestamp(editeddate), "ishtml": ishtml, "staffid": staff_id or 0,
                "contents": contents, "attachments": [],
            }
        if attachment_id is not None:
            post["attachments"].append({"id": attachment_id, "name": name, "type": mimetype, "size": size})
    values = dict(_CUSTOM_VALUES.rows(ticket_id=ticket_id))
    fields = _DEPARTMENT_FIELDS.rows(department_id=department_id)
    groups: dict[int, dict] = {}
    for group_id, title, displayorder, field_id, field_title, fieldtype in fields:
        group = groups.get(group_id)
        if group is None:
            group = groups[group_id] = {"id": group_id, "title": title, "displayorder": displayorder, "fields": []}
        if field_id is not None:
            group["fields"].append({"id": field_id, "name": field_title, "type": fieldtype,
                                    "value": values.get(field_id, "")})
    return {
        "id": ticket_id,
        "mask": mask,
        "department": department_id,
        "status": status_id,
        "priority": priority_id,
        "startdate": _timestamp(startdate),
        "lastactivity": _timestamp(lastactivity),
        "subject": subject,
        "posts": list(posts.values()),
        "custom": list(groups.values()),
    }


def _department_fields(department_id: int) -> dict[int, CustomField]:
    fields = CustomField.objects.filter(group__departments=department_id).prefetch_related("options")
    return {field.pk: field for field in fields}


# What submitTicket reads before it writes, in one prepared query instead of four (a submission is 8
# statements, not 11): a row if the department exists, with whether the priority exists, whether the
# department has a required custom field, and the status a new ticket gets (first_open()).
_SUBMIT_CHECKS = Prepared(lambda a: Department.objects.filter(pk=a.department_id).order_by().values_list(
    Exists(Priority.objects.filter(pk=a.priority_id)),
    Exists(CustomField.objects.filter(group__departments=OuterRef("pk"), isrequired=True)),
    Subquery(Status.objects.open_first().values("id")[:1]),
), Arg("department_id"), Arg("priority_id"))


def _checked_customs(department_id: int, customs: list[dict], *, has_required_field: bool) -> dict[int, str]:
    """Values by field id, checked against the department: -24, -23, -25."""
    if not customs:  # most tickets
        if has_required_field:
            raise ApiError(-25)
        return {}
    fields = _department_fields(department_id)
    given: dict[int, str] = {}
    for item in customs:
        field_id, value = item.get("id"), item.get("value") or ""
        if field_id not in fields:
            if not CustomField.objects.filter(pk=field_id).exists():
                raise ApiError(-24)
            raise ApiError(-23)
        given[field_id] = _check_custom_value(fields[field_id], value)
    for field_id, field in fields.items():
        if field.isrequired and field_id not in given:
            raise ApiError(-25)
    return given


# A new ticket's rows and a reply's, compiled once per process: the ORM took ~0.4 ms to build
# each INSERT (common.prepared).
_NEW_TICKET = PreparedInsert(Ticket)
_NEW_POST = PreparedInsert(TicketPost)


def submit_ticket(
    *,
    email: str,
    department_id: int,
    priority_id: int,
    full_name: str,
    subject: str,
    message: str,
    attachments: list[dict] | None = None,
    send_auto: bool = True,
    pass_type: int = 0,
    pass_: str | None = None,
    customs: list[dict] | None = None,
) -> dict:
    email = _checked_email(email)
    if pass_type not in (0, 1):
        raise ApiError(-7)
    checks = _SUBMIT_CHECKS.rows(department_id=department_id, priority_id=priority_id)
    if not checks:
        raise ApiError(-8)
    priority_exists, has_required_field, status_id = checks[0]
    if not priority_exists:
        raise ApiError(-9)
    full_name, subject = full_name.strip(), subject.strip()
    if not full_name or not subject or not message.strip():
        raise ApiError(-10)
    values = _checked_customs(department_id, customs or [], has_required_field=has_required_field)
    if status_id is None:
        raise ApiError(-10)
    files = _fetch_attachments(attachments or [])
    with _atomic_with_file_cleanup() as saved_files:
        customer = _customer_or_none(email)
        if customer is None:
            customer = Customer.objects.create(
                email=email, fullname=full_name, password=_customer_password(pass_, pass_type)
            )
        now = timezone.now()
        ticket = _create_ticket(
            customer=customer, department_id=department_id, status_id=status_id, priority_id=priority_id,
            subject=subject[:255], startdate=now, lastactivity=now, lastreplier=customer.fullname,
        )
        post = TicketPost(
            ticket=ticket, created=now, customer=customer, fullname=customer.fullname,
            email=customer.email, contents=message,
        )
        _NEW_POST.save(post)
        if values:
            CustomFieldValue.objects.bulk_create(
                CustomFieldValue(ticket=ticket, field_id=field_id, value=value) for field_id, value in values.items()
            )
        _store_attachments(ticket, post, files, saved_files)
        if send_auto:
            notifications.announce(ticket=ticket, event=notifications.Event.CREATED)
    return {"id": ticket.pk, "mask": ticket.mask}


def _create_ticket(**fields) -> Ticket:
    """A ticket with a unique mask: random letters and digits, or its id when sequential."""
    if settings.HELPDESK_TICKET_NUMBERING == "sequential":
        ticket = Ticket(mask=f"new-{secrets.token_hex(8)}", **fields)
        _NEW_TICKET.save(ticket)
        ticket.mask = str(ticket.pk)
        ticket.save(update_fields=["mask"])
        return ticket
    for _attempt in range(20):
        try:
            with transaction.atomic():
                ticket = Ticket(mask=_new_mask(), **fields)
                _NEW_TICKET.save(ticket)
                return ticket
        except IntegrityError:
            continue
    raise ApiError(-10)


def post_ticket_reply(*, email: str, ticket_id: int, reply: str, attachments: list[dict] | None = None) -> bool:
    ticket = _owned_ticket(email, ticket_id)
    if not reply.strip():
        raise ApiError(-12)
    files = _fetch_attachments(attachments or [])
    customer = ticket.customer
    with _atomic_with_file_cleanup() as saved_files:
        now = timezone.now()
        post = TicketPost(
            ticket=ticket, created=now, customer=customer, fullname=customer.fullname,
            email=customer.email, contents=reply,
        )
        _NEW_POST.save(post)
        changes = {"lastactivity": now, "lastreplier": customer.fullname}
        # The customer answered a closed ticket, or one that waited for them: the team has to act again.
        if ticket.status.meaning in Status.REOPENED_BY_REPLY and (reopened := Status.objects.first_open()):
            changes["status"] = reopened
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        _store_attachments(ticket, post, files, saved_files)
    return True


def update_ticket_properties(*, email: str, ticket_id: int, new_status: int = 0, new_priority: int = 0) -> bool:
    ticket = _owned_ticket(email, ticket_id)
    if not new_status and not new_priority:
        raise ApiError(-16)
    changes = {}
    if new_status:
        if not Status.objects.filter(pk=new_status).exists():
            raise ApiError(-17)
        changes["status_id"] = new_status
    if new_priority:
        if not Priority.objects.filter(pk=new_priority).exists():
            raise ApiError(-18)
        changes["priority_id"] = new_priority
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
    return True


def set_custom_field_value(*, typeid: int, custom_field: int, value: str) -> bool:
    ticket = Ticket.objects.filter(pk=typeid).first()
    if ticket is None:
        raise ApiError(-26)
    field = _department_fields(ticket.department_id).get(custom_field)
    if field is None:
        raise ApiError(-24)
    CustomFieldValue.objects.update_or_create(
        ticket=ticket, field=field, defaults={"value": _check_custom_value(field, value)}
    )
    return True


def get_ticket_attachment(*, email: str, ticket_id: int, attachment_id: int) -> dict:
    ticket = _owned_ticket(email, ticket_id)
    attachment = Attachment.objects.filter(pk=attachment_id, ticket=ticket).first()
    if attachment is None:
        raise ApiError(-19)
    return {
        "size": attachment.size,
        "name": attachment.name,
        "type": attachment.mimetype,
        "url": attachment_url(attachment),
    }


def attachment_url(attachment: Attachment) -> str:
    token = signing.TimestampSigner(salt=ATTACHMENT_SIGNING_SALT).sign(str(attachment.pk))
    return f"{settings.HELPDESK_PUBLIC_URL}/integrationapi/index.php?getattachment={token}"


def attachment_for_token(token: str) -> Attachment | None:
    """The attachment a getattachment URL names, if its signature is good and not expired."""
    try:
        attachment_id = signing.TimestampSigner(salt=ATTACHMENT_SIGNING_SALT).unsign(
            token, max_age=settings.HELPDESK_ATTACHMENT_URL_TTL
        )
    except signing.BadSignature:
        return None
    return Attachment.objects.filter(pk=int(attachment_id)).first()


def update_email_address(*, old_email: str, new_email: str) -> bool:
    customer = _customer(old_email)
    new_email = _checked_email(new_email)
    other = _customer_or_none(new_email)
    if other is not None and other.pk != customer.pk:
        raise ApiError(-15)
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(email=new_email)
        TicketPost.objects.filter(customer=customer).update(email=new_email)
    return True

