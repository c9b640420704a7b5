"""The embedded helpdesk's data: what a Kayako installation keeps behind the Integration API."""

from django.conf import settings
from django.db import models
from django.db.models import Case, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    title = models.CharField(_("title"), max_length=255)
    ispublic = models.BooleanField(_("public"), default=True)
    isdefault = models.BooleanField(_("default"), default=False)
    displayorder = models.IntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["displayorder", "id"]
        verbose_name = _("department")

    def __str__(self):
        return self.title


class Priority(models.Model):
    title = models.CharField(_("title"), max_length=255)
    displayorder = models.IntegerField(_("display order"), default=0)
    ispublic = models.BooleanField(_("public"), default=True)
    forecolor = models.CharField(_("text colour"), max_length=20, default="inherit")
    backcolor = models.CharField(_("background colour"), max_length=20, default="inherit")
    iscustom = models.BooleanField(_("custom"), default=False)

    class Meta:
        ordering = ["displayorder", "id"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")

    def __str__(self):
        return self.title


class StatusQuerySet(models.QuerySet):
    def open_first(self) -> "StatusQuerySet":
        """Open and public ones first, then open, then public, then the rest; each in display order."""
        return self.order_by(Case(When(meaning=Status.Meaning.OPEN, then=0), default=1), "-ispublic",
                             "displayorder", "id")

    def first_open(self) -> "Status | None":
        """The status a new ticket gets, and a closed one that its customer answers: the first public
        open one (else the first open, the first public, the first)."""
        return self.open_first().first()


class Status(models.Model):
    class Meaning(models.TextChoices):
        OPEN = "open", _("Open: the support team has to act")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for the customer")
        CLOSED = "closed", _("Closed")

    # A change to a public status of these meanings is mailed to the customer.
    ANNOUNCED = frozenset({Meaning.WAITING, Meaning.CLOSED})
    # A customer's reply to a ticket in a status of these meanings reopens it.
    REOPENED_BY_REPLY = frozenset({Meaning.WAITING, Meaning.CLOSED})

    title = models.CharField(_("title"), max_length=255)
    displayorder = models.IntegerField(_("display order"), default=0)
    ispublic = models.BooleanField(_("public"), default=True)
    forecolor = models.CharField(_("text colour"), max_length=20, default="inherit")
    meaning = models.CharField(
        _("meaning"), max_length=20, choices=Meaning.choices, default=Meaning.OPEN,
        help_text=_("New tickets, and tickets whose customer replies while they are closed or waiting for them, get "
                    "the first public open status. Customers are mailed when their ticket gets a public status that "
                    "is closed or waiting for them."))

    objects = StatusQuerySet.as_manager()

    class Meta:
        ordering = ["displayorder", "id"]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")

    def __str__(self):
        return self.title


class CustomFieldGroup(models.Model):
    title = models.CharField(_("title"), max_length=255)
    displayorder = models.IntegerField(_("display order"), default=0)
    departments = models.ManyToManyField(Department, related_name="customfieldgroups", blank=True)

    class Meta:
        ordering = ["displayorder", "id"]
        verbose_name = _("custom field group")

    def __str__(self):
        return self.title


class CustomField(models.Model):
    class FieldType(models.IntegerChoices):
        TEXT = 1, _("Text")
        TEXTAREA = 2, _("Text area")
        PASSWORD = 3, _("Password")
        CHECKBOX = 4, _("Checkbox group")
        RADIO = 5, _("Radio")
        SELECT = 6, _("Select")
        SELECT_MULTIPLE = 7, _("Select multiple")

    WITH_OPTIONS = {FieldType.CHECKBOX, FieldType.RADIO, FieldType.SELECT, FieldType.SELECT_MULTIPLE}
    MULTI_VALUED = {FieldType.CHECKBOX, FieldType.SELECT_MULTIPLE}

    group = models.ForeignKey(CustomFieldGroup, on_delete=models.CASCADE, related_name="fields")
    title = models.CharField(_("title"), max_length=255)
    fieldtype = models.PositiveSmallIntegerField(_("type"), choices=FieldType.choices)
    defaultvalue = models.TextField(_("default value"), blank=True)
    description = models.TextField(_("description"), blank=True)
    displayorder = models.IntegerField(_("display order"), default=0)
    isrequired = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["displayorder", "id"]
        verbose_name = _("custom field")

    def __str__(self):
        return self.title

    @property
    def has_options(self) -> bool:
        return self.fieldtype in self.WITH_OPTIONS


class CustomFieldOption(models.Model):
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="options")
    value = models.CharField(_("value"), max_length=255)
    displayorder = models.IntegerField(_("display order"), default=0)
    isselected = models.BooleanField(_("selected by default"), default=False)

    class Meta:
        ordering = ["displayorder", "id"]
        verbose_name = _("option")

    def __str__(self):
        return self.value


class KnowledgeBaseCategory(models.Model):
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    title = models.CharField(_("title"), max_length=255)
    displayorder = models.IntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["displayorder", "title", "id"]
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")

    def __str__(self):
        return self.title

    def ancestors(self) -> list["KnowledgeBaseCategory"]:
        """This category's parents, root first (not including itself)."""
        chain = []
        node = self.parent
        while node is not None and len(chain) < 64:  # a guard against a cycle made in the admin
            chain.append(node)
            node = node.parent
        return chain[::-1]


class KnowledgeBaseArticle(models.Model):
    category = models.ForeignKey(
        KnowledgeBaseCategory,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="articles",
        help_text=_("Empty for an article at the root of the knowledge base."),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body (HTML)"))
    created = models.DateTimeField(_("date"), default=timezone.now)
    helpful = models.PositiveIntegerField(_("helpful votes"), default=0)
    unhelpful = models.PositiveIntegerField(_("unhelpful votes"), default=0)
    displayorder = models.IntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["displayorder", "subject", "id"]
        verbose_name = _("knowledge base article")

    def __str__(self):
        return self.subject

    @property
    def rating(self) -> int:
        """1 to 5 from the share of helpful votes; 3 when nobody has voted."""
        votes = self.helpful + self.unhelpful
        if not votes:
            return 3
        return 1 + round(4 * self.helpful / votes)


class KnowledgeBaseComment(models.Model):
    article = models.ForeignKey(KnowledgeBaseArticle, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(_("name"), max_length=255)
    body = models.TextField(_("comment"))
    created = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("comment")

    def __str__(self):
        return f"{self.name}: {self.body[:40]}"


class Customer(models.Model):
    email = models.EmailField(_("email"), max_length=254)
    fullname = models.CharField(_("full name"), max_length=255)
    password = models.CharField(_("password hash"), max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="helpdesk_customer_email_ci_unique")]
        verbose_name = _("customer")

    def __str__(self):
        return f"{self.fullname} <{self.email}>"


class Ticket(models.Model):
    mask = models.CharField(_("mask"), max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    department = models.ForeignKey(Department, on_delete=models.PROTECT)
    status = models.ForeignKey(Status, on_delete=models.PROTECT)
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT)
    subject = models.CharField(_("subject"), max_length=255)
    startdate = models.DateTimeField(_("created"), default=timezone.now)
    lastactivity = models.DateTimeField(_("last activity"), default=timezone.now)
    duetime = models.DateTimeField(_("due"), null=True, blank=True)
    lastreplier = models.CharField(_("last replier"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ticket")
        # A customer's list is a range scan on (customer, key) for every sort key and filter
        # of getSubmittedTicketsWithExtraRestrictions; id breaks ties so pages are stable.
        indexes = [
            models.Index(fields=["customer", "lastactivity", "id"], name="hd_ticket_cust_activity"),
            models.Index(fields=["customer", "lastreplier", "id"], name="hd_ticket_cust_replier"),
            models.Index(fields=["customer", "status", "id"], name="hd_ticket_cust_status"),
            models.Index(fields=["customer", "priority", "id"], name="hd_ticket_cust_priority"),
            models.Index(fields=["customer", "department", "id"], name="hd_ticket_cust_department"),
            models.Index(fields=["customer", "startdate"], name="hd_ticket_cust_start"),
            models.Index(fields=["customer", "duetime"], name="hd_ticket_cust_due"),
            models.Index(fields=["customer", "status", "lastactivity"], name="hd_ticket_cust_status_act"),
            models.Index(
                fields=["customer", "department", "lastactivity"], name="hd_ticket_cust_dept_act"
            ),
            models.Index(
                fields=["customer", "priority", "lastactivity"], name="hd_ticket_cust_prio_act"
            ),
        ]

    def __str__(self):
        return f"[{self.mask}] {self.subject}"


class TicketPost(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="posts")
    created = models.DateTimeField(_("date"), default=timezone.now)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fullname = models.CharField(_("author"), max_length=255)
    email = models.EmailField(_("email"), blank=True)
    contents = models.TextField(_("contents"))
    ishtml = models.BooleanField(_("HTML"), default=False)
    editedby = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    editeddate = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("post")

    def __str__(self):
        return f"{self.fullname} on {self.ticket.mask}"


def attachment_path(instance, filename):
    return f"helpdesk/attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    post = models.ForeignKey(TicketPost, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    name = models.CharField(_("name"), max_length=255)
    mimetype = models.CharField(_("MIME type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")

    def __str__(self):
        return self.name


class CustomFieldValue(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="customvalues")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE)
    value = models.TextField(_("value"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="helpdesk_cfvalue_unique")
        ]
        verbose_name = _("custom field value")

    def __str__(self):
        return f"{self.field}: {self.value}"


class Notification(models.Model):
    """A mail to a ticket's customer (helpdesk/notifications.py): written in the transaction of what
    it announces, sent by the helpdesk's task worker, tried again until it goes out."""

    class Event(models.TextChoices):
        CREATED = "created", _("Ticket received")
        REPLY = "reply", _("Staff reply")
        STATUS = "status", _("Status changed")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    post = models.ForeignKey(TicketPost, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The status it announces (with a reply: the status the same change gave the ticket, if announced).
    status = models.ForeignKey(Status, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When it is due; a worker that takes it moves this to its next try, so a killed worker's mail
    # is found by the next run then.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("mail to a customer")
        verbose_name_plural = _("mails to customers")

    def __str__(self):
        return f"{self.get_event_display()}: {self.ticket.mask}"
