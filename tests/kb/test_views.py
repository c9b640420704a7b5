"""Knowledge-base pages against the live embedded helpdesk."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from helpdesk.models import KnowledgeBaseArticle, KnowledgeBaseCategory, KnowledgeBaseComment
from kb import search
from kb.models import ArticleVote, IndexedArticle, IndexState


@pytest.fixture
def client(demo):
    return Client()


def article_url(article):
    from django.utils.text import slugify

    return f"/kb/article/{article.pk}/{slugify(article.subject)}/"


def test_index_lists_root_categories_and_articles(client):
    html = client.get("/kb/").content.decode()
    for title in ("Getting started", "Account and billing", "Troubleshooting", "Welcome to the help centre"):
        assert title in html
    assert "Rated" in html and "out of 5" in html


def test_category_has_every_ancestor_in_its_breadcrumbs(client):
    windows = KnowledgeBaseCategory.objects.get(title="Windows")
    response = client.get(f"/kb/category/{windows.pk}/windows/")
    html = response.content.decode()
    assert response.status_code == 200
    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert crumbs.index("Knowledge base") < crumbs.index("Getting started") < crumbs.index("Installation")
    assert 'aria-current="page">Windows' in crumbs
    assert "Installing on Windows" in html and "Fixing a stuck Windows installer" in html


def test_subcategories_are_listed(client):
    getting_started = KnowledgeBaseCategory.objects.get(title="Getting started")
    html = client.get(f"/kb/category/{getting_started.pk}/getting-started/").content.decode()
    assert "Installation" in html and "Creating your first project" in html


@pytest.mark.parametrize("suffix", ["", "wrong-slug/"])
def test_wrong_or_missing_slug_redirects_to_the_canonical_url(client, suffix):
    article = KnowledgeBaseArticle.objects.get(subject="Installing on Windows")
    response = client.get(f"/kb/article/{article.pk}/{suffix}")
    assert response.status_code == 301
    assert response["Location"] == f"/kb/article/{article.pk}/installing-on-windows/"
    windows = KnowledgeBaseCategory.objects.get(title="Windows")
    response = client.get(f"/kb/category/{windows.pk}/{suffix}")
    assert response.status_code == 301 and response["Location"] == f"/kb/category/{windows.pk}/windows/"


def test_missing_category_and_article_are_the_404_page(client):
    for url in ("/kb/category/999999/x/", "/kb/article/999999/x/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "We could not find that page" in response.content.decode()


def test_article_page(client):
    article = KnowledgeBaseArticle.objects.get(subject="Resetting a forgotten password")
    html = client.get(article_url(article)).content.decode()
    assert "<h1" in html and article.subject in html
    assert "Account and billing" in html and "Passwords and sign-in" in html
    assert html.index("Maria Lopez") < html.index("Tom Becker")
    assert "The link expired after a day for me.<br>Still useful!" in html
    assert "Was this helpful?" in html
    assert '<time datetime="' in html


def test_article_body_is_sanitized(client):
    article = KnowledgeBaseArticle.objects.get(subject="Downloading invoices")
    article.body = ('<p onclick="evil()">Hi</p><script>evil()</script><a href="javascript:evil()">x</a>'
                    '<a href="https://example.com/ok">ok</a><iframe src="https://e.com"></iframe>'
                    '<form action="/x"><input name="y"></form><img src="data:image/png;base64,AAAA" alt="d">'
                    "<table><tr><td>cell</td></tr></table><pre><code>code()</code></pre>")
    article.save()
    html = client.get(article_url(article)).content.decode()
    body = html.split('class="article-body">')[1].split("</article>")[0]
    for bad in ("onclick", "<script", "javascript:", "<iframe", "<form", "<input", "data:image"):
        assert bad not in body
    assert '<a href="https://example.com/ok" rel="noopener nofollow">ok</a>' in body
    assert "<td>cell</td>" in body and "<code>code()</code>" in body


def test_guest_rates_once_per_session_without_js(client):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    helpful, unhelpful = article.helpful, article.unhelpful
    response = client.post(f"/kb/article/{article.pk}/rate/", {"helpful": "yes"}, follow=True)
    assert "Thank you for your feedback." in response.content.decode()
    assert response.redirect_chain[-1][0].endswith("#rating")
    again = client.post(f"/kb/article/{article.pk}/rate/", {"helpful": "no"}, follow=True)
    assert "You have already rated this article" in again.content.decode()
    article.refresh_from_db()
    assert (article.helpful, article.unhelpful) == (helpful + 1, unhelpful)


def test_signed_in_customer_votes_once_in_the_database(client):
    user = User.objects.create_user("ana", "ana@example.com", "pw")
    client.force_login(user)
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    client.post(f"/kb/article/{article.pk}/rate/", {"helpful": "no"})
    client.post(f"/kb/article/{article.pk}/rate/", {"helpful": "no"})
    assert ArticleVote.objects.filter(user=user, article_id=article.pk).count() == 1
    fresh = Client()
    fresh.force_login(user)  # another session of the same customer
    response = fresh.post(f"/kb/article/{article.pk}/rate/", {"helpful": "yes"}, follow=True)
    assert "already rated" in response.content.decode()


def test_rating_with_htmx_returns_the_widget(client):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    response = client.post(f"/kb/article/{article.pk}/rate/", {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="rating"') and "Thank you for your feedback." in html
    assert "<html" not in html


def test_rating_needs_csrf(demo):
    article = KnowledgeBaseArticle.objects.first()
    response = Client(enforce_csrf_checks=True).post(f"/kb/article/{article.pk}/rate/", {"helpful": "yes"})
    assert response.status_code == 403


def test_invalid_vote_value_changes_nothing(client):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    before = (article.helpful, article.unhelpful)
    response = client.post(f"/kb/article/{article.pk}/rate/", {"helpful": "maybe"}, follow=True)
    assert "Choose Yes or No." in response.content.decode()
    article.refresh_from_db()
    assert (article.helpful, article.unhelpful) == before


def test_guest_comment(client):
    article = KnowledgeBaseArticle.objects.get(subject="Installing on Windows")
    response = client.post(f"/kb/article/{article.pk}/comment/",
                           {"name": "Lee", "comment": "Line one\n<b>two</b>"}, follow=True)
    html = response.content.decode()
    assert "Thank you, your comment is published." in html
    assert "Line one<br>&lt;b&gt;two&lt;/b&gt;" in html
    assert KnowledgeBaseComment.objects.filter(article=article, name="Lee").exists()


def test_signed_in_customer_has_the_name_prefilled(client):
    user = User.objects.create_user("ana", "ana@example.com", "pw", first_name="Ana", last_name="Silva")
    client.force_login(user)
    article = KnowledgeBaseArticle.objects.first()
    html = client.get(article_url(article)).content.decode()
    assert 'value="Ana Silva"' in html


@pytest.mark.parametrize(
    "data,message",
    [({"name": "", "comment": "x"}, "This field is required."),
     ({"name": "Lee", "comment": "   "}, "This field is required."),
     ({"name": "Lee", "comment": "x" * 2001}, "Ensure this value has at most 2000 characters")],
)
def test_invalid_comments_are_explained_and_kept(client, data, message):
    article = KnowledgeBaseArticle.objects.first()
    count = KnowledgeBaseComment.objects.count()
    response = client.post(f"/kb/article/{article.pk}/comment/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert KnowledgeBaseComment.objects.count() == count


def test_helpdesk_refusal_minus_11_is_shown_at_the_field(client, monkeypatch):
    import kayako

    def refuse(**kwargs):
        raise kayako.Rejected(-11, "addKnowledgeBaseArticleComment")

    monkeypatch.setattr(kayako, "add_knowledge_base_article_comment", refuse)
    article = KnowledgeBaseArticle.objects.first()
    response = client.post(f"/kb/article/{article.pk}/comment/", {"name": "Lee", "comment": "Hello"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter your name and a comment." in html.split('id="id_comment"')[1]
    assert "Hello</textarea>" in html


def test_honeypot_and_rate_limit_stop_spam(client, settings):
    article = KnowledgeBaseArticle.objects.first()
    count = KnowledgeBaseComment.objects.count()
    response = client.post(f"/kb/article/{article.pk}/comment/",
                           {"name": "Bot", "comment": "Buy", "website": "http://spam"})
    assert response.status_code == 400 and KnowledgeBaseComment.objects.count() == count
    settings.KB_COMMENT_RATE_LIMIT = (2, 600)
    for n in range(3):
        client.post(f"/kb/article/{article.pk}/comment/", {"name": "Lee", "comment": f"Comment {n}"})
    assert KnowledgeBaseComment.objects.count() == count + 2


def test_helpdesk_down_with_a_cache_shows_the_copy(client, settings, monkeypatch):
    import kayako
    from kayako import service

    article = KnowledgeBaseArticle.objects.first()
    assert client.get(article_url(article)).status_code == 200
    settings.KAYAKO_CACHE_TTL = 0

    def down(*args, **kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(service, "_read", down)
    response = client.get(article_url(article))
    assert response.status_code == 200
    assert "may be out of date" in response.content.decode()
    cache.clear()
    response = client.get(article_url(article))
    assert response.status_code == 503
    assert "The support system is unavailable right now" in response.content.decode()


def test_search_finds_an_article_by_a_word_of_its_body(client):
    search.sync()
    response = client.get("/kb/search/", {"q": "smartscreen"})
    html = response.content.decode()
    assert "Installing on Windows" in html
    assert "<mark>SmartScreen</mark>" in html


def test_search_escapes_what_it_highlights(client):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    article.body = "<p>The &lt;script&gt;alert(1)&lt;/script&gt; zebra text</p>"
    article.save()
    search.sync()
    html = client.get("/kb/search/", {"q": "zebra"}).content.decode()
    assert "<mark>zebra</mark>" in html
    assert "<script>alert" not in html


def test_search_with_no_match_and_odd_input(client):
    search.sync()
    assert "No articles match your search" in client.get("/kb/search/", {"q": "qwertyuiop"}).content.decode()
    for query in ('"*) OR (', "NEAR(a b)"):
        assert client.get("/kb/search/", {"q": query}).status_code == 200
    response = client.get("/kb/search/", {"q": "x" * 300})
    assert response.status_code == 400
    assert "Your search is too long: use at most 200 characters (it has 300)." in response.content.decode()


def test_search_shows_its_count_forgives_typos_and_keeps_spaces_between_paragraphs(client):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    article.body = "<p>Is there a question?</p><p>If so, reset the password.</p>"
    article.save()
    search.sync()
    html = client.get("/kb/search/", {"q": "question"}).content.decode()
    assert re.search(r'<p role="status" class="search-count">\d+ results?</p>', html)
    assert "? If so" in html and "?If" not in html  # the paragraphs keep a space between them
    html = client.get("/kb/search/", {"q": "passwrd"}).content.decode()
    assert "results for “password”" in html and "Our support hours" in html
    assert "Our support hours" in client.get("/kb/search/", {"q": "questi"}).content.decode()  # a prefix

def test_suggest_returns_a_fragment_of_at_most_five(client):
    search.sync()
    response = client.get("/kb/suggest/", {"q": "install"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.count("<li") <= 5 and "Installing on Windows" in html
    assert 'target="_blank"' in html and 'rel="noopener"' in html
    assert client.get("/kb/suggest/", {"q": "ab"}).content.decode().strip() == ""


def test_the_worker_refreshes_the_index_on_its_schedule(client, worker, later, settings):
    from common import schedule

    assert "Installing on Windows" not in client.get("/kb/search/", {"q": "install"}).content.decode()
    schedule.tick()
    worker()
    assert IndexState.objects.get().articles > 0
    assert "Installing on Windows" in client.get("/kb/search/", {"q": "install"}).content.decode()
    IndexedArticle.objects.all().delete()
    with later(settings.KB_INDEX_MAX_AGE + 1):
        schedule.tick()
        worker()
    assert IndexedArticle.objects.exists()


def test_suggest_takes_a_ticket_subject_as_a_sentence(client):
    search.sync()
    html = client.get("/kb/suggest/", {"subject": "Installer stops on Windows"}).content.decode()
    # Any word of the subject may match: the stuck installer (all three words) and Windows's installation.
    assert "Fixing a stuck Windows installer" in html
    assert "Installing on Windows" in html
