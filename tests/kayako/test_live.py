"""kayako against the live embedded helpdesk: every function, typed results, errors."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

import kayako
from helpdesk.models import (
    Attachment,
    Customer,
    CustomField,
    Department,
    KnowledgeBaseArticle,
    Priority,
    Status,
    Ticket,
)
from kayako import config, wire
from kayako.models import ApiConnection

DEMO = "demo@example.com"


@pytest.fixture
def soap_calls(caplog):
    """The names of the SOAP calls the portal made during the test, from its call log."""
    caplog.set_level(logging.INFO, logger="kayako")
    return lambda: [r.getMessage().split()[1] for r in caplog.records if r.name == "kayako"]


def test_knowledge_base_functions(demo):
    root = kayako.get_knowledge_base_categories()
    assert [c.title for c in root.categories] == ["Getting started", "Account and billing", "Troubleshooting"]
    assert root.breadcrumbs == ()
    nested = kayako.get_knowledge_base_categories(category_id=root.categories[0].id)
    assert [b.title for b in nested.breadcrumbs] == ["Getting started"]
    articles = kayako.get_knowledge_base_articles(category_id=0)
    assert all(isinstance(a, kayako.ArticleSummary) and 1 <= a.rating <= 5 for a in articles)
    article = kayako.get_knowledge_base_article(article_id=articles[0].id)
    assert article.id == articles[0].id and article.title == articles[0].subject
    assert isinstance(article.date, datetime) and article.date.tzinfo == UTC
    with pytest.raises(kayako.NotFound) as missing:
        kayako.get_knowledge_base_article(article_id=999_999)
    assert missing.value.code == -21
    with pytest.raises(kayako.NotFound):
        kayako.get_knowledge_base_categories(category_id=999_999)


def test_rating_and_comment_invalidate_the_cached_article(demo, soap_calls):
    article = KnowledgeBaseArticle.objects.get(subject="Installing on Windows")
    before = kayako.get_knowledge_base_article(article_id=article.pk)
    assert kayako.get_knowledge_base_article(article_id=article.pk) == before
    assert soap_calls().count("getKnowledgeBaseArticle") == 1
    assert kayako.rate_knowledge_base_article(article_id=article.pk, helpful=True) is True
    comment_id = kayako.add_knowledge_base_article_comment(article_id=article.pk, poster_name="Ana", comment="Hi")
    assert isinstance(comment_id, int) and comment_id > 0
    after = kayako.get_knowledge_base_article(article_id=article.pk)
    assert after.comments[-1].body == "Hi" and len(after.comments) == len(before.comments) + 1
    assert soap_calls().count("getKnowledgeBaseArticle") == 2
    with pytest.raises(kayako.Rejected) as empty:
        kayako.add_knowledge_base_article_comment(article_id=article.pk, poster_name="", comment="x")
    assert empty.value.code == -11 and str(empty.value.user_message) == "Enter your name and a comment."


def test_reference_data_is_typed_sorted_and_cached(demo, soap_calls):
    departments = kayako.get_department_list()
    assert [d.title for d in departments][:3] == ["General", "Technical support", "Billing"]
    assert departments[0].is_default and not departments[3].is_public
    priorities = kayako.get_priority_list()
    assert priorities[2].back_color == "#D9480F" and priorities[1].back_color == "inherit"
    statuses = kayako.get_status_list()
    assert statuses[0].title == "Open" and statuses[0].fore_color == "#5C83B4"
    technical = Department.objects.get(title="Technical support").pk
    groups = kayako.get_department_custom_fields(department_id=technical)
    platforms = next(f for g in groups for f in g.fields if f.title == "Affected platforms")
    # options come back sorted by their order, with the preselection kept
    assert [(o.value, o.selected) for o in platforms.options] == [("Web", True), ("Desktop", False), ("Mobile", False)]
    assert platforms.is_multi_valued
    for _ in range(3):
        kayako.get_department_list()
        kayako.get_priority_list()
        kayako.get_status_list()
        kayako.get_department_custom_fields(department_id=technical)
    calls = soap_calls()
    assert calls.count("getDepartmentList") == calls.count("getPriorityList") == 1
    assert calls.count("getDepartmentCustomFields") == 1


def test_ticket_lists_are_never_cached(demo, soap_calls):
    assert kayako.get_total_submitted_tickets(email=DEMO) == 30
    first = kayako.get_submitted_tickets(email=DEMO, num_per_page=5)
    again = kayako.get_submitted_tickets(email=DEMO, num_per_page=5)
    assert first == again and len(first) == 5
    assert soap_calls().count("getSubmittedTickets") == 2
    summary = first[0]
    assert isinstance(summary.last_activity, datetime) and summary.last_activity.tzinfo == UTC
    ticket = Ticket.objects.get(pk=summary.id)
    assert (summary.mask, summary.status_id, summary.department_id) == (ticket.mask, ticket.status_id, ticket.department_id)


def test_ticket_list_with_restrictions(demo):
    status = Ticket.objects.filter(customer__email=DEMO).first().status_id
    rows = kayako.get_submitted_tickets_with_extra_restrictions(
        email=DEMO, num_per_page=50, specific_status=status, sort_by="priorityid", order_asc=True,
        min_start_date=datetime.now(UTC) - timedelta(days=365),
    )
    assert rows and {r.status_id for r in rows} == {status}
    assert [r.priority_id for r in rows] == sorted(r.priority_id for r in rows)
    with pytest.raises(kayako.Rejected) as unknown:
        kayako.get_submitted_tickets(email="nobody@example.com")
    assert unknown.value.code == -3
    with pytest.raises(kayako.Rejected) as bad_sort:
        kayako.get_submitted_tickets(email=DEMO, sort_by="subject")
    assert bad_sort.value.code == -6


def test_submit_view_reply_update_and_attachment(demo):
    technical = Department.objects.get(title="Technical support").pk
    low = Priority.objects.get(title="Low").pk
    fields = {f.title: f.pk for f in CustomField.objects.all()}
    submitted = kayako.submit_ticket(
        email="new@example.com", department_id=technical, priority_id=low, full_name="New Person",
        subject="It broke", message="Details", send_auto=False,
        customs={fields["Product version"]: "4.3", fields["Operating system"]: "Linux",
                 fields["How often does it happen?"]: "Once", fields["Affected platforms"]: ["Web", "Mobile"]},
    )
    assert isinstance(submitted, kayako.SubmittedTicket) and submitted.mask
    ticket = kayako.get_submitted_ticket(email="new@example.com", ticket_id=submitted.id)
    assert ticket.subject == "It broke" and ticket.posts[0].contents == "Details"
    values = {f.name: f for g in ticket.custom for f in g.fields}
    assert values["Affected platforms"].values == ["Web", "Mobile"]
    assert kayako.post_ticket_reply(email="new@example.com", ticket_id=submitted.id, reply="More") is True
    closed = Status.objects.get(title="Closed").pk
    assert kayako.update_ticket_properties(email="new@example.com", ticket_id=submitted.id, new_status=closed)
    assert kayako.set_custom_field_value(ticket_id=submitted.id, custom_field_id=fields["Product version"], value="5")
    ticket = kayako.get_submitted_ticket(email="new@example.com", ticket_id=submitted.id)
    assert ticket.status_id == closed and [p.contents for p in ticket.posts] == ["Details", "More"]
    with pytest.raises(kayako.NotFound):
        kayako.get_submitted_ticket(email=DEMO, ticket_id=submitted.id)


def test_attachment_info_and_stream(demo):
    attachment = Attachment.objects.filter(ticket__customer__email=DEMO).first()
    info = kayako.get_ticket_attachment(email=DEMO, ticket_id=attachment.ticket_id, attachment_id=attachment.pk)
    assert (info.name, info.mime_type, info.size) == (attachment.name, attachment.mimetype, attachment.size)
    stream = kayako.open_attachment_stream(info.url)
    assert b"".join(stream.chunks(1024)) == attachment.file.open("rb").read()
    with pytest.raises(kayako.NotFound) as missing:
        kayako.get_ticket_attachment(email=DEMO, ticket_id=attachment.ticket_id, attachment_id=999_999)
    assert missing.value.code == -19


def test_update_email_address(demo):
    assert kayako.update_email_address(old_email=DEMO, new_email="dana@example.org") is True
    assert Customer.objects.filter(email="dana@example.org").exists()
    with pytest.raises(kayako.Rejected) as unknown:
        kayako.update_email_address(old_email=DEMO, new_email="x@example.org")
    assert unknown.value.code == -3


def use_stored_password(password: str) -> None:
    """The client's password as an admin stores it (the server keeps checking the environment's)."""
    connection = ApiConnection()
    connection.password = password
    connection.save()
    config.invalidate()


def test_wrong_credentials_are_rejected_with_their_meaning(demo):
    use_stored_password("wrong")
    with pytest.raises(kayako.Rejected) as refused:
        kayako.ping()
    assert refused.value.code == -1
    assert refused.value.meaning == "The API username and password are not valid"


def test_no_log_record_carries_the_password(demo, caplog):
    caplog.set_level(logging.DEBUG)
    kayako.get_department_list()
    kayako.get_submitted_tickets(email=DEMO)
    use_stored_password("the-wrong-s3cret")
    with pytest.raises(kayako.Rejected):
        kayako.get_total_submitted_tickets(email=DEMO)
    text = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    assert "kayako getDepartmentList ok" in text
    assert "the-wrong-s3cret" not in text and "demo-api-password" not in text


def test_ticket_count_is_cached_per_customer_and_read_again_after_a_submission(demo, soap_calls, monkeypatch):
    assert kayako.get_total_submitted_tickets(email=DEMO) == 30
    assert kayako.get_total_submitted_tickets(email=DEMO.upper()) == 30
    assert soap_calls().count("getTotalSubmittedTickets") == 1
    with pytest.raises(kayako.Rejected):  # another customer never gets this customer's entry
        kayako.get_total_submitted_tickets(email="nobody@example.com")
    billing = Department.objects.get(title="Billing").pk
    kayako.submit_ticket(email=DEMO, department_id=billing, priority_id=Priority.objects.first().pk,
                         full_name="Dana Demo", subject="One more", message="Hello", send_auto=False)

    def unreachable(*args):
        raise kayako.Unavailable("connection refused")

    # The helpdesk gone right after the submission: the page still has the count it had, as of then.
    monkeypatch.setattr(wire, "_post", unreachable)
    with kayako.page_scope():
        assert kayako.get_total_submitted_tickets(email=DEMO) == 30
        assert kayako.stale_as_of() is not None
    monkeypatch.undo()
    assert kayako.get_total_submitted_tickets(email=DEMO) == 31
    assert kayako.get_total_submitted_tickets(email=DEMO) == 31
    # theirs, nobody's, the submission, the one that found the helpdesk gone, the one after it; then cached
    assert soap_calls() == ["getTotalSubmittedTickets"] * 2 + ["submitTicket"] + ["getTotalSubmittedTickets"] * 2
