"""What the portal keeps about tickets (the tickets themselves live in the helpdesk): uploads
staged for it to fetch, the outbox of tickets and replies on their way to it, and what the
helpdesk's statuses mean to customers' actions."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

# Letters and digits that cannot be mistaken for one another when read out or typed.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A short public reference for a submission, like "K7QM-4X2D" (40 bits)."""
    # One draw of 8 bytes, not 8 (each a system call); 256 is a multiple of the alphabet's 32 letters,
    # so every letter stays equally likely.
    letters = "".join(REFERENCE_ALPHABET[byte % len(REFERENCE_ALPHABET)] for byte in secrets.token_bytes(8))
    return f"{letters[:4]}-{letters[4:]}"


class OutboxEntry(models.Model):
    """A ticket or a reply a customer sent, stored in the request and delivered by the worker
    (tickets/outbox.py). It keeps everything needed to deliver it, to show it while it waits and
    to give it back for editing when the helpdesk refuses it."""

    class Kind(models.TextChoices):
        TICKET = "ticket", _("Ticket")
        REPLY = "reply", _("Reply")

    class Status(models.TextChoices):
        # A guest's ticket waits for its sender to open the link mailed to the address they gave.
        AWAITING_CONFIRMATION = "awaiting", _("Awaiting confirmation")
        QUEUED = "queued", _("Waiting to be delivered")
        DELIVERING = "delivering", _("Being delivered")
        DELIVERED = "delivered", _("Delivered")
        REJECTED = "rejected", _("Not accepted")
        DISCARDED = "discarded", _("Discarded")

    IN_FLIGHT = (Status.QUEUED, Status.DELIVERING)

    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    form_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    owner = models.CharField(max_length=80, db_index=True)  # as StagedUpload.owner: "user:<id>" or "session:<key>"
    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=100)
    department_id = models.PositiveIntegerField(null=True, blank=True)
    priority_id = models.PositiveIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    message = models.TextField()  # the ticket's message or the reply
    customs = models.JSONField(default=dict, blank=True)  # custom field id (as text) -> value or values
    # A reply to a ticket that is itself still in the outbox: delivered after it, to the ticket it became.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies",
                               db_index=False)  # indexed where set (Meta.indexes)
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)  # a reply's ticket; a ticket's once delivered
    ticket_mask = models.CharField(max_length=50, blank=True)
    # The language of the page it was sent from: mails about it are written in it ("": LANGUAGE_CODE).
    language = models.CharField(max_length=15, blank=True, default="")

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)  # the delivering worker's claim
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set when an attempt may have reached the helpdesk without an answer (a timeout, a dropped
    # connection, a killed worker): the next attempt looks for it there before sending again.
    unknown_since = models.DateTimeField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)  # the helpdesk's refusal
    error_message = models.TextField(blank=True)  # what the customer is told about it
    last_error = models.TextField(blank=True)  # for staff: why the last attempt failed
    flagged_at = models.DateTimeField(null=True, blank=True)  # still undelivered after a day: staff were told
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        ordering = ["-created"]
        # Every submission writes a row of each index in the request, in the database's one writer's turn
        # on SQLite: a new ticket has no ticket or parent yet, so those two are kept only where set, and
        # every query by status (the worker's claim: queued and due) finds it with its time in one index.
        # Eight indexes to five for a new ticket: its write transaction 100 -> 77 µs on SQLite.
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due"),
            models.Index(fields=["ticket_id"], condition=models.Q(ticket_id__isnull=False), name="outbox_ticket"),
            models.Index(fields=["parent"], condition=models.Q(parent__isnull=False), name="outbox_parent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT


class OutboxDrain(models.Model):
    """Whether a drain of the outbox (outbox.drain, a task) is queued, and when a failed call to the
    helpdesk paused delivery: one row. A drain already queued to run no later serves every store
    and retry that asks for one, so a backlog costs a task row per drain, not per entry."""

    SINGLETON_ID = 1

    queued_for = models.DateTimeField(null=True)  # a drain task is queued to run then (None: none is)
    # The helpdesk did not answer a delivery: no drain before then. The first delivery after it wakes
    # the entries waiting out their back-off.
    paused_until = models.DateTimeField(null=True)

    def __str__(self):
        return f"drain queued for {self.queued_for}, paused until {self.paused_until}"


class TicketWorkflow(models.Model):
    """What the helpdesk's statuses mean for customers' own actions (the API says only whether a
    status is public). One row, edited by site admins (Tickets > Ticket workflow); a status it does
    not name is taken by its title (TICKETS_OPEN_STATUS_TITLES, TICKETS_CLOSED_STATUS_TITLES).

    Close sets the first public closed status, Reopen (and a customer's reply to a closed ticket)
    the first public open one; a ticket in any closed status counts as closed."""

    class Meaning(models.TextChoices):
        OPEN = "open", _("Open: the support team has to act (Reopen sets the first of these)")
        CLOSED = "closed", _("Closed (Close sets the first of these)")
        OTHER = "other", _("Other (in progress, waiting for the customer, ...)")

    SINGLETON_ID = 1

    status_meanings = models.JSONField(_("meaning of each status"), default=dict, blank=True)  # status id (text) -> meaning
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ticket workflow")
        verbose_name_plural = _("ticket workflow")

    def __str__(self):
        return str(_("Ticket workflow"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)


class StagedUpload(models.Model):
    """A file a customer attached, kept until the helpdesk has fetched it.

    `token` (256 random bits) is the only way to its URL, which works only while `offered_until`
    is in the future: during the API call that hands it to the helpdesk.
    """

    token = models.CharField(max_length=64, unique=True)
    owner = models.CharField(max_length=80, db_index=True)  # "user:<id>" or "session:<key>"
    name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    path = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)
    offered_until = models.DateTimeField(null=True, blank=True)
    # The submission it belongs to, once sent; kept with it until it is delivered or discarded.
    entry = models.ForeignKey(OutboxEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")

    def __str__(self):
        return self.name


class IndexedTicket(models.Model):
    """A customer's ticket as the list shows it, copied from getSubmittedTickets, for searching one's
    own tickets by subject or number (the API has no search). tickets/search.py fills and reads it."""

    id = models.PositiveBigIntegerField(primary_key=True)  # the helpdesk's ticket id
    email = models.CharField(max_length=254)  # the customer's address, lower case
    mask = models.CharField(max_length=64)
    number = models.CharField(max_length=64)  # the mask in lower case, for finding a ticket by its number
    subject = models.CharField(max_length=255)
    department_id = models.IntegerField()
    status_id = models.IntegerField()
    priority_id = models.IntegerField()
    start_date = models.DateTimeField(null=True)
    last_activity = models.DateTimeField(null=True)
    due_time = models.DateTimeField(null=True)
    last_replier = models.CharField(max_length=255, blank=True)
    copied = models.DateTimeField()  # by the refresh that began then: a full refresh removes rows it did not see

    class Meta:
        indexes = [models.Index(fields=["email", "-last_activity"], name="tickets_index_by_activity"),
                   models.Index(fields=["email", "number"], name="tickets_index_by_number")]

    def __str__(self):
        return f"{self.mask}: {self.subject}"


class TicketIndexState(models.Model):
    """When a customer's tickets were last copied into the index, and when a refresh was last asked for."""

    email = models.CharField(max_length=254, unique=True)
    refreshed = models.DateTimeField(null=True)  # the start of the last complete refresh
    requested = models.DateTimeField(null=True)
    # A refresh task is queued (since then) and has not started: it covers every request until it does.
    queued = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.email}: {self.refreshed}"
