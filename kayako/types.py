"""What the service functions return: frozen dataclasses with Python types, built from the
plain values that the wire layer reads (strings, lists and dicts, whatever the server's dialect).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

# --- coercion of loosely typed values (PHP servers send "1", "true", 1 or True alike) ---------


def as_int(value) -> int:
    if value in (None, "", False):
        return 0
    if value is True:
        return 1
    return int(float(value)) if isinstance(value, str) and "." in value else int(value)


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def as_str(value) -> str:
    return "" if value is None else str(value)


def as_list(value) -> list:
    """A list from what a server sends as one: a list, a map keyed by id, a single item or empty."""
    if value in (None, "", False):
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if "item" in value and len(value) == 1:
            return as_list(value["item"])
        if value and all(str(k).lstrip("-").isdigit() for k in value):
            return list(value.values())
        return [value]
    return [value]


def as_time(value) -> datetime | None:
    seconds = as_int(value)
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def split_lines(value) -> list[str]:
    return [line for line in as_str(value).replace("\r\n", "\n").split("\n") if line != ""]


def _get(data: dict, *keys):
    for key in keys:
        if key in data:
            return data[key]
    return None


# --- knowledge base --------------------------------------------------------------------------


@dataclass(frozen=True)
class Breadcrumb:
    category_id: int
    title: str

    @classmethod
    def parse(cls, data: dict) -> "Breadcrumb":
        return cls(as_int(_get(data, "categoryid", "id")), as_str(data.get("title")))


@dataclass(frozen=True)
class Category:
    id: int
    title: str

    @classmethod
    def parse(cls, data: dict) -> "Category":
        return cls(as_int(data.get("id")), as_str(data.get("title")))


@dataclass(frozen=True)
class CategoryListing:
    categories: tuple[Category, ...]
    breadcrumbs: tuple[Breadcrumb, ...]

    @classmethod
    def parse(cls, data: dict) -> "CategoryListing":
        return cls(
            tuple(Category.parse(c) for c in as_list(data.get("categories"))),
            tuple(Breadcrumb.parse(b) for b in as_list(_get(data, "breadcrumbs", "breadcrumb"))),
        )


@dataclass(frozen=True)
class ArticleSummary:
    id: int
    subject: str
    rating: int

    @classmethod
    def parse(cls, data: dict) -> "ArticleSummary":
        return cls(as_int(data.get("id")), as_str(data.get("subject")), as_int(data.get("rating")))


@dataclass(frozen=True)
class Comment:
    name: str
    date: datetime | None
    body: str

    @classmethod
    def parse(cls, data: dict) -> "Comment":
        return cls(as_str(data.get("name")), as_time(data.get("date")), as_str(data.get("body")))


@dataclass(frozen=True)
class Article:
    id: int
    breadcrumbs: tuple[Breadcrumb, ...]
    title: str
    body: str
    date: datetime | None
    rating: int
    comments: tuple[Comment, ...]

    @classmethod
    def parse(cls, data: dict, article_id: int) -> "Article":
        return cls(
            id=article_id,
            breadcrumbs=tuple(Breadcrumb.parse(b) for b in as_list(_get(data, "breadcrumbs", "breadcrumb"))),
            title=as_str(data.get("title")),
            body=as_str(data.get("body")),
            date=as_time(data.get("date")),
            rating=as_int(data.get("rating")),
            comments=tuple(Comment.parse(c) for c in as_list(data.get("comments"))),
        )


# --- reference data --------------------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    id: int
    title: str
    is_public: bool
    is_default: bool
    order: int

    @classmethod
    def parse(cls, data: dict) -> "Department":
        return cls(
            as_int(data.get("id")), as_str(data.get("title")), as_bool(data.get("ispublic")),
            as_bool(data.get("isdefault")), as_int(data.get("order")),
        )


@dataclass(frozen=True)
class Priority:
    id: int
    title: str
    order: int
    is_public: bool
    fore_color: str
    back_color: str
    is_custom: bool

    @classmethod
    def parse(cls, data: dict) -> "Priority":
        return cls(
            as_int(data.get("id")), as_str(data.get("title")), as_int(data.get("order")),
            as_bool(data.get("ispublic")), as_str(data.get("forecolor")) or "inherit",
            as_str(data.get("backcolor")) or "inherit", as_bool(data.get("iscustom")),
        )


@dataclass(frozen=True)
class Status:
    id: int
    title: str
    order: int
    is_public: bool
    fore_color: str

    @classmethod
    def parse(cls, data: dict) -> "Status":
        return cls(
            as_int(data.get("id")), as_str(data.get("title")), as_int(data.get("order")),
            as_bool(data.get("ispublic")), as_str(data.get("forecolor")) or "inherit",
        )


FIELD_TEXT, FIELD_TEXTAREA, FIELD_PASSWORD, FIELD_CHECKBOX, FIELD_RADIO, FIELD_SELECT, FIELD_MULTISELECT = range(1, 8)
MULTI_VALUED_FIELD_TYPES = frozenset({FIELD_CHECKBOX, FIELD_MULTISELECT})


@dataclass(frozen=True)
class FieldOption:
    value: str
    order: int
    selected: bool


@dataclass(frozen=True)
class CustomFieldDefinition:
    id: int
    title: str
    field_type: int
    default_value: str
    description: str
    display_order: int
    is_required: bool
    options: tuple[FieldOption, ...]  # in display order

    @property
    def is_multi_valued(self) -> bool:
        return self.field_type in MULTI_VALUED_FIELD_TYPES

    @classmethod
    def parse(cls, data: dict) -> "CustomFieldDefinition":
        values = split_lines(data.get("options"))
        orders = split_lines(data.get("optionorders"))
        selected = split_lines(data.get("optionsselected"))
        options = [
            FieldOption(
                value=value,
                order=as_int(orders[i]) if i < len(orders) else i,
                selected=as_bool(selected[i]) if i < len(selected) else False,
            )
            for i, value in enumerate(values)
        ]
        return cls(
            id=as_int(data.get("id")),
            title=as_str(data.get("title")),
            field_type=as_int(data.get("fieldtype")),
            default_value=as_str(data.get("defaultvalue")),
            description=as_str(data.get("description")),
            display_order=as_int(data.get("displayorder")),
            is_required=as_bool(data.get("isrequired")),
            options=tuple(sorted(options, key=lambda o: o.order)),
        )


@dataclass(frozen=True)
class CustomFieldGroup:
    id: int
    title: str
    display_order: int
    fields: tuple[CustomFieldDefinition, ...]  # in display order

    @classmethod
    def parse(cls, data: dict) -> "CustomFieldGroup":
        fields = (CustomFieldDefinition.parse(f) for f in as_list(data.get("fields")))
        return cls(
            as_int(data.get("id")), as_str(data.get("title")), as_int(data.get("displayorder")),
            tuple(sorted(fields, key=lambda f: (f.display_order, f.id))),
        )


# --- tickets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketSummary:
    id: int
    mask: str
    start_date: datetime | None
    last_activity: datetime | None
    due_time: datetime | None
    last_replier: str
    status_id: int
    priority_id: int
    department_id: int
    subject: str

    @classmethod
    def parse(cls, data: dict) -> "TicketSummary":
        return cls(
            id=as_int(data.get("id")),
            mask=as_str(data.get("mask")),
            start_date=as_time(data.get("startdate")),
            last_activity=as_time(data.get("lastactivity")),
            due_time=as_time(data.get("duetime")),
            last_replier=as_str(data.get("lastreplier")),
            status_id=as_int(data.get("status")),
            priority_id=as_int(data.get("priority")),
            department_id=as_int(data.get("department")),
            subject=as_str(data.get("subject")),
        )


@dataclass(frozen=True)
class PostAttachment:
    id: int
    name: str
    mime_type: str
    size: int

    @classmethod
    def parse(cls, data: dict) -> "PostAttachment":
        return cls(
            as_int(data.get("id")), as_str(data.get("name")),
            as_str(_get(data, "type", "mimetype")) or "application/octet-stream", as_int(data.get("size")),
        )


@dataclass(frozen=True)
class Post:
    id: int
    date: datetime | None
    user_id: int
    full_name: str
    email: str
    edited: bool
    edited_by_staff_id: int
    edited_date: datetime | None
    is_html: bool
    staff_id: int
    contents: str
    attachments: tuple[PostAttachment, ...]

    @property
    def is_staff(self) -> bool:
        return self.staff_id != 0

    @classmethod
    def parse(cls, data: dict) -> "Post":
        return cls(
            id=as_int(data.get("id")),
            date=as_time(data.get("date")),
            user_id=as_int(data.get("userid")),
            full_name=as_str(data.get("fullname")),
            email=as_str(data.get("email")),
            edited=as_bool(data.get("edited")),
            edited_by_staff_id=as_int(data.get("editedbystaffid")),
            edited_date=as_time(data.get("editeddate")),
            is_html=as_bool(data.get("ishtml")),
            staff_id=as_int(data.get("staffid")),
            contents=as_str(data.get("contents")),
            attachments=tuple(PostAttachment.parse(a) for a in as_list(data.get("attachments"))),
        )


@dataclass(frozen=True)
class CustomFieldValue:
    id: int
    name: str
    field_type: int
    value: str

    @property
    def values(self) -> list[str]:
        """The selected values of a checkbox group or multi-select; the value otherwise."""
        if self.field_type in MULTI_VALUED_FIELD_TYPES:
            return split_lines(self.value)
        return [self.value] if self.value else []

    @classmethod
    def parse(cls, data: dict) -> "CustomFieldValue":
        return cls(
            as_int(data.get("id")), as_str(_get(data, "name", "title")),
            as_int(_get(data, "type", "fieldtype")), as_str(data.get("value")),
        )


@dataclass(frozen=True)
class CustomFieldValueGroup:
    id: int
    title: str
    display_order: int
    fields: tuple[CustomFieldValue, ...]

    @classmethod
    def parse(cls, data: dict) -> "CustomFieldValueGroup":
        return cls(
            as_int(data.get("id")), as_str(data.get("title")), as_int(data.get("displayorder")),
            tuple(CustomFieldValue.parse(f) for f in as_list(data.get("fields"))),
        )


@dataclass(frozen=True)
class Ticket:
    id: int
    mask: str
    department_id: int
    status_id: int
    priority_id: int
    start_date: datetime | None
    last_activity: datetime | None
    subject: str
    posts: tuple[Post, ...]
    custom: tuple[CustomFieldValueGroup, ...]

    @classmethod
    def parse(cls, data: dict) -> "Ticket":
        posts = (Post.parse(p) for p in as_list(data.get("posts")))
        groups = (CustomFieldValueGroup.parse(g) for g in as_list(data.get("custom")))
        return cls(
            id=as_int(data.get("id")),
            mask=as_str(data.get("mask")),
            department_id=as_int(data.get("department")),
            status_id=as_int(data.get("status")),
            priority_id=as_int(data.get("priority")),
            start_date=as_time(data.get("startdate")),
            last_activity=as_time(data.get("lastactivity")),
            subject=as_str(data.get("subject")),
            posts=tuple(sorted(posts, key=lambda p: (p.date or datetime.min.replace(tzinfo=UTC), p.id))),
            custom=tuple(sorted(groups, key=lambda g: (g.display_order, g.id))),
        )


@dataclass(frozen=True)
class SubmittedTicket:
    id: int
    mask: str

    @classmethod
    def parse(cls, data: dict) -> "SubmittedTicket":
        return cls(as_int(data.get("id")), as_str(data.get("mask")))


@dataclass(frozen=True)
class AttachmentInfo:
    size: int
    name: str
    mime_type: str
    url: str

    @classmethod
    def parse(cls, data: dict) -> "AttachmentInfo":
        return cls(
            as_int(data.get("size")), as_str(data.get("name")),
            as_str(_get(data, "type", "mimetype")) or "application/octet-stream", as_str(data.get("url")),
        )


@dataclass(frozen=True)
class NewAttachment:
    """An attachment offered to the helpdesk: it fetches `url` during the call."""

    name: str
    mime_type: str
    url: str
