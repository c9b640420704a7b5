import pytest
from django.utils.text import slugify

from helpdesk.models import KnowledgeBaseArticle, KnowledgeBaseComment
from kb import search
from tests.e2e.axe import assert_accessible
from tests.e2e.xss_payloads import PAYLOADS

pytestmark = pytest.mark.e2e


def test_browse_rate_comment_and_search(demo, page):
    search.sync()
    page.goto(demo.url + "/kb/")
    assert_accessible(page)
    page.get_by_role("link", name="Getting started").click()
    page.get_by_role("heading", level=1, name="Getting started").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Installation").click()
    page.get_by_role("link", name="Windows", exact=True).click()
    page.get_by_role("heading", level=1, name="Windows").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Installing on Windows").click()
    page.get_by_role("heading", level=1, name="Installing on Windows").wait_for()
    assert_accessible(page)
    # back up through the breadcrumbs, and down again
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="Installation").click()
    page.get_by_role("heading", level=1, name="Installation").wait_for()
    page.get_by_role("link", name="Windows", exact=True).click()
    page.get_by_role("link", name="Installing on Windows").click()

    url_before = page.url
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    assert page.url == url_before  # htmx swapped the widget in place
    assert page.get_by_role("button", name="Yes").count() == 0

    page.get_by_label("Your name").fill("Browser Tester")
    page.locator("#id_comment").fill("Worked first time.\nThanks!")
    page.get_by_role("button", name="Publish comment").click()
    page.get_by_text("Thank you, your comment is published.").wait_for()
    assert page.get_by_text("Worked first time.").is_visible()
    assert KnowledgeBaseComment.objects.filter(name="Browser Tester").exists()
    assert_accessible(page)

    page.get_by_role("searchbox").first.fill("SmartScreen")
    page.get_by_role("button", name="Search").first.click()
    page.get_by_role("heading", level=1, name="Results for “SmartScreen”").wait_for()
    assert page.get_by_role("link", name="Installing on Windows").is_visible()
    assert page.locator("mark", has_text="SmartScreen").count() >= 1
    assert_accessible(page)


def test_rating_works_without_javascript(demo, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    page.goto(f"{demo.url}/kb/article/{article.pk}/{slugify(article.subject)}/")
    page.get_by_role("button", name="No").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    assert page.url.endswith("#rating")
    context.close()
    article.refresh_from_db()
    assert article.unhelpful >= 1


def test_no_payload_executes_in_articles_or_comments(demo, page):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    article.body = "\n".join(PAYLOADS)
    article.save()
    for payload in PAYLOADS:
        KnowledgeBaseComment.objects.create(article=article, name=payload[:200], body=payload)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{demo.url}/kb/article/{article.pk}/{slugify(article.subject)}/")
    page.wait_for_load_state("networkidle")
    for link in page.locator(".article-body a").all():
        link.click(modifiers=["Control"], no_wait_after=True) if link.get_attribute("href") else None
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    body = page.locator(".article-body")
    assert body.locator("script, iframe, object, embed, form, input, svg, style, meta, base").count() == 0
    handlers = page.evaluate(
        "() => [...document.querySelectorAll('.article-body *, #comments *')]"
        ".flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    hrefs = page.evaluate("() => [...document.querySelectorAll('.article-body a[href]')].map(a => a.href)")
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    # the comments show the payloads as text
    assert page.get_by_text("<script>window.__xss = 1</script>").first.is_visible()
    page.console_errors.clear()  # blocked payloads may log CSP reports; execution is what counts
