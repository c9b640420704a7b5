"""The helpdesk process's own pages: an unknown path is its own 404 page, never a traceback."""

import logging

import pytest

pytestmark = [pytest.mark.urls("helpdesk.urls"), pytest.mark.django_db]


@pytest.mark.parametrize("path", ["/nope", "/wp-login.php", "/.env", "/tickets/", "/kb/", "/integrationapi/other.php"])
def test_unknown_paths_are_the_helpdesks_404(client, caplog, path):
    with caplog.at_level(logging.WARNING):
        response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert "This is the helpdesk. There is nothing at this address." in page
    assert 'href="/desk/"' in page
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_start_leads_to_the_staff_desk(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/desk/"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)


def test_server_error_page_needs_nothing_of_the_portal(rf):
    from helpdesk.views import server_error

    response = server_error(rf.get("/desk/"))
    assert response.status_code == 500
    assert b"The helpdesk could not answer this request" in response.content
