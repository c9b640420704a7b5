"""The embedded helpdesk against the reference: every function's shape and every error code it
can return, driven through zeep over the live SOAP endpoint."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk.models import (
    Attachment,
    Customer,
    CustomField,
    Department,
    KnowledgeBaseArticle,
    KnowledgeBaseCategory,
    Priority,
    Status,
    Ticket,
)

from .conftest import LIST_DEFAULTS

DEMO = "demo@example.com"


def dept(title):
    return Department.objects.get(title=title).pk


def field(title):
    return CustomField.objects.get(title=title).pk


def technical_customs(**overrides):
    values = {
        "Product version": "4.3", "Operating system": "macOS", "How often does it happen?": "Every time",
        **overrides,
    }
    return {"item": [{"id": field(title), "value": value} for title, value in values.items() if value is not None]}


def other_customers_ticket():
    other = Customer.objects.create(email="other@example.com", fullname="Other", password="!")
    ticket = Ticket.objects.filter(customer__email=DEMO).first()
    return Ticket.objects.create(
        mask="OTH-000001", customer=other, department_id=ticket.department_id, status_id=ticket.status_id,
        priority_id=ticket.priority_id, subject="Not yours",
    )


# --- credentials ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation,params",
    [
        ("getDepartmentList", {}),
        ("getKnowledgeBaseCategories", {"categoryId": 0}),
        ("getTotalSubmittedTickets", {"email": DEMO}),
        ("updateEmailAddress", {"oldEmail": DEMO, "newEmail": "x@example.com"}),
    ],
)
def test_wrong_credentials_are_minus_1(api, operation, params):
    assert api.error(operation, password="wrong", **params) == -1
    assert api.error(operation, user="wrong", **params) == -1


# --- knowledge base ---------------------------------------------------------------------


def test_root_categories_have_no_breadcrumbs(api):
    result = api("getKnowledgeBaseCategories", categoryId=0)
    titles = [c.title for c in result.categories.item]
    assert titles == ["Getting started", "Account and billing", "Troubleshooting"]
    assert result.breadcrumbs is None  # zeep reads an empty list as None


def test_nested_category_breadcrumbs_run_root_first(api):
    installation = KnowledgeBaseCategory.objects.get(title="Installation")
    result = api("getKnowledgeBaseCategories", categoryId=installation.pk)
    assert [c.title for c in result.categories.item] == ["Windows", "macOS"]
    assert [(b.categoryid, b.title) for b in result.breadcrumbs.item] == [
        (installation.parent_id, "Getting started"), (installation.pk, "Installation"),
    ]


def test_unknown_category_is_minus_20(api):
    assert api.error("getKnowledgeBaseCategories", categoryId=999_999) == -20
    assert api.error("getKnowledgeBaseArticles", categoryId=999_999) == -20


def test_articles_of_root_and_category_with_ratings(api):
    root = api("getKnowledgeBaseArticles", categoryId=0)
    assert {a.subject for a in root} == {"Welcome to the help centre", "Our support hours"}
    assert all(1 <= a.rating <= 5 for a in root)
    windows = KnowledgeBaseCategory.objects.get(title="Windows")
    assert len(api("getKnowledgeBaseArticles", categoryId=windows.pk)) == 2


def test_article_has_breadcrumbs_body_date_and_comments_oldest_first(api):
    article = KnowledgeBaseArticle.objects.get(subject="Resetting a forgotten password")
    result = api("getKnowledgeBaseArticle", articleId=article.pk)
    assert result.title == article.subject
    assert "Forgot password" in result.body
    assert result.date == int(article.created.timestamp())
    assert [b.title for b in result.breadcrumbs.item] == ["Account and billing", "Passwords and sign-in"]
    assert [c.name for c in result.comments.item] == ["Maria Lopez", "Tom Becker"]
    assert result.comments.item[1].body == "The link expired after a day for me.\nStill useful!"
    assert result.rating == article.rating


def test_unknown_article_is_minus_21(api):
    assert api.error("getKnowledgeBaseArticle", articleId=999_999) == -21
    assert api.error("rateKnowledgeBaseArticle", articleId=999_999, rateType=True) == -21
    assert api.error("addKnowledgeBaseArticleComment", articleId=999_999, posterName="A", comment="B") == -21


def test_rating_moves_the_votes_and_the_rating(api):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    KnowledgeBaseArticle.objects.filter(pk=article.pk).update(helpful=0, unhelpful=0)
    assert api("rateKnowledgeBaseArticle", articleId=article.pk, rateType=False) is True
    assert api("getKnowledgeBaseArticle", articleId=article.pk).rating == 1
    for _ in range(3):
        api("rateKnowledgeBaseArticle", articleId=article.pk, rateType=True)
    article.refresh_from_db()
    assert (article.helpful, article.unhelpful) == (3, 1)
    assert api("getKnowledgeBaseArticle", articleId=article.pk).rating == 4


def test_comment_returns_its_id_and_appears_last(api):
    article = KnowledgeBaseArticle.objects.get(subject="Installing on Windows")
    comment_id = api("addKnowledgeBaseArticleComment", articleId=article.pk, posterName="Ana", comment="Great")
    assert comment_id == article.comments.last().pk
    assert api("getKnowledgeBaseArticle", articleId=article.pk).comments.item[-1].body == "Great"


@pytest.mark.parametrize("name,comment", [("", "text"), ("Ana", ""), ("   ", "text"), ("Ana", "  \n ")])
def test_empty_comment_parts_are_minus_11(api, name, comment):
    article = KnowledgeBaseArticle.objects.first()
    assert api.error("addKnowledgeBaseArticleComment", articleId=article.pk, posterName=name, comment=comment) == -11


# --- reference data ---------------------------------------------------------------------


def test_department_list(api):
    departments = api("getDepartmentList")
    assert [(d.title, d.ispublic, d.isdefault) for d in departments] == [
        ("General", True, True), ("Technical support", True, False), ("Billing", True, False),
        ("Internal escalations", False, False),
    ]
    assert [d.order for d in departments] == [0, 1, 2, 3]


def test_department_custom_fields_of_all_seven_types(api):
    groups = api("getDepartmentCustomFields", departmentId=dept("Technical support"))
    assert [g.title for g in groups] == ["Your environment", "Problem details"]
    fields = [f for g in groups for f in g.fields.item]
    assert sorted(f.fieldtype for f in fields) == [1, 2, 3, 4, 5, 6, 7]
    platforms = next(f for f in fields if f.title == "Affected platforms")
    assert platforms.options == "Desktop\nWeb\nMobile"
    assert platforms.optionorders == "2\n1\n3"
    assert platforms.optionsselected == "0\n1\n0"
    assert platforms.defaultvalue is None
    version = next(f for f in fields if f.title == "Product version")
    assert (version.defaultvalue, version.isrequired, version.options) == ("4.2", True, None)
    assert version.description == "As shown under Help, About."


def test_department_without_custom_fields_and_unknown_department(api):
    assert api("getDepartmentCustomFields", departmentId=dept("Billing")) is None  # empty
    assert api.error("getDepartmentCustomFields", departmentId=999_999) == -8


def test_priority_and_status_lists_carry_colours(api):
    priorities = api("getPriorityList")
    assert [p.title for p in priorities] == ["Low", "Medium", "High", "Critical"]
    high = priorities[2]
    assert (high.forecolor, high.backcolor, high.ispublic, high.iscustom, high.order) == (
        "#FFFFFF", "#D9480F", True, False, 3,
    )
    assert priorities[1].backcolor == "inherit"
    statuses = api("getStatusList")
    assert [(s.title, s.ispublic) for s in statuses][-1] == ("Spam", False)
    assert statuses[0].forecolor == "#5C83B4"


# --- ticket lists -----------------------------------------------------------------------


def test_total_submitted_tickets(api):
    assert api("getTotalSubmittedTickets", email=DEMO) == 30
    assert api("getTotalSubmittedTickets", email=DEMO.upper()) == 30
    assert api.error("getTotalSubmittedTickets", email="not-an-email") == -2
    assert api.error("getTotalSubmittedTickets", email="nobody@example.com") == -3


def test_ticket_list_shape_and_default_order(api):
    rows = api("getSubmittedTickets", email=DEMO, **LIST_DEFAULTS)
    assert len(rows) == 10
    activity = [r.lastactivity for r in rows]
    assert activity == sorted(activity, reverse=True)
    first = Ticket.objects.get(pk=rows[0].id)
    assert (rows[0].mask, rows[0].subject, rows[0].status, rows[0].priority, rows[0].department) == (
        first.mask, first.subject, first.status_id, first.priority_id, first.department_id,
    )
    assert rows[0].startdate == int(first.startdate.timestamp())
    assert rows[0].duetime == (int(first.duetime.timestamp()) if first.duetime else 0)


@pytest.mark.parametrize(
    "sort_by,column",
    [("lastactivity", "lastactivity"), ("lastreplier", "lastreplier"), ("ticketstatusid", "status"),
     ("priorityid", "priority"), ("departmentid", "department")],
)
@pytest.mark.parametrize("ascending", [True, False])
def test_every_sort_key_in_both_directions(api, sort_by, column, ascending):
    rows = api("getSubmittedTickets", email=DEMO, numPerPage=30, page=1, sortBy=sort_by, orderAsc=ascending)
    keys = [getattr(r, column) for r in rows]
    assert keys == sorted(keys, reverse=not ascending)
    assert len(rows) == 30


def test_pages_do_not_overlap_and_end(api):
    pages = [
        [r.id for r in api("getSubmittedTickets", email=DEMO, numPerPage=7, page=n, sortBy="lastactivity",
                           orderAsc=False)]
        for n in range(1, 6)
    ]
    seen = [i for page in pages for i in page]
    assert len(seen) == len(set(seen)) == 30
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]


@pytest.mark.parametrize(
    "params,code",
    [({"numPerPage": 0}, -4), ({"page": 0}, -5), ({"page": -1}, -5), ({"sortBy": "subject"}, -6),
     ({"email": "bad"}, -2), ({"email": "nobody@example.com"}, -3)],
)
def test_list_errors(api, params, code):
    request = {"email": DEMO, **LIST_DEFAULTS, **params}
    assert api.error("getSubmittedTickets", **request) == code
    assert api.error("getSubmittedTicketsWithExtraRestrictions", **{**request, **{
        k: v for k, v in api_restrictions().items() if k not in request}}) == code


def api_restrictions():
    from .conftest import RESTRICTION_DEFAULTS

    return RESTRICTION_DEFAULTS


def test_extra_restrictions_filter_by_department_status_and_priority(api):
    ticket = Ticket.objects.filter(customer__email=DEMO).first()
    for param, column in (("specificDepartment", "department"), ("specificStatus", "status"),
                          ("specificPriority", "priority")):
        value = getattr(ticket, f"{column}_id")
        rows = api.tickets(DEMO, numPerPage=100, **{param: value})
        expected = Ticket.objects.filter(customer__email=DEMO, **{f"{column}_id": value}).count()
        assert len(rows) == expected > 0
        assert {getattr(r, column) for r in rows} == {value}


def test_extra_restrictions_filter_by_dates(api):
    tickets = Ticket.objects.filter(customer__email=DEMO).order_by("startdate")
    middle = tickets[15]
    start = int(middle.startdate.timestamp())
    newer = api.tickets(DEMO, numPerPage=100, minStartDate=start)
    assert {r.id for r in newer} == {t.pk for t in tickets if t.startdate.timestamp() >= start}
    older = api.tickets(DEMO, numPerPage=100, maxLastActivity=int(middle.lastactivity.timestamp()))
    assert older and all(r.lastactivity <= int(middle.lastactivity.timestamp()) for r in older)
    due = Ticket.objects.filter(customer__email=DEMO, duetime__isnull=False).order_by("duetime")
    low, high = int(due[1].duetime.timestamp()), int(due[3].duetime.timestamp())
    in_range = api.tickets(DEMO, numPerPage=100, minDueDate=low, maxDueDate=high)
    assert sorted(r.id for r in in_range) == sorted(t.pk for t in due[1:4])


def test_extra_restrictions_combine(api):
    ticket = Ticket.objects.filter(customer__email=DEMO).first()
    rows = api.tickets(
        DEMO, numPerPage=100, specificDepartment=ticket.department_id, specificStatus=ticket.status_id,
        sortBy="priorityid", orderAsc=True,
    )
    expected = Ticket.objects.filter(
        customer__email=DEMO, department_id=ticket.department_id, status_id=ticket.status_id
    ).count()
    assert len(rows) == expected
    assert [r.priority for r in rows] == sorted(r.priority for r in rows)


# --- one ticket -------------------------------------------------------------------------


def test_ticket_with_posts_attachments_and_custom_values(api):
    ticket = Ticket.objects.filter(customer__email=DEMO, attachments__isnull=False).distinct().first()
    result = api("getSubmittedTicket", email=DEMO, ticketId=ticket.pk)
    assert (result.id, result.mask, result.subject) == (ticket.pk, ticket.mask, ticket.subject)
    posts = result.posts.item
    assert [p.id for p in posts] == sorted(p.id for p in posts)
    assert posts[0].staffid == 0 and posts[0].userid == ticket.customer_id and posts[0].email == DEMO
    assert posts[0].edited is False and posts[0].editeddate == 0
    attachment = posts[0].attachments.item[0]
    stored = Attachment.objects.get(pk=attachment.id)
    assert (attachment.name, attachment.type, attachment.size) == (stored.name, "text/plain", stored.size)
    if len(posts) > 1:
        assert posts[1].staffid != 0 and posts[1].ishtml is True


def test_ticket_custom_values_grouped(api):
    response = api.submit(departmentId=dept("Technical support"), customs=technical_customs(
        **{"Affected components": "Sync\nSharing"}))
    result = api("getSubmittedTicket", email="new.customer@example.com", ticketId=response.id)
    values = {f.name: (f.type, f.value) for g in result.custom.item for f in g.fields.item}
    assert values["Affected components"] == (4, "Sync\nSharing")
    assert values["Operating system"] == (6, "macOS")
    assert [g.title for g in result.custom.item] == ["Your environment", "Problem details"]


def test_ticket_errors(api):
    mine = Ticket.objects.filter(customer__email=DEMO).first()
    assert api.error("getSubmittedTicket", email=DEMO, ticketId=999_999) == -13
    assert api.error("getSubmittedTicket", email="other@example.com", ticketId=mine.pk) == -14
    assert api.error("getSubmittedTicket", email="bad", ticketId=mine.pk) == -2


# --- submitting -------------------------------------------------------------------------


def test_submit_creates_customer_ticket_and_auto_response(api, worker, settings):
    result = api.submit(sendAuto=True)
    ticket = Ticket.objects.get(pk=result.id)
    assert result.mask == ticket.mask
    assert len(ticket.mask) == 10 and ticket.mask[3] == "-" and ticket.mask[4:].isdigit()
    assert ticket.customer.fullname == "New Customer"
    assert ticket.lastreplier == "New Customer"
    assert ticket.posts.get().contents == "It is on fire."
    assert ticket.status.ispublic and ticket.status.meaning == "open"
    assert mail.outbox == []  # the helpdesk's worker sends it, not the API call
    worker()
    assert len(mail.outbox) == 1 and ticket.mask in mail.outbox[0].subject
    assert mail.outbox[0].to == ["new.customer@example.com"]
    assert f"{settings.PORTAL_PUBLIC_URL}/tickets/{ticket.pk}/" in mail.outbox[0].body


def test_submit_without_auto_response_sends_no_mail(api, worker):
    api.submit(sendAuto=False)
    worker()
    assert mail.outbox == []


def test_submit_for_existing_customer_keeps_one_customer(api):
    api.submit(email=DEMO.upper(), fullName="Someone Else")
    assert Customer.objects.filter(email__iexact=DEMO).count() == 1
    assert api("getTotalSubmittedTickets", email=DEMO) == 31


def test_submit_password_types(api):
    api.submit(email="plain@example.com", passType=0, **{"pass": "s3cret-pass"})
    api.submit(email="md5@example.com", passType=1, **{"pass": "5f4dcc3b5aa765d61d8327deb882cf99"})
    api.submit(email="blank@example.com", passType=0, **{"pass": ""})
    plain = Customer.objects.get(email="plain@example.com")
    assert plain.password and "s3cret-pass" not in plain.password
    assert Customer.objects.get(email="md5@example.com").password.startswith("md5wrapped$")
    assert Customer.objects.get(email="blank@example.com").password.startswith("!")


def test_sequential_numbering_makes_the_mask_the_id(api, settings):
    settings.HELPDESK_TICKET_NUMBERING = "sequential"
    result = api.submit()
    assert result.mask == str(result.id)


@pytest.mark.parametrize(
    "params,code",
    [
        ({"email": "not an email"}, -2),
        ({"passType": 2}, -7),
        ({"departmentId": 999_999}, -8),
        ({"priorityId": 999_999}, -9),
        ({"subject": "  "}, -10),
        ({"message": ""}, -10),
        ({"fullName": ""}, -10),
    ],
)
def test_submit_errors(api, params, code):
    assert api.error("submitTicket", **{**submit_base(), **params}) == code
    assert not Customer.objects.filter(email="new.customer@example.com").exists()


def test_submit_without_customs_to_a_department_with_a_required_field_is_refused(api):
    assert api.error("submitTicket", **{**submit_base(), "departmentId": dept("Technical support")}) == -25
    assert not Ticket.objects.filter(subject="Printer on fire").exists()


def test_a_new_ticket_gets_the_first_public_open_status(api):
    Status.objects.create(title="Triage, staff only", meaning=Status.Meaning.OPEN, ispublic=False, displayorder=-2)
    Status.objects.create(title="Closed early", meaning=Status.Meaning.CLOSED, ispublic=True, displayorder=-3)
    chosen = Status.objects.create(title="Triage", meaning=Status.Meaning.OPEN, ispublic=True, displayorder=-1)
    result = api.submit()
    assert Ticket.objects.get(pk=result.id).status == chosen


def submit_base():
    from .conftest import SUBMIT_DEFAULTS

    return {
        "email": "new.customer@example.com", "departmentId": dept("Billing"), "priorityId": Priority.objects.first().pk,
        "fullName": "New Customer", "subject": "Printer on fire", "message": "It is on fire.", **SUBMIT_DEFAULTS,
    }


def test_submit_custom_field_errors_leave_nothing_behind(api):
    technical = dept("Technical support")
    before = Ticket.objects.count()
    assert api.error("submitTicket", **{**submit_base(), "departmentId": technical,
                                        "customs": {"item": [{"id": 999_999, "value": "x"}]}}) == -24
    assert api.error("submitTicket", **{**submit_base(), "departmentId": dept("Billing"),
                                        "customs": technical_customs()}) == -23
    assert api.error("submitTicket", **{**submit_base(), "departmentId": technical,
                                        "customs": technical_customs(**{"Product version": " "})}) == -25
    assert api.error("submitTicket", **{**submit_base(), "departmentId": technical,
                                        "customs": technical_customs(**{"Product version": None})}) == -25
    assert api.error("submitTicket", **{**submit_base(), "departmentId": technical,
                                        "customs": technical_customs(**{"Operating system": "BeOS"})}) == -24
    assert Ticket.objects.count() == before
    assert not Customer.objects.filter(email="new.customer@example.com").exists()


def test_submit_with_attachments_by_url(api, file_server):
    file_server.files["/a.txt"] = b"first file"
    file_server.files["/b.bin"] = b"\x00\x01second"
    result = api.submit(attachments={"item": [
        {"name": "a.txt", "type": "text/plain", "url": f"{file_server.url}/a.txt"},
        {"name": "../../etc/b.bin", "type": "application/octet-stream", "url": f"{file_server.url}/b.bin"},
    ]})
    stored = Attachment.objects.filter(ticket_id=result.id).order_by("id")
    assert [(a.name, a.size) for a in stored] == [("a.txt", 10), ("b.bin", 8)]
    assert stored[1].file.read() == b"\x00\x01second"


def test_an_attachment_whose_name_leaves_nothing_is_kept_as_attachment(api, file_server):
    """The API takes files by URL: a name is only a label, and a ticket is not refused over one."""
    file_server.files["/f"] = b"content"
    names = [f"part-{n}.txt" for n in range(8)] + ["..", "/"]
    result = api.submit(attachments={"item": [
        {"name": name, "type": "text/plain", "url": f"{file_server.url}/f"} for name in names]})
    stored = Attachment.objects.filter(ticket_id=result.id)
    assert sorted(a.name for a in stored) == sorted([*names[:8], "attachment", "attachment"])


@pytest.mark.parametrize("url", ["{server}/missing.txt", "file:///etc/passwd", "http://localhost:1/x.txt",
                                 "ftp://127.0.0.1/x.txt", "not a url"])
def test_unfetchable_attachment_is_minus_22_and_leaves_nothing(api, file_server, url):
    file_server.files["/ok.txt"] = b"ok"
    attachments = {"item": [
        {"name": "ok.txt", "type": "text/plain", "url": f"{file_server.url}/ok.txt"},
        {"name": "x.txt", "type": "text/plain", "url": url.format(server=file_server.url)},
    ]}
    tickets_before = Ticket.objects.count()
    assert api.error("submitTicket", **{**submit_base(), "attachments": attachments}) == -22
    assert not Customer.objects.filter(email="new.customer@example.com").exists()
    assert Ticket.objects.count() == tickets_before
    assert not Attachment.objects.filter(name="ok.txt").exists()


def test_oversized_attachment_is_minus_22(api, file_server, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 100
    file_server.files["/big.bin"] = b"x" * 101
    attachments = {"item": [{"name": "big.bin", "type": "x/y", "url": f"{file_server.url}/big.bin"}]}
    assert api.error("submitTicket", **{**submit_base(), "attachments": attachments}) == -22


# --- replying and changing ---------------------------------------------------------------


def test_reply_moves_last_activity_and_last_replier(api, file_server):
    ticket = Ticket.objects.filter(customer__email=DEMO).order_by("lastactivity").first()
    Ticket.objects.filter(pk=ticket.pk).update(lastreplier="Sam Support", lastactivity=timezone.now() - timedelta(days=9))
    file_server.files["/log.txt"] = b"log"
    attachments = {"item": [{"name": "log.txt", "type": "text/plain", "url": f"{file_server.url}/log.txt"}]}
    assert api("postTicketReply", email=DEMO, ticketId=ticket.pk, reply="More details", attachments=attachments)
    ticket.refresh_from_db()
    assert ticket.lastreplier == "Dana Demo"
    assert timezone.now() - ticket.lastactivity < timedelta(minutes=1)
    last = ticket.posts.last()
    assert last.contents == "More details" and last.attachments.get().name == "log.txt"


def test_reply_errors(api):
    mine = Ticket.objects.filter(customer__email=DEMO).first()
    theirs = other_customers_ticket()
    empty = {"item": []}
    assert api.error("postTicketReply", email="bad", ticketId=mine.pk, reply="x", attachments=empty) == -2
    assert api.error("postTicketReply", email=DEMO, ticketId=mine.pk, reply=" \n", attachments=empty) == -12
    assert api.error("postTicketReply", email=DEMO, ticketId=999_999, reply="x", attachments=empty) == -13
    assert api.error("postTicketReply", email=DEMO, ticketId=theirs.pk, reply="x", attachments=empty) == -14
    bad = {"item": [{"name": "x", "type": "x/y", "url": "file:///etc/passwd"}]}
    before = mine.posts.count()
    assert api.error("postTicketReply", email=DEMO, ticketId=mine.pk, reply="x", attachments=bad) == -22
    assert mine.posts.count() == before


def test_update_ticket_properties(api):
    ticket = Ticket.objects.filter(customer__email=DEMO).first()
    closed = Status.objects.get(title="Closed")
    high = Priority.objects.get(title="High")
    assert api("updateTicketProperties", email=DEMO, ticketId=ticket.pk, newStatus=closed.pk, newPriority=0)
    assert api("updateTicketProperties", email=DEMO, ticketId=ticket.pk, newStatus=0, newPriority=high.pk)
    ticket.refresh_from_db()
    assert (ticket.status_id, ticket.priority_id) == (closed.pk, high.pk)


def test_update_ticket_properties_errors(api):
    mine = Ticket.objects.filter(customer__email=DEMO).first()
    theirs = other_customers_ticket()
    status = Status.objects.first().pk
    assert api.error("updateTicketProperties", email="x", ticketId=mine.pk, newStatus=status, newPriority=0) == -2
    assert api.error("updateTicketProperties", email=DEMO, ticketId=999_999, newStatus=status, newPriority=0) == -13
    assert api.error("updateTicketProperties", email=DEMO, ticketId=theirs.pk, newStatus=status, newPriority=0) == -14
    assert api.error("updateTicketProperties", email=DEMO, ticketId=mine.pk, newStatus=0, newPriority=0) == -16
    assert api.error("updateTicketProperties", email=DEMO, ticketId=mine.pk, newStatus=999_999, newPriority=0) == -17
    assert api.error("updateTicketProperties", email=DEMO, ticketId=mine.pk, newStatus=0, newPriority=999_999) == -18


def test_set_custom_field_value(api):
    response = api.submit(departmentId=dept("Technical support"), customs=technical_customs())
    assert api("setCustomFieldValue", typeid=response.id, customField=field("Affected platforms"), value="Web\nMobile")
    assert api("setCustomFieldValue", typeid=response.id, customField=field("Product version"), value="5.0")
    values = {
        f.name: f.value
        for g in api("getSubmittedTicket", email="new.customer@example.com", ticketId=response.id).custom.item
        for f in g.fields.item
    }
    assert values["Affected platforms"] == "Web\nMobile" and values["Product version"] == "5.0"


def test_set_custom_field_value_errors(api):
    response = api.submit(departmentId=dept("Technical support"), customs=technical_customs())
    assert api.error("setCustomFieldValue", typeid=999_999, customField=field("Product version"), value="1") == -26
    assert api.error("setCustomFieldValue", typeid=response.id, customField=999_999, value="1") == -24
    assert api.error("setCustomFieldValue", typeid=response.id, customField=field("Product version"), value="") == -25
    assert api.error("setCustomFieldValue", typeid=response.id, customField=field("Operating system"),
                     value="BeOS") == -24


def test_ticket_attachment_url_serves_the_content(api):
    import requests

    attachment = Attachment.objects.filter(ticket__customer__email=DEMO).first()
    info = api("getTicketAttachment", email=DEMO, ticketId=attachment.ticket_id, attachmentId=attachment.pk)
    assert (info.name, info.type, info.size) == (attachment.name, attachment.mimetype, attachment.size)
    assert "index.php?getattachment=" in info.url
    download = requests.get(info.url, timeout=5)
    assert download.status_code == 200
    assert download.content == attachment.file.open("rb").read()
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    tampered = requests.get(info.url[:-3] + "abc", timeout=5)
    assert tampered.status_code == 404 and b"Fault" in tampered.content


def test_expired_attachment_url_is_refused(api, settings):
    import requests

    attachment = Attachment.objects.filter(ticket__customer__email=DEMO).first()
    info = api("getTicketAttachment", email=DEMO, ticketId=attachment.ticket_id, attachmentId=attachment.pk)
    settings.HELPDESK_ATTACHMENT_URL_TTL = -1
    assert requests.get(info.url, timeout=5).status_code == 404


def test_ticket_attachment_errors(api):
    attachment = Attachment.objects.filter(ticket__customer__email=DEMO).first()
    other = Ticket.objects.filter(customer__email=DEMO).exclude(pk=attachment.ticket_id).first()
    theirs = other_customers_ticket()
    t = attachment.ticket_id
    assert api.error("getTicketAttachment", email="x", ticketId=t, attachmentId=attachment.pk) == -2
    assert api.error("getTicketAttachment", email=DEMO, ticketId=999_999, attachmentId=attachment.pk) == -13
    assert api.error("getTicketAttachment", email=DEMO, ticketId=theirs.pk, attachmentId=attachment.pk) == -14
    assert api.error("getTicketAttachment", email=DEMO, ticketId=other.pk, attachmentId=attachment.pk) == -19
    assert api.error("getTicketAttachment", email=DEMO, ticketId=t, attachmentId=999_999) == -19


def test_update_email_address(api):
    assert api("updateEmailAddress", oldEmail=DEMO, newEmail="dana@example.org")
    assert api("getTotalSubmittedTickets", email="dana@example.org") == 30
    assert api.error("getTotalSubmittedTickets", email=DEMO) == -3
    # a change of case only is the same customer
    assert api("updateEmailAddress", oldEmail="dana@example.org", newEmail="Dana@Example.org")


def test_update_email_address_errors(api):
    other_customers_ticket()
    assert api.error("updateEmailAddress", oldEmail="bad", newEmail="x@example.com") == -2
    assert api.error("updateEmailAddress", oldEmail=DEMO, newEmail="bad") == -2
    assert api.error("updateEmailAddress", oldEmail="nobody@example.com", newEmail="x@example.com") == -3
    assert api.error("updateEmailAddress", oldEmail=DEMO, newEmail="OTHER@example.com") == -15
    assert api("getTotalSubmittedTickets", email=DEMO) == 30
