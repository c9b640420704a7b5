"""The site in German and in French: the knowledge base, sign-up and ticket submission walked in a
browser, each page with no English word of the UI left, the `lang` attribute following the language
and no serious or critical axe-core violation.

What the helpdesk holds is content, not UI, and is shown as it was written: the demo data (KB
categories, articles and comments; departments, priorities, statuses and custom fields with their
options) is English, so every text node of a page that is such content is left out of the scan, as
is what the test itself typed. The rest (text, labels, buttons, aria-labels, titles, placeholders,
the page title) must not contain any of ENGLISH."""

import html
import re

import pytest
from django.core import mail
from django.utils.html import strip_tags

from helpdesk.models import (
    CustomField,
    CustomFieldGroup,
    CustomFieldOption,
    Department,
    KnowledgeBaseArticle,
    KnowledgeBaseCategory,
    KnowledgeBaseComment,
    Priority,
    Status,
    Ticket,
    TicketPost,
)
from kb import search
from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.e2e

WORDS = re.compile(r"[^\W\d_]+")
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+")
# A ticket's reference or number (F2LL-MY73, ABC-123-45678) is data: its letters are no words.
IDENTIFIERS = re.compile(r"\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b")
# Common words of the site's English that are words of neither German nor French, so that
# "Ticket", "Service", "Message", "Page", "Articles", "Navigation", "Status", "Support", "was" (what),
# "will", "not" (need), "main" (la main), "file" (une file) or "minutes" raise no false alarm.
ENGLISH = frozenset(WORDS.findall("""
the and your you our we please submit sign search with this that here what when where which would
could should have has been were are from for into about after before more next previous back home save
cancel send reply help helpful yes thank thanks received knowledge categories category browse attach
attachments choose select none any new my email password forgot remember account address verify
subject department priority required optional language skip toggle just now ago hours days loading
sending results result found there their them they
"""))

# Every text a page shows, with the texts of attributes people hear or see.
PAGE_TEXTS = """() => {
  const texts = [document.title];
  const snippets = new Set();  // a search result's snippet is one text, though <mark> cuts it in pieces
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent.closest("script, style, template")) continue;
    const snippet = parent.closest(":has(> mark)");
    if (!snippet) texts.push(walker.currentNode.textContent);
    else if (!snippets.has(snippet)) { snippets.add(snippet); texts.push(snippet.textContent); }
  }
  for (const element of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt], input[value]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) texts.push(element.getAttribute(name) || "");
    if (["submit", "button"].includes(element.type)) texts.push(element.value);
  }
  return texts.map(text => text.replace(/\\s+/g, " ").trim()).filter(Boolean);
}"""

UI = {
    "de": {"navigation": "Hauptnavigation", "knowledge base": "Wissensdatenbank", "yes": "Ja",
           "thanks": "Vielen Dank für Ihre Rückmeldung.", "your name": "Ihr Name", "publish": "Kommentar veröffentlichen",
           "published": "Vielen Dank, Ihr Kommentar ist veröffentlicht.", "search": "Suchen",
           "results": "Ergebnisse für „Installer“", "full name": "Vollständiger Name",
           "confirm": "Bestätigen", "department": "Abteilung", "subject": "Betreff",
           "send ticket": "Ticket senden", "received": "Wir haben Ihr Ticket erhalten", "sent": "wurde gesendet",
           "my tickets": "Meine Tickets", "ticket subject": "Rechnung doppelt erhalten",
           "ticket text": "Ich habe die Rechnung für März zweimal bekommen. Welche gilt?",
           "comment text": "Hat bei mir sofort funktioniert, danke!"},
    "fr": {"navigation": "Navigation principale", "knowledge base": "Base de connaissances", "yes": "Oui",
           "thanks": "Merci pour votre avis.", "your name": "Votre nom", "publish": "Publier le commentaire",
           "published": "Merci, votre commentaire est publié.", "search": "Rechercher",
           "results": "Résultats pour « Installer »", "full name": "Nom complet",
           "confirm": "Confirmer", "department": "Service", "subject": "Objet",
           "send ticket": "Envoyer le ticket", "received": "Nous avons bien reçu votre ticket",
           "sent": "a été envoyé", "my tickets": "Mes tickets", "ticket subject": "Facture reçue deux fois",
           "ticket text": "J’ai reçu la facture de mars deux fois. Laquelle est valable ?",
           "comment text": "Cela a fonctionné tout de suite chez moi, merci !"},
}


def helpdesk_content() -> set[str]:
    """Everything the helpdesk holds that the portal shows as it is: each value, each line or
    paragraph of it, and each piece between its tags (a text node of the page)."""
    texts: set[str] = set()
    sources = [
        (KnowledgeBaseCategory, ["title"]), (KnowledgeBaseArticle, ["subject", "body"]),
        (KnowledgeBaseComment, ["name", "body"]), (Department, ["title"]), (Priority, ["title"]),
        (Status, ["title"]), (CustomFieldGroup, ["title"]), (CustomField, ["title", "description", "defaultvalue"]),
        (CustomFieldOption, ["value"]), (Ticket, ["subject"]), (TicketPost, ["fullname", "contents"]),
    ]
    for model, fields in sources:
        for values in model.objects.values_list(*fields):
            for value in values:
                plain = html.unescape(strip_tags(re.sub(r"<(/p|/li|/td|/th|br|/pre)\b", r"\n<\1", value)))
                pieces = [*plain.splitlines(), *(html.unescape(piece) for piece in re.split(r"<[^>]*>", value))]
                texts.update(" ".join(piece.split()) for piece in pieces if piece.strip())
    return texts


def english_left(texts: list[str], typed: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The words of ENGLISH in these texts, each with the texts it was found in. A text that is
    content is skipped (a longer one may be a piece of an article: search snippets cut anywhere);
    content within a text (an article's title in the page title) is taken out of it."""
    content = helpdesk_content() | set(typed)
    corpus = "\n".join(content)
    within = sorted((text for text in content if len(text) >= 4), key=len, reverse=True)
    found: dict[str, list[str]] = {}
    for text in texts:
        if text in content or (len(text) >= 12 and text.strip("… ") in corpus):
            continue
        ui = IDENTIFIERS.sub(" ", ADDRESSES.sub(" ", text))
        for piece in within:
            if piece in ui:
                ui = ui.replace(piece, " ")
        for word in WORDS.findall(ui.lower()):
            if word in ENGLISH:
                found.setdefault(word, []).append(text)
    return found


def check(page, language: str, typed: tuple[str, ...] = ()) -> None:
    assert page.locator("html").get_attribute("lang") == language
    assert english_left(page.evaluate(PAGE_TEXTS), typed) == {}, page.url
    assert_accessible(page)


def test_the_scan_finds_english_and_leaves_content_alone(demo):
    assert english_left(["Veröffentlicht am", "Installing on Windows", "Send reply"]) == {
        "send": ["Send reply"], "reply": ["Send reply"]}
    # a reference whose random letters spell a word ("MY") is no English left in the page
    assert english_left(["Ihr Ticket F2LL-MY73 · Support-Portal", "F2LL-MY73", "My ANY-7"]) == {"my": ["My ANY-7"]}


@pytest.mark.parametrize("language", ["de", "fr"])
def test_knowledge_base_sign_up_and_a_ticket(demo, browser, worker, language):
    ui = UI[language]
    typed = (ui["ticket subject"], ui["ticket text"], ui["comment text"], "Robin Beispiel")
    # German from the browser's languages; French chosen in the footer by someone whose browser says English.
    context = browser.new_context(locale="de-DE" if language == "de" else "en-US")
    page = context.new_page()
    errors: list[str] = []  # as the suite's page fixture: a quiet console
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    search.sync()
    page.goto(demo.url + "/")
    if language == "fr":
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_url(demo.url + "/")
    check(page, language)

    # the knowledge base: a category, an article, a vote, a comment, a search
    page.get_by_role("navigation", name=ui["navigation"]).get_by_role("link", name=ui["knowledge base"]).click()
    page.get_by_role("heading", level=1, name=ui["knowledge base"]).wait_for()
    check(page, language)
    page.get_by_role("link", name="Getting started").click()
    page.get_by_role("heading", level=1, name="Getting started").wait_for()
    check(page, language)
    page.get_by_role("link", name="Creating your first project").click()
    page.get_by_role("heading", level=1, name="Creating your first project").wait_for()
    check(page, language)
    page.get_by_role("button", name=ui["yes"], exact=True).click()
    page.get_by_text(ui["thanks"]).wait_for()
    page.get_by_label(ui["your name"]).fill("Robin Beispiel")
    page.locator("#id_comment").fill(ui["comment text"])
    page.get_by_role("button", name=ui["publish"]).click()
    page.get_by_text(ui["published"]).wait_for()
    check(page, language, typed)
    page.get_by_role("searchbox").first.fill("Installer")
    page.get_by_role("button", name=ui["search"]).first.click()
    page.get_by_role("heading", level=1, name=ui["results"]).wait_for()
    check(page, language)

    # sign-up, and the address confirmed from the mail (allauth's own translations)
    page.goto(demo.url + "/accounts/signup/")
    check(page, language)
    page.get_by_label(ui["full name"]).fill("Robin Beispiel")
    page.locator("#id_email").fill(f"robin-{language}@example.com")
    page.locator("#id_password1").fill("Correct-horse-2026")
    page.locator("#id_password2").fill("Correct-horse-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    check(page, language, typed)
    confirmation = mail.outbox[-1]
    assert english_left([confirmation.subject, *confirmation.body.splitlines()], typed) == {}
    page.goto(re.search(r"https?://\S+/accounts/confirm-email/\S+", confirmation.body).group(0))
    check(page, language)
    page.get_by_role("button", name=ui["confirm"]).click()
    page.wait_for_url(demo.url + "/")

    # a ticket: the form, the page while it is delivered, the page once it is, the list and the ticket
    page.goto(demo.url + "/tickets/new/")
    check(page, language)
    page.get_by_label(ui["department"]).select_option(label="Billing")
    page.get_by_label(ui["subject"]).fill(ui["ticket subject"])
    page.locator("#id_message").fill(ui["ticket text"])
    page.get_by_role("button", name=ui["send ticket"]).click()
    page.get_by_text(ui["received"]).wait_for()
    check(page, language, typed)
    worker()
    page.get_by_text(ui["sent"]).first.wait_for()
    check(page, language, typed)
    page.get_by_role("link", name=ui["my tickets"]).first.click()
    page.get_by_role("link", name=ui["ticket subject"]).wait_for()
    check(page, language, typed)
    page.get_by_role("link", name=ui["ticket subject"]).click()
    page.get_by_role("heading", level=1, name=ui["ticket subject"]).wait_for()
    check(page, language, typed)

    page.goto(demo.url + "/no-such-page/")
    check(page, language)
    context.close()
    assert [error for error in errors if "404" not in error] == []  # the last page is a 404 on purpose
