"""Each of the 19 functions of the API, once, against every peer (the function x peer table)."""

import pytest

import kayako
from helpdesk.models import (
    Attachment,
    CustomField,
    Department,
    KnowledgeBaseArticle,
    KnowledgeBaseCategory,
    KnowledgeBaseComment,
    Priority,
    Status,
    Ticket,
)

DEMO = "demo@example.com"


def technical() -> int:
    return Department.objects.get(title="Technical support").pk


def field(title: str) -> int:
    return CustomField.objects.get(title=title).pk


def demo_ticket() -> Ticket:
    return Ticket.objects.filter(customer__email=DEMO, department_id=technical()).order_by("id").first()


def check_categories():
    windows = KnowledgeBaseCategory.objects.get(title="Windows")
    listing = kayako.get_knowledge_base_categories(category_id=windows.parent_id)
    assert [b.title for b in listing.breadcrumbs] == ["Getting started", "Installation"]
    assert {c.title for c in listing.categories} == {"Windows", "macOS"}


def check_articles():
    windows = KnowledgeBaseCategory.objects.get(title="Windows")
    articles = kayako.get_knowledge_base_articles(category_id=windows.pk)
    assert {a.subject for a in articles} == {"Installing on Windows", "Fixing a stuck Windows installer"}
    assert all(1 <= a.rating <= 5 for a in articles)


def check_article():
    stored = KnowledgeBaseArticle.objects.get(subject="Resetting a forgotten password")
    article = kayako.get_knowledge_base_article(article_id=stored.pk)
    assert [c.body for c in article.comments] == [c.body for c in stored.comments.all()]
    assert article.comments[1].body == "The link expired after a day for me.\nStill useful!"
    assert [b.title for b in article.breadcrumbs] == ["Account and billing", "Passwords and sign-in"]


def check_rate():
    stored = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    assert kayako.rate_knowledge_base_article(article_id=stored.pk, helpful=False) is True
    assert KnowledgeBaseArticle.objects.get(pk=stored.pk).unhelpful == stored.unhelpful + 1


def check_comment():
    stored = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    comment_id = kayako.add_knowledge_base_article_comment(article_id=stored.pk, poster_name="Zoë", comment="Très utile")
    assert KnowledgeBaseComment.objects.get(pk=comment_id).body == "Très utile"


def check_departments():
    departments = kayako.get_department_list()
    assert [(d.title, d.is_public, d.is_default) for d in departments] == [
        ("General", True, True), ("Technical support", True, False), ("Billing", True, False),
        ("Internal escalations", False, False),
    ]


def check_custom_fields():
    groups = kayako.get_department_custom_fields(department_id=technical())
    fields = {f.title: f for g in groups for f in g.fields}
    assert sorted(f.field_type for f in fields.values()) == [1, 2, 3, 4, 5, 6, 7]
    assert fields["Product version"].default_value == "4.2" and fields["Product version"].is_required
    assert [(o.value, o.selected) for o in fields["Affected platforms"].options] == [
        ("Web", True), ("Desktop", False), ("Mobile", False)]


def check_priorities():
    priorities = kayako.get_priority_list()
    assert [(p.title, p.is_public) for p in priorities][-1] == ("Critical", False)
    assert priorities[2].back_color == "#D9480F"


def check_statuses():
    statuses = kayako.get_status_list()
    assert [s.title for s in statuses] == ["Open", "In progress", "Waiting for customer", "Closed", "Spam"]
    assert not statuses[-1].is_public


def check_total():
    assert kayako.get_total_submitted_tickets(email=DEMO) == 30


def check_list_with_restrictions():
    status = Status.objects.get(title="Open").pk
    rows = kayako.get_submitted_tickets_with_extra_restrictions(
        email=DEMO, num_per_page=50, sort_by="lastactivity", order_asc=True, specific_status=status)
    expected = Ticket.objects.filter(customer__email=DEMO, status_id=status).order_by("lastactivity", "id")
    assert [r.mask for r in rows] == [t.mask for t in expected]


def check_list():
    rows = kayako.get_submitted_tickets(email=DEMO, num_per_page=7, page=2, sort_by="departmentid", order_asc=False)
    expected = Ticket.objects.filter(customer__email=DEMO).order_by("-department_id", "-id")[7:14]
    assert [r.id for r in rows] == [t.pk for t in expected]


def check_ticket():
    stored = demo_ticket()
    ticket = kayako.get_submitted_ticket(email=DEMO, ticket_id=stored.pk)
    assert (ticket.mask, ticket.subject, ticket.status_id) == (stored.mask, stored.subject, stored.status_id)
    assert [p.contents for p in ticket.posts] == [p.contents for p in stored.posts.all()]
    assert [a.name for p in ticket.posts for a in p.attachments] == [a.name for a in stored.attachments.all()]
    with pytest.raises(kayako.NotFound):
        kayako.get_submitted_ticket(email=DEMO, ticket_id=999_999)


def check_submit():
    submitted = kayako.submit_ticket(
        email="new@example.com", department_id=technical(), priority_id=Priority.objects.get(title="Low").pk,
        full_name="Nuno Ñandú", subject="Grüße aus Köln", message="Ça ne marche pas.\nZweite Zeile",
        send_auto=False, customs={field("Product version"): "4.3", field("Operating system"): "Linux",
                                  field("How often does it happen?"): "Once",
                                  field("Affected platforms"): ["Web", "Mobile"]},
    )
    ticket = Ticket.objects.get(pk=submitted.id)
    assert (ticket.mask, ticket.subject, ticket.customer.fullname) == (submitted.mask, "Grüße aus Köln", "Nuno Ñandú")
    assert ticket.posts.get().contents == "Ça ne marche pas.\nZweite Zeile"
    assert ticket.customvalues.get(field_id=field("Affected platforms")).value == "Web\nMobile"


def check_reply():
    stored = demo_ticket()
    assert kayako.post_ticket_reply(email=DEMO, ticket_id=stored.pk, reply="Merci beaucoup") is True
    assert stored.posts.last().contents == "Merci beaucoup"


def check_properties():
    stored = demo_ticket()
    closed, high = Status.objects.get(title="Closed").pk, Priority.objects.get(title="High").pk
    assert kayako.update_ticket_properties(email=DEMO, ticket_id=stored.pk, new_status=closed, new_priority=high)
    stored.refresh_from_db()
    assert (stored.status_id, stored.priority_id) == (closed, high)


def check_custom_value():
    stored = demo_ticket()
    assert kayako.set_custom_field_value(ticket_id=stored.pk, custom_field_id=field("Affected components"),
                                         value=["Sync", "Sharing"])
    assert stored.customvalues.get(field_id=field("Affected components")).value == "Sync\nSharing"


def check_attachment():
    stored = Attachment.objects.filter(ticket__customer__email=DEMO).order_by("id").first()
    info = kayako.get_ticket_attachment(email=DEMO, ticket_id=stored.ticket_id, attachment_id=stored.pk)
    assert (info.name, info.mime_type, info.size) == (stored.name, stored.mimetype, stored.size)
    assert b"".join(kayako.open_attachment_stream(info.url).chunks(1024)) == stored.file.open("rb").read()


def check_email():
    assert kayako.update_email_address(old_email=DEMO, new_email="dana@example.org") is True
    assert Ticket.objects.filter(customer__email="dana@example.org").count() == 30


FUNCTIONS = {
    "getKnowledgeBaseCategories": check_categories,
    "getKnowledgeBaseArticles": check_articles,
    "getKnowledgeBaseArticle": check_article,
    "rateKnowledgeBaseArticle": check_rate,
    "addKnowledgeBaseArticleComment": check_comment,
    "getDepartmentList": check_departments,
    "getDepartmentCustomFields": check_custom_fields,
    "getPriorityList": check_priorities,
    "getStatusList": check_statuses,
    "getTotalSubmittedTickets": check_total,
    "getSubmittedTicketsWithExtraRestrictions": check_list_with_restrictions,
    "getSubmittedTickets": check_list,
    "getSubmittedTicket": check_ticket,
    "submitTicket": check_submit,
    "postTicketReply": check_reply,
    "updateTicketProperties": check_properties,
    "setCustomFieldValue": check_custom_value,
    "getTicketAttachment": check_attachment,
    "updateEmailAddress": check_email,
}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function(demo, function):
    FUNCTIONS[function]()
