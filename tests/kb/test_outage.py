"""Reading the knowledge base while the helpdesk cannot answer: every page seen before answers
from the shared cache with a notice, and once the circuit breaker is open without a call; a page
never seen is the 503 page, in a reader's terms."""

import re

import pytest
from django.test import Client

import kayako
from helpdesk.models import KnowledgeBaseArticle, KnowledgeBaseCategory

from .test_views import article_url

pytestmark = pytest.mark.embedded_helpdesk_only  # the service module's cache, the same for every peer

NOTICE = "The support system cannot be reached right now."


def test_pages_seen_before_answer_from_the_cache_with_a_notice(demo, hang_helpdesk, settings):
    reader = Client()
    category = KnowledgeBaseCategory.objects.get(title="Windows")
    seen = ["/kb/", f"/kb/category/{category.pk}/windows/",
            *(article_url(article) for article in KnowledgeBaseArticle.objects.all()[:3])]
    live = {url: reader.get(url) for url in seen}
    assert all(response.status_code == 200 and NOTICE not in response.content.decode() for response in live.values())

    settings.KAYAKO_CACHE_TTL = 0  # every copy is old: each page asks the helpdesk, which hangs
    sent = hang_helpdesk()
    for url in seen:
        response = reader.get(url)
        assert response.status_code == 200 and NOTICE in response.content.decode(), url
        assert "may be out of date" in response.content.decode()
    assert len(sent) == settings.KAYAKO_BREAKER_FAILURES and kayako.helpdesk_state().state == "open"

    settings.KAYAKO_CACHE_TTL = 300  # copies young enough to serve: while the breaker is open, still said
    for url in seen:
        assert NOTICE in reader.get(url).content.decode()
    assert len(sent) == settings.KAYAKO_BREAKER_FAILURES  # nothing more was sent


def test_a_page_never_seen_is_the_503_page_in_a_readers_terms(demo, hang_helpdesk):
    hang_helpdesk()
    article = KnowledgeBaseArticle.objects.first()
    response = Client().get(article_url(article))
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"]
    assert "This page needs our helpdesk, which we cannot reach at the moment." in html
    assert "Nothing you entered was sent" not in html


def test_the_notice_speaks_the_readers_language(demo, hang_helpdesk, settings):
    reader = Client(headers={"accept-language": "de"})
    assert reader.get("/kb/").status_code == 200
    settings.KAYAKO_CACHE_TTL = 0
    hang_helpdesk()
    html = reader.get("/kb/").content.decode()
    assert "Das Supportsystem ist gerade nicht erreichbar." in html and NOTICE not in html
    assert re.search(r"Stand <time datetime=\"[^\"]+\">\d+\. \w+ 20\d\d \d\d:\d\d UTC</time> \(gerade eben\)", html)
