from pathlib import Path

import pytest

from helpdesk.models import Department, Status, Ticket
from kb import search
from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.e2e


def sign_in(page, base_url, email="demo@example.com", password="demo-password-2026"):
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base_url + "/")


def test_submit_find_open_reply_download_and_close(demo, page, worker, tmp_path):
    search.sync()
    sign_in(page, demo.url)
    first = tmp_path / "screenshot.txt"
    first.write_bytes(b"first attachment\n")
    second = tmp_path / "details.log"
    second.write_bytes(bytes(range(256)) * 4)
    reply_file = tmp_path / "more.txt"
    reply_file.write_bytes(b"reply attachment")

    page.goto(demo.url + "/tickets/new/")
    assert_accessible(page)
    page.get_by_label("Department").select_option(label="Technical support")
    page.get_by_text("Problem details").wait_for()  # htmx swapped in the department's fields
    page.get_by_label("Subject").fill("Installer stops on Windows")
    page.locator("#kb-suggestions").get_by_role("link", name="Installing on Windows").wait_for()
    page.get_by_label("Message").fill("The installer stops at 90%.\nWhat can I do?")
    page.get_by_label("Product version").fill("4.3.1")
    page.get_by_label("Operating system").select_option("macOS")
    page.get_by_label("Sharing").check()
    page.get_by_label("Steps to reproduce").fill("Run setup.exe")
    page.get_by_label("Every time").check()
    page.get_by_label("Affected platforms").select_option(["Desktop", "Mobile"])
    page.get_by_label("Licence key").fill("KEY-123")
    page.get_by_label("Attachments").set_input_files([str(first), str(second)])
    assert_accessible(page)
    page.get_by_role("button", name="Send ticket").click()
    page.get_by_text("We have received your ticket").wait_for()  # stored; the worker delivers it
    assert_accessible(page)
    worker()
    page.get_by_text("was sent").wait_for()  # htmx saw it delivered and opened the ticket

    ticket = Ticket.objects.get(subject="Installer stops on Windows")
    values = {v.field.title: v.value for v in ticket.customvalues.select_related("field")}
    assert values["Affected components"] == "Sync\nSharing"
    assert values["Affected platforms"] == "Desktop\nMobile"
    assert values["Licence key"] == "KEY-123" and values["How often does it happen?"] == "Every time"
    assert sorted(a.name for a in ticket.attachments.all()) == ["details.log", "screenshot.txt"]

    page.goto(demo.url + "/tickets/")
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Department").select_option(label="Technical support")
    page.get_by_label("Sort by").select_option(label="Last activity")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**department=*")
    assert_accessible(page)
    page.get_by_role("link", name="Installer stops on Windows").click()
    page.get_by_role("heading", level=1, name="Installer stops on Windows").wait_for()
    assert_accessible(page)

    page.get_by_label("Your reply").fill("Here is more information.")
    page.locator("#id_attachments").set_input_files(str(reply_file))
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("We have received your reply").wait_for()
    worker()
    page.get_by_text("Your reply was added.").wait_for()
    assert page.get_by_text("Here is more information.").is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="details.log").click()
    assert download.value.suggested_filename == "details.log"
    assert Path(download.value.path()).read_bytes() == second.read_bytes()

    page.get_by_role("button", name="Close ticket (my problem is solved)").click()
    page.get_by_text("The ticket was updated.").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Status.objects.get(title="Closed")
    assert ticket.department == Department.objects.get(title="Technical support")
    assert page.get_by_role("button", name="Reopen ticket").is_visible()


def test_without_javascript_the_page_after_sending_refreshes_itself(demo, browser, worker):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, demo.url)
        page.goto(demo.url + "/tickets/new/")
        page.get_by_label("Subject").fill("Printed invoices are blank")
        page.get_by_label("Message").fill("Every page comes out empty.")
        page.get_by_role("button", name="Send ticket").click()
        page.get_by_text("We have received your ticket").wait_for()
        worker()
        page.get_by_text("was sent").wait_for(timeout=10_000)  # the page reloaded itself
        ticket = Ticket.objects.get(subject="Printed invoices are blank")
        assert page.url == f"{demo.url}/tickets/{ticket.pk}/"
    finally:
        context.close()
