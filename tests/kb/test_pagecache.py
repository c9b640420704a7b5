"""common.pagecache for the knowledge base: anonymous visitors share one rendered article and
category page, each with a CSRF token of their own with which they can rate and comment; the
portal's own writes drop the pages."""

import re

import pytest
from django.test import Client
from django.utils.text import slugify

import kayako
from common import pagecache
from helpdesk.models import KnowledgeBaseArticle, KnowledgeBaseCategory, KnowledgeBaseComment

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def article(demo):
    return KnowledgeBaseArticle.objects.get(subject="Installing on Windows")


def url(article):
    return f"/kb/article/{article.pk}/{slugify(article.subject)}/"


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", html)


@pytest.fixture
def no_helpdesk(monkeypatch):
    """From now on no knowledge-base read reaches the helpdesk: what is shown comes from the page cache."""

    def refuse(**kwargs):
        raise AssertionError("the page was rendered again")

    def arm():
        monkeypatch.setattr(kayako, "get_knowledge_base_article", refuse)
        monkeypatch.setattr(kayako, "get_knowledge_base_categories", refuse)
        monkeypatch.setattr(kayako, "get_knowledge_base_articles", refuse)

    return arm


def test_two_visitors_get_the_same_page_each_with_their_own_token_and_both_can_rate_and_comment(article, no_helpdesk):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = first.get(url(article))
    no_helpdesk()
    page_two = second.get(url(article))
    assert page_one.status_code == page_two.status_code == 200
    html_one, html_two = page_one.content.decode(), page_two.content.decode()
    assert pagecache.CSRF_MARKER not in html_one + html_two
    assert without_tokens(html_one) == without_tokens(html_two)
    assert "Publish comment" in html_two and 'name="helpful"' in html_two
    (token_one,), (token_two,) = set(TOKEN.findall(html_one)), set(TOKEN.findall(html_two))
    assert token_one != token_two
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert f'"X-CSRFToken": "{token_two}"' in html_two  # htmx posts with it too


def test_the_tokens_of_a_shared_page_rate_and_comment_and_the_writes_drop_the_shared_pages(article):
    helpful = article.helpful
    rater, commenter, forger, later = (Client(enforce_csrf_checks=True) for _ in range(4))
    rater.get(url(article))
    html = commenter.get(url(article)).content.decode()  # the shared copy
    (token,) = set(TOKEN.findall(html))
    commented = commenter.post(f"/kb/article/{article.pk}/comment/",
                               {"csrfmiddlewaretoken": token, "name": "Ann", "comment": "Worked for me."})
    assert commented.status_code == 302
    assert KnowledgeBaseComment.objects.filter(article=article, body="Worked for me.").exists()
    assert "Worked for me." in later.get(url(article)).content.decode()  # not the copy from before the comment
    html = rater.get(url(article)).content.decode()
    (token,) = set(TOKEN.findall(html))
    assert rater.post(f"/kb/article/{article.pk}/rate/", {"csrfmiddlewaretoken": token, "helpful": "yes"}).status_code == 302
    article.refresh_from_db()
    assert article.helpful == helpful + 1
    # Another visitor's token does not pass for this one: tokens are each visitor's own.
    forger.get(url(article))
    assert forger.post(f"/kb/article/{article.pk}/comment/",
                       {"csrfmiddlewaretoken": token, "name": "Bo", "comment": "Forged."}).status_code == 403


def test_a_visitor_with_a_session_gets_their_own_page(article, no_helpdesk):
    Client().get(url(article))  # kept
    voter = Client()
    session = voter.session
    session["kb_votes"] = [article.pk]
    session.save()
    voter.cookies["sessionid"] = session.session_key
    no_helpdesk()
    with pytest.raises(AssertionError, match="rendered again"):
        voter.get(url(article))  # rendered for them ("You have rated this article"), not the shared copy


def test_category_pages_are_shared_too(demo, no_helpdesk):
    windows = KnowledgeBaseCategory.objects.get(title="Windows")
    first = Client().get(f"/kb/category/{windows.pk}/windows/").content.decode()
    no_helpdesk()
    second = Client().get(f"/kb/category/{windows.pk}/windows/").content.decode()
    assert without_tokens(first) == without_tokens(second) and "Installing on Windows" in second


def test_a_page_asked_for_with_a_query_string_is_rendered_for_its_visitor(article, no_helpdesk):
    Client().get(url(article) + "?utm_source=anywhere")  # not kept: no visitor makes copies at will
    no_helpdesk()
    with pytest.raises(AssertionError, match="rendered again"):
        Client().get(url(article) + "?utm_source=anywhere")
