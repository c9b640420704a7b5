"""Demo data for the embedded helpdesk and the portal; running it twice changes nothing.

`seed_demo` fills an empty helpdesk; `seed_demo --tickets N --email E` adds N tickets for one
customer in bulk (for benchmarks).
"""

import random
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from helpdesk import api
from helpdesk.demo_content import ARTICLES, COMMENTS
from helpdesk.models import (
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
    Priority,
    Status,
    Ticket,
    TicketPost,
)

DEMO_EMAIL = "demo@example.com"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password-2026"
DEMO_NAME = "Dana Demo"
STAFF_USERNAME = "staff"
STAFF_PASSWORD = "staff-password-2026"
BULK_BATCH = 5000

SUBJECTS = [
    "Cannot sign in after password change", "Invoice shows the wrong address", "Sync stuck at 99%",
    "Feature request: dark mode", "App crashes when opening large files", "VPN blocks uploads",
    "Question about annual billing", "Notifications arrive late", "Installer stops at 90%",
    "How do I invite a colleague?",
]


class Command(BaseCommand):
    help = "Create the demo helpdesk (KB, departments, custom fields, a demo customer with tickets)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=0, help="add this many tickets in bulk")
        parser.add_argument("--email", default=DEMO_EMAIL, help="the customer who gets them")

    def handle(self, *args, tickets, email, **options):
        if tickets:
            self._bulk_tickets(tickets, email)
            return
        with transaction.atomic():
            created = self._reference_data()
            if created:
                self._knowledge_base()
                self._demo_customer_tickets()
            self._accounts()
        self.stdout.write(self.style.SUCCESS("Demo data ready." if created else "Demo data already present."))

    # --- reference data ---

    def _reference_data(self) -> bool:
        if Department.objects.exists():
            return False
        for order, (title, public, default) in enumerate(
            [("General", True, True), ("Technical support", True, False), ("Billing", True, False),
             ("Internal escalations", False, False)]
        ):
            Department.objects.create(title=title, ispublic=public, isdefault=default, displayorder=order)
        for order, (title, fore, back, public) in enumerate(
            [("Low", "#4A4A4A", "#E8F4EA", True), ("Medium", "#000000", "inherit", True),
             ("High", "#FFFFFF", "#D9480F", True), ("Critical", "#FFFFFF", "#A61E4D", False)], start=1
        ):
            Priority.objects.create(title=title, displayorder=order, forecolor=fore, backcolor=back, ispublic=public)
        M = Status.Meaning
        for order, (title, fore, public, meaning) in enumerate(
            [("Open", "#5C83B4", True, M.OPEN), ("In progress", "#8BB467", True, M.IN_PROGRESS),
             ("Waiting for customer", "#B48B2E", True, M.WAITING), ("Closed", "#CF5D60", True, M.CLOSED),
             ("Spam", "#777777", False, M.CLOSED)], start=1
        ):
            Status.objects.create(title=title, displayorder=order, forecolor=fore, ispublic=public, meaning=meaning)
        self._custom_fields()
        return True

    def _custom_fields(self):
        technical = Department.objects.get(title="Technical support")
        general = Department.objects.get(title="General")
        environment = CustomFieldGroup.objects.create(title="Your environment", displayorder=1)
        environment.departments.add(technical, general)
        details = CustomFieldGroup.objects.create(title="Problem details", displayorder=2)
        details.departments.add(technical)
        T = CustomField.FieldType
        fields = [
            (environment, "Product version", T.TEXT, "4.2", "As shown under Help, About.", True, []),
            (environment, "Operating system", T.SELECT, "", "", True,
             [("Windows 11", 1, True), ("macOS", 2, False), ("Linux", 3, False)]),
            (environment, "Affected components", T.CHECKBOX, "", "Tick every part that misbehaves.", False,
             [("Sync", 1, True), ("Editor", 2, False), ("Sharing", 3, False)]),
            (details, "Steps to reproduce", T.TEXTAREA, "", "What did you do, what happened?", False, []),
            (details, "How often does it happen?", T.RADIO, "", "", True,
             [("Every time", 1, False), ("Sometimes", 2, True), ("Once", 3, False)]),
            (details, "Affected platforms", T.SELECT_MULTIPLE, "", "", False,
             [("Desktop", 2, False), ("Web", 1, True), ("Mobile", 3, False)]),
            (details, "Licence key", T.PASSWORD, "", "Only if support asked for it.", False, []),
        ]
        for order, (group, title, kind, default, description, required, options) in enumerate(fields, start=1):
            field = CustomField.objects.create(
                group=group, title=title, fieldtype=kind, defaultvalue=default, description=description,
                isrequired=required, displayorder=order,
            )
            CustomFieldOption.objects.bulk_create(
                CustomFieldOption(field=field, value=value, displayorder=o, isselected=selected)
                for value, o, selected in options
            )

    # --- knowledge base ---

    def _knowledge_base(self):
        categories: dict[tuple, KnowledgeBaseCategory] = {}
        now = timezone.now()
        for index, (path, subject, body) in enumerate(ARTICLES):
            parent = None
            for depth in range(1, len(path) + 1):
                key = path[:depth]
                if key not in categories:
                    categories[key] = KnowledgeBaseCategory.objects.create(
                        parent=parent, title=key[-1], displayorder=len(categories)
                    )
                parent = categories[key]
            article = KnowledgeBaseArticle.objects.create(
                category=parent, subject=subject, body=body, created=now - timedelta(days=200 - index * 7),
                helpful=random.randint(3, 40), unhelpful=random.randint(0, 10),
            )
            for offset, (name, text) in enumerate(COMMENTS.get(subject, [])):
                KnowledgeBaseComment.objects.create(
                    article=article, name=name, body=text, created=article.created + timedelta(days=offset + 1)
                )

    # --- customers and tickets ---

    def _demo_customer_tickets(self):
        customer = Customer.objects.create(email=DEMO_EMAIL, fullname=DEMO_NAME, password=make_password(DEMO_PASSWORD))
        departments = list(Department.objects.filter(ispublic=True))
        statuses = list(Status.objects.filter(ispublic=True))
        priorities = list(Priority.objects.filter(ispublic=True))
        staff = self._staff_user()
        rng = random.Random(2026)
        now = timezone.now()
        for index in range(30):
            started = now - timedelta(days=90 - index * 3, hours=rng.randint(0, 12))
            ticket = Ticket.objects.create(
                mask=api._new_mask(), customer=customer, department=rng.choice(departments),
                status=statuses[index % len(statuses)], priority=rng.choice(priorities),
                subject=f"{SUBJECTS[index % len(SUBJECTS)]} (#{index + 1})", startdate=started,
                lastactivity=started, lastreplier=DEMO_NAME,
                duetime=started + timedelta(days=7) if index % 3 == 0 else None,
            )
            first = TicketPost.objects.create(
                ticket=ticket, created=started, customer=customer, fullname=DEMO_NAME, email=DEMO_EMAIL,
                contents=f"Hello,\n\n{ticket.subject.split(' (#')[0]}. Could you help?\n\nThanks,\nDana",
            )
            if index % 4 == 0:
                self._attach(ticket, first, f"screenshot-{index + 1}.txt", b"Diagnostic text for the demo.\n")
            if ticket.department.title == "Technical support":
                version = CustomField.objects.get(title="Product version")
                CustomFieldValue.objects.create(ticket=ticket, field=version, value="4.2.1")
            if index % 2 == 0:
                replied = started + timedelta(hours=5)
                staff_post = TicketPost.objects.create(
                    ticket=ticket, created=replied, staff=staff, fullname="Sam Support", email="sam@example.com",
                    contents="<p>Thanks for the report. Could you try the steps in "
                    "<a href=\"/kb/\">our knowledge base</a> and tell us the result?</p>",
                    ishtml=True,
                )
                if index % 6 == 0:
                    self._attach(ticket, staff_post, "instructions.txt", b"1. Restart.\n2. Try again.\n")
                Ticket.objects.filter(pk=ticket.pk).update(lastactivity=replied, lastreplier="Sam Support")

    def _attach(self, ticket, post, name, content):
        attachment = Attachment(ticket=ticket, post=post, name=name, mimetype="text/plain", size=len(content))
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()

    def _staff_user(self):
        User = get_user_model()
        staff, created = User.objects.get_or_create(
            username=STAFF_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Sam", "last_name": "Support",
                      "email": "sam@example.com"},
        )
        if created:
            staff.set_password(STAFF_PASSWORD)
            staff.save()
        return staff

    def _accounts(self):
        """The portal sign-in for the demo customer (allauth's verified address), and the staff user."""
        self._staff_user()
        User = get_user_model()
        user = User.objects.filter(email__iexact=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                username=DEMO_USERNAME, email=DEMO_EMAIL, password=DEMO_PASSWORD, first_name="Dana", last_name="Demo"
            )
        if apps.is_installed("allauth.account"):
            EmailAddress = apps.get_model("account", "EmailAddress")
            EmailAddress.objects.update_or_create(
                user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
            )

    # --- bulk ---

    def _bulk_tickets(self, count: int, email: str):
        customer = Customer.objects.filter(email__iexact=email).first() or Customer.objects.create(
            email=email, fullname=email.split("@")[0].title(), password=make_password(None)
        )
        if not Department.objects.exists():
            self._reference_data()
        departments = list(Department.objects.values_list("id", flat=True))
        statuses = list(Status.objects.values_list("id", flat=True))
        priorities = list(Priority.objects.values_list("id", flat=True))
        existing = set(Ticket.objects.values_list("mask", flat=True))
        rng = random.Random(count)
        now = timezone.now()
        made = 0
        while made < count:
            batch = []
            for _ in range(min(BULK_BATCH, count - made)):
                mask = api._new_mask()
                while mask in existing:
                    mask = api._new_mask()
                existing.add(mask)
                started = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 3))
                batch.append(Ticket(
                    mask=mask, customer=customer, department_id=rng.choice(departments),
                    status_id=rng.choice(statuses), priority_id=rng.choice(priorities),
                    subject=f"{rng.choice(SUBJECTS)} ({made + len(batch) + 1})", startdate=started,
                    lastactivity=started + timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
                    lastreplier=customer.fullname,
                ))
            with transaction.atomic():
                created = Ticket.objects.bulk_create(batch)
                if not all(t.pk for t in created):
                    masks = [t.mask for t in batch]
                    created = list(Ticket.objects.filter(mask__in=masks))
                TicketPost.objects.bulk_create(
                    TicketPost(ticket=t, created=t.startdate, customer=customer, fullname=customer.fullname,
                               email=customer.email, contents="Bulk ticket for benchmarks.")
                    for t in created
                )
            made += len(batch)
        self.stdout.write(self.style.SUCCESS(f"Added {count} tickets for {customer.email}."))
