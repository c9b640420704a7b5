"""The helpdesk process's WSGI application: the API without the middleware stack, the staff
desk with it."""

from django.conf import settings
from django.test import RequestFactory

from helpdesk.soap.views import API_PATH
from helpdesk.wsgi import HelpdeskWSGIHandler


def run(environ):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(HelpdeskWSGIHandler()(environ, start_response))
    return answer["status"], answer["headers"], body


def test_the_api_is_answered_without_middleware(demo):
    envelope = (
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:k="urn:KayakoIntegrationAPI"><s:Body><k:getDepartmentList>'
        f"<k:user>{settings.HELPDESK_API_USERNAME}</k:user><k:password>{settings.HELPDESK_API_PASSWORD}</k:password>"
        "</k:getDepartmentList></s:Body></s:Envelope>"
    )
    status, headers, body = run(RequestFactory().post(API_PATH, envelope, content_type="text/xml").environ)
    assert status.startswith("200")
    assert b"getDepartmentListResponse" in body and b"Technical support" in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Length"] == str(len(body))  # sent whole, not chunked
    assert "Content-Security-Policy" not in headers  # the CSP middleware did not run
    status, _, body = run(RequestFactory().get(API_PATH, {"wsdl": ""}).environ)
    assert status.startswith("200") and b"wsdl:definitions" in body


def test_the_staff_desk_still_goes_through_the_middleware(demo):
    status, headers, _ = run(RequestFactory().get("/desk/login/").environ)
    assert status.startswith("200")
    assert "Content-Security-Policy" in headers and "csrftoken" in headers.get("Set-Cookie", "")


def test_an_unknown_path_is_the_helpdesks_own_404_with_its_settings(demo, settings):
    from portal.settings import helpdesk as helpdesk_settings

    settings.ROOT_URLCONF, settings.TEMPLATES = helpdesk_settings.ROOT_URLCONF, helpdesk_settings.TEMPLATES
    status, _, body = run(RequestFactory().get("/kb/").environ)
    assert status.startswith("404") and b"This is the helpdesk. There is nothing at this address." in body
