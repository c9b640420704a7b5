import pytest

from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.e2e


def test_home_page_in_chromium(helpdesk, page):
    response = page.goto(helpdesk.url + "/")
    assert response.status == 200
    assert page.title().endswith("Support portal")
    assert page.locator("nav").get_by_role("link", name="Knowledge base").is_visible()
    assert page.locator("nav").get_by_role("link", name="Sign in").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert_accessible(page)


def test_navigation_collapses_on_a_small_screen(helpdesk, page):
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(helpdesk.url + "/")
    toggle = page.get_by_role("button", name="Toggle navigation")
    assert toggle.is_visible()
    assert not page.get_by_role("link", name="My tickets").is_visible()
    assert not page.get_by_role("link", name="Sign in").is_visible()
    toggle.click()
    page.get_by_role("link", name="My tickets").wait_for(state="visible")
    page.get_by_role("link", name="Sign in").wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert_accessible(page)
