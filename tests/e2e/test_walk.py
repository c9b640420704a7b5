"""A new customer's walk (issue 17): phones, dark mode, forgiving forms, the account menu, searching,
and WCAG 2.2 AA beyond axe. Every page type is checked with axe-core in light and dark mode at
1280 and 375 px, with its computed colours, its targets' sizes and no sideways scrolling, and
screenshotted (into pytest's temporary folder only). The `page` fixture fails on any console error."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils.text import slugify
from playwright.sync_api import expect

from helpdesk.models import CustomField, KnowledgeBaseArticle, KnowledgeBaseCategory, Ticket
from kb import search
from tests.e2e.axe import assert_accessible
from tests.e2e.test_tickets import sign_in
from tickets import colours

pytestmark = pytest.mark.e2e

DEMO = "demo@example.com"
WIDTHS = (1280, 375)
SCHEMES = ("light", "dark")
# What a pointer must be able to hit (WCAG 2.2, 2.5.8): controls, and links that are not inside text.
TARGETS = ("button, input:not([type=hidden]), select, textarea, summary, .btn, .nav-link, .page-link, "
           ".dropdown-item, .form-check-input")
SMALL_TARGETS_JS = """selector => [...document.querySelectorAll(selector)]
  .filter(e => !e.closest('.honeypot, .visually-hidden, .visually-hidden-focusable'))
  .map(e => ({html: e.outerHTML.slice(0, 120), box: e.getBoundingClientRect()}))
  .filter(t => t.box.width > 0 && t.box.height > 0 && (t.box.width < 24 || t.box.height < 24))
  .map(t => t.html)"""


def hex_colour(computed: str) -> str:
    red, green, blue = (int(c) for c in re.findall(r"\d+", computed)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def check_page(page, url: str, screenshots, name: str) -> None:
    """The page at each width in each colour mode: the mode applied, readable, accessible."""
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme, url
            text, background = (hex_colour(c) for c in page.evaluate(
                "() => { const s = getComputedStyle(document.body); return [s.color, s.backgroundColor]; }"))
            assert colours.contrast(text, background) >= 7, (url, scheme, text, background)
            assert (colours.luminance(background) < 0.05) == (scheme == "dark"), (url, scheme, background)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (url, width)
            assert page.evaluate(SMALL_TARGETS_JS, TARGETS) == [], (url, width)
            try:
                assert_accessible(page)
            except AssertionError as failure:
                raise AssertionError(f"{url} in {scheme} mode at {width} px: {failure}") from None
            if scheme == "dark":
                page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)


def test_every_page_a_customer_sees_in_both_modes_at_both_widths(demo, page, worker, tmp_path):
    search.sync()
    sign_in(page, demo.url)
    worker()  # signing in filled the customer's ticket index
    ticket = Ticket.objects.filter(customer__email=DEMO, department__title="Technical support").first()
    category = KnowledgeBaseCategory.objects.get(title="Getting started")
    article = KnowledgeBaseArticle.objects.get(subject="Installing on Windows")
    pages = {
        "home": "/", "kb": "/kb/", "category": f"/kb/category/{category.pk}/{slugify(category.title)}/",
        "article": f"/kb/article/{article.pk}/{slugify(article.subject)}/", "kb-search": "/kb/search/?q=install",
        "tickets": "/tickets/", "ticket-search": f"/tickets/?q={ticket.mask}", "ticket": f"/tickets/{ticket.pk}/",
        "custom-values": f"/tickets/{ticket.pk}/fields/", "submit": "/tickets/new/?department="
        f"{ticket.department_id}", "profile": "/accounts/profile/", "email": "/accounts/email/",
        "password": "/accounts/password/change/", "not-found": "/kb/article/987654/",
    }
    for name, path in pages.items():
        check_page(page, demo.url + path, tmp_path, name)
    assert len(list(tmp_path.glob("*.png"))) == 2 * len(pages)


def test_every_page_a_visitor_sees_in_both_modes_at_both_widths(demo, page, tmp_path):
    pages = {"submit-guest": "/tickets/new/", "lookup": "/tickets/lookup/", "login": "/accounts/login/",
             "signup": "/accounts/signup/", "password-reset": "/accounts/password/reset/"}
    for name, path in pages.items():
        check_page(page, demo.url + path, tmp_path, name)
    # the guest notice's sign-in link keeps AA contrast on its blue (axe above), and is the alert's own link
    assert page.locator(".alert-info a.alert-link").count() == 0  # (the last page is the reset page)
    page.goto(demo.url + "/tickets/new/")
    assert page.locator(".alert-info a.alert-link", has_text="sign in").is_visible()


def test_the_ticket_list_is_a_stack_of_cards_on_a_phone(demo, page):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, demo.url)
    page.goto(demo.url + "/tickets/")
    assert not page.locator("table.ticket-table").is_visible()
    cards = page.locator(".ticket-cards > li")
    assert cards.count() == 10
    for index in range(cards.count()):
        card = cards.nth(index)
        assert card.is_visible()
        for fact in ("Status", "Priority", "Last activity"):
            assert card.locator("dt", has_text=fact).is_visible()
        assert card.locator(".badge").count() == 2  # status and priority in the helpdesk's colours
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("table.ticket-table").is_visible() and not cards.first.is_visible()


def test_the_colour_mode_follows_the_system_until_chosen_and_is_remembered(demo, page):
    page.emulate_media(color_scheme="dark")
    page.goto(demo.url + "/")
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
    page.get_by_role("button", name="Colours").click()
    page.get_by_role("button", name="Light").click()
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "light"
    page.goto(demo.url + "/kb/")
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "light"
    page.get_by_role("button", name="Colours").click()
    assert page.get_by_role("button", name="Light").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="As the system").click()
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
    page.emulate_media(color_scheme="light")  # the system changes while the page is open
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")


def test_the_error_summary_takes_the_focus_and_leads_to_each_field(demo, page):
    sign_in(page, demo.url)
    page.goto(demo.url + "/tickets/new/")
    page.get_by_role("button", name="Send ticket").click()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.get_by_role("link", name="Subject: This field is required.").is_visible()
    summary.get_by_role("link", name="Message: This field is required.").click()
    assert page.evaluate("document.activeElement.id") == "id_message"
    field_top = page.locator("#id_message").bounding_box()["y"]
    assert field_top >= 0 and page.locator("label[for=id_message]").bounding_box()["y"] >= 0
    assert_accessible(page)
    # allauth's forms have it too
    page.get_by_role("button", name="Dana Demo").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(demo.url + "/accounts/login/")
    page.get_by_label("Email").fill(DEMO)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In").click()
    page.locator("[data-error-summary]").wait_for()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "not correct" in page.locator("[data-error-summary]").inner_text()


def test_a_file_too_large_is_refused_alone_in_the_browser_and_on_the_server(demo, page, browser, worker, settings,
                                                                           tmp_path):
    settings.TICKET_UPLOAD_MAX_FILE_BYTES = 2048
    small, other, big = tmp_path / "small.txt", tmp_path / "other.txt", tmp_path / "big.bin"
    small.write_bytes(b"small")
    other.write_bytes(b"other")
    big.write_bytes(b"x" * 4096)
    sign_in(page, demo.url)
    page.goto(demo.url + "/tickets/new/")
    page.get_by_label("Attachments").set_input_files([str(small), str(big)])
    page.get_by_text("“big.bin” is larger than 2.0 KB.").wait_for()  # before anything is uploaded
    assert page.evaluate("[...document.getElementById('id_attachments').files].map(f => f.name)") == ["small.txt"]
    # a file dropped onto the field joins the chosen ones
    page.evaluate("""([name, text]) => {
        const dropped = new DataTransfer();
        dropped.items.add(new File([text], name, {type: 'text/plain'}));
        document.getElementById('id_attachments').closest('.mb-3')
          .dispatchEvent(new DragEvent('drop', {dataTransfer: dropped, bubbles: true, cancelable: true}));
    }""", ["dropped.txt", "dropped"])
    assert page.evaluate("[...document.getElementById('id_attachments').files].map(f => f.name)") == [
        "small.txt", "dropped.txt"]
    # Without JavaScript the server refuses the large file alone and keeps the others for the next attempt.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    try:
        sign_in(plain, demo.url)
        plain.goto(demo.url + "/tickets/new/")
        plain.get_by_label("Subject").fill("Three files, one too large")
        plain.get_by_label("Attachments").set_input_files([str(small), str(big), str(other)])
        plain.get_by_role("button", name="Send ticket").click()
        plain.locator("[data-error-summary]").get_by_text("“big.bin” is larger than 2.0 KB.").wait_for()
        kept = plain.get_by_text("Already attached (kept from your last attempt):").locator("..")
        assert kept.get_by_label(re.compile("small.txt")).is_checked()
        assert kept.get_by_label(re.compile("other.txt")).is_checked()
        assert plain.get_by_label("Subject").input_value() == "Three files, one too large"
        plain.get_by_label("Message").fill("Here they are.")
        plain.get_by_role("button", name="Send ticket").click()
        plain.get_by_text("We have received your ticket").wait_for()
    finally:
        context.close()
    worker()
    ticket = Ticket.objects.get(subject="Three files, one too large")
    assert sorted(a.name for a in ticket.attachments.all()) == ["other.txt", "small.txt"]


def test_a_password_value_appears_in_no_page(demo, page, worker):
    secret = "TOP-SECRET-4711"
    sign_in(page, demo.url)
    page.goto(demo.url + "/tickets/new/")
    page.get_by_label("Department").select_option(label="Technical support")
    page.get_by_text("Problem details").wait_for()
    page.get_by_label("Licence key").fill(secret)
    page.get_by_role("button", name="Send ticket").click()  # refused: no subject
    page.locator("[data-error-summary]").wait_for()
    assert secret not in page.content() and page.get_by_label("Licence key").input_value() == ""
    assert page.get_by_text("Leave empty to keep the value you gave.").is_visible()  # kept, not shown
    page.get_by_label("Subject").fill("My licence key is refused")
    page.get_by_label("Message").fill("It says the key is invalid.")
    page.get_by_label("Product version").fill("4.3")
    page.get_by_label("Operating system").select_option("Linux")
    page.get_by_label("Once").check()
    page.get_by_role("button", name="Send ticket").click()
    page.get_by_text("We have received your ticket").wait_for()
    assert secret not in page.content()
    worker()
    page.get_by_text("was sent").wait_for()  # htmx saw it delivered and opened the ticket: no navigation races ours
    assert secret not in page.content()
    sent = Ticket.objects.get(subject="My licence key is refused")
    assert sent.customvalues.get(field__title="Licence key").value == secret
    ticket = Ticket.objects.filter(customer__email=DEMO, department__title="Technical support").first()
    ticket.customvalues.update_or_create(field=CustomField.objects.get(title="Licence key"), defaults={"value": secret})
    for path in (f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk}/fields/"):
        page.goto(demo.url + path)
        assert secret not in page.content(), path
    page.goto(demo.url + f"/tickets/{ticket.pk}/")
    assert page.locator("#details, section").get_by_text("••••••").first.is_visible()


def test_a_page_past_the_end_shows_the_last_page(demo, page):
    sign_in(page, demo.url)
    page.goto(demo.url + "/tickets/?page=999")
    page.wait_for_url("**/tickets/?page=3")
    pages = page.get_by_role("navigation", name="Pages")
    assert pages.locator("[aria-current=page]").text_content() == "Page 3"
    assert page.get_by_text("30 tickets").is_visible()
    pages.get_by_role("link", name="Page 1").click()
    page.wait_for_url("**/tickets/?page=1")


def test_search_counts_are_visible_and_customers_find_their_own_tickets(demo, page, worker):
    search.sync()
    page.goto(demo.url + "/kb/search/?q=passwrd")
    status = page.get_by_role("status").filter(has_text="results for “password”")
    assert status.is_visible()
    sign_in(page, demo.url)
    worker()
    ticket = Ticket.objects.filter(customer__email=DEMO).order_by("-id").first()
    page.goto(demo.url + "/tickets/")
    page.get_by_role("searchbox", name="Search your tickets").fill(ticket.mask.lower())
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text(f"1 ticket matches “{ticket.mask.lower()}”.").wait_for()
    assert page.get_by_role("link", name=ticket.subject).first.is_visible()
    word = ticket.subject.split()[0]
    page.get_by_role("searchbox", name="Search your tickets").fill(word)
    page.get_by_role("button", name="Search", exact=True).click()
    expected = Ticket.objects.filter(customer__email=DEMO, subject__icontains=word).count()
    page.get_by_role("status").filter(has_text=f"match “{word}”").wait_for()
    assert page.locator("table.ticket-table tbody tr").count() == min(expected, 10)
    assert_accessible(page)


def test_switching_departments_logs_nothing_to_the_console(demo, page):
    sign_in(page, demo.url)
    page.goto(demo.url + "/tickets/new/")
    for department in ("Billing", "Technical support", "Billing", "General"):
        with page.expect_response(re.compile(r"/tickets/new/fields/")):
            page.get_by_label("Department").select_option(label=department)
    assert page.get_by_text("Problem details").count() == 0
    page.wait_for_timeout(200)
    assert page.console_errors == []


def test_the_account_menu_and_mails_that_name_the_site_and_the_customer(demo, page):
    sign_in(page, demo.url)
    page.get_by_role("button", name="Dana Demo").click()
    menu = page.locator(".dropdown-menu.show")
    for item in ("Profile", "Email addresses", "Password"):
        assert menu.get_by_role("link", name=item).is_visible()
    assert menu.get_by_role("button", name="Sign out").is_visible()
    menu.get_by_role("link", name="Profile").click()
    page.get_by_label("Full name").fill("Dana Q. Demo-Smith")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your profile was saved.").wait_for()
    assert page.get_by_role("button", name="Dana Q. Demo-Smith").is_visible()
    assert User.objects.get(email=DEMO).get_full_name() == "Dana Q. Demo-Smith"
    assert_accessible(page)
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Email addresses").click()
    page.locator("#id_email").fill("dana@new.example.org")
    page.get_by_role("button", name="Change Email").click()
    page.get_by_text("dana@new.example.org").first.wait_for()
    body = mail.outbox[-1].body
    assert body.startswith("Hello Dana Q. Demo-Smith,") and "Support portal" in mail.outbox[-1].subject
    assert "register" not in body and "Hello from" not in body
    assert "Please confirm that dana@new.example.org is your email address for your account at Support portal." in body
