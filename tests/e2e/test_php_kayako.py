"""A customer's whole journey with the portal pointed at each PHP peer (an original Kayako's
dialect: rpc/encoded, PHP arrays, a serialize()'d ticket), with text outside ASCII."""

from pathlib import Path

import pytest
from django.core.management import call_command

from helpdesk.models import Status, Ticket
from tests.e2e.test_tickets import sign_in

pytestmark = pytest.mark.e2e

# Within ISO-8859-1: a NuSOAP server in its default charset cannot carry more.
SUBJECT = "Drucker in Köln druckt nur Fragezeichen, ¿por qué?"
MESSAGE = "Grüße aus Köln!\nDer Drucker zeigt »Fehler 5« an. Ça ne marche pas."
REPLY = "Noch ein Detail: es passiert nur montags. Merci, señor."


@pytest.fixture(params=["php-extsoap", "php-nusoap"])
def php_kayako(request, embedded_helpdesk, settings, php_peers):
    settings.KAYAKO_API_URL = php_peers.get(request.param).api_url
    call_command("seed_demo", verbosity=0)
    return embedded_helpdesk


def test_browse_submit_reply_download_and_close(php_kayako, page, worker, tmp_path):
    base = php_kayako.url
    page.goto(base + "/kb/")
    page.get_by_role("link", name="Getting started").click()
    page.get_by_role("link", name="Installation").click()
    page.get_by_role("link", name="Windows", exact=True).click()
    page.get_by_role("link", name="Installing on Windows").click()
    page.get_by_role("heading", level=1, name="Installing on Windows").wait_for()
    assert page.get_by_text("The /quiet switch saved me a lot of clicking.").is_visible()
    assert page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Installation").is_visible()

    screenshot = tmp_path / "bildschirm-köln.txt"
    screenshot.write_bytes("Fehlermeldung: »Papierstau«\n".encode())
    log = tmp_path / "drucker.log"
    log.write_bytes(bytes(range(256)) * 8)
    reply_file = tmp_path / "nachtrag.txt"
    reply_file.write_bytes(b"montags\n")

    sign_in(page, base)
    page.goto(base + "/tickets/new/")
    page.get_by_label("Department").select_option(label="Technical support")
    page.get_by_text("Problem details").wait_for()  # the department's fields, all seven types
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message").fill(MESSAGE)
    page.get_by_label("Product version").fill("4.3 für Köln")  # text
    page.get_by_label("Operating system").select_option("Linux")  # select
    page.get_by_label("Sharing").check()  # checkbox group
    page.get_by_label("Steps to reproduce").fill("Drucken, dann »Fehler«")  # text area
    page.get_by_label("Once").check()  # radio
    page.get_by_label("Affected platforms").select_option(["Desktop", "Web"])  # select multiple
    page.get_by_label("Licence key").fill("SCHLÜSSEL-1")  # password
    page.get_by_label("Attachments").set_input_files([str(screenshot), str(log)])
    page.get_by_role("button", name="Send ticket").click()
    page.get_by_text("We have received your ticket").wait_for()  # stored; the worker delivers it
    worker()
    page.get_by_text("was sent").wait_for()

    ticket = Ticket.objects.get(subject=SUBJECT)
    values = {v.field.title: v.value for v in ticket.customvalues.select_related("field")}
    assert values == {
        "Product version": "4.3 für Köln", "Operating system": "Linux", "Affected components": "Sync\nSharing",
        "Steps to reproduce": "Drucken, dann »Fehler«", "How often does it happen?": "Once",
        "Affected platforms": "Web\nDesktop", "Licence key": "SCHLÜSSEL-1",
    }
    assert ticket.posts.get().contents == MESSAGE.replace("\n", "\r\n")  # as the browser sent it
    assert sorted(a.name for a in ticket.attachments.all()) == sorted([screenshot.name, log.name])

    page.goto(base + "/tickets/")
    page.get_by_role("link", name=SUBJECT).click()
    page.get_by_role("heading", level=1, name=SUBJECT).wait_for()  # from the serialize()'d ticket
    assert page.get_by_text("Der Drucker zeigt »Fehler 5« an.").is_visible()

    page.get_by_label("Your reply").fill(REPLY)
    page.locator("#id_attachments").set_input_files(str(reply_file))
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("We have received your reply").wait_for()
    worker()
    page.get_by_text("Your reply was added.").wait_for()
    assert page.get_by_text(REPLY).is_visible()

    for upload in (log, screenshot, reply_file):
        with page.expect_download() as download:
            page.get_by_role("link", name=upload.name).click()
        assert Path(download.value.path()).read_bytes() == upload.read_bytes()

    page.get_by_role("button", name="Close ticket (my problem is solved)").click()
    page.get_by_text("The ticket was updated.").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Status.objects.get(title="Closed")
    assert page.get_by_role("button", name="Reopen ticket").is_visible()
