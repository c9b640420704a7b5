"""A plain zeep client on the live embedded helpdesk: the conformance suite talks to it as any
third-party client would, through the published WSDL only."""

import http.server
import threading

import pytest
import zeep
from django.conf import settings
from zeep.exceptions import Fault

from helpdesk.models import Department, Priority

INT32_MIN, INT32_MAX = -2_147_483_648, 2_147_483_647
LIST_DEFAULTS = {"numPerPage": 10, "page": 1, "sortBy": "lastactivity", "orderAsc": False}
RESTRICTION_DEFAULTS = {
    **LIST_DEFAULTS,
    "minStartDate": INT32_MIN, "maxStartDate": INT32_MAX,
    "minLastActivity": INT32_MIN, "maxLastActivity": INT32_MAX,
    "minDueDate": INT32_MIN, "maxDueDate": INT32_MAX,
    "specificDepartment": 0, "specificStatus": 0, "specificPriority": 0,
}
SUBMIT_DEFAULTS = {"attachments": {"item": []}, "sendAuto": False, "passType": 0, "pass": None, "customs": {"item": []}}


class Api:
    def __init__(self, url: str):
        self.client = zeep.Client(f"{url}/integrationapi/index.php?wsdl")
        self.service = self.client.service

    def __call__(self, operation: str, *, user=None, password=None, **params):
        method = getattr(self.service, operation)
        return method(
            user=settings.HELPDESK_API_USERNAME if user is None else user,
            password=settings.HELPDESK_API_PASSWORD if password is None else password,
            **params,
        )

    def error(self, operation: str, **params) -> int:
        """The code of the fault the call raises (and fails if it succeeds)."""
        with pytest.raises(Fault) as fault:
            self(operation, **params)
        assert fault.value.message == "Kayako API Error"
        return int("".join(fault.value.detail.itertext()).strip())

    def tickets(self, email: str, **params):
        return self("getSubmittedTicketsWithExtraRestrictions", email=email, **{**RESTRICTION_DEFAULTS, **params})

    def submit(self, **params):
        base = {
            "email": "new.customer@example.com", "departmentId": Department.objects.get(title="Billing").pk,
            "priorityId": Priority.objects.first().pk, "fullName": "New Customer",
            "subject": "Printer on fire", "message": "It is on fire.",
        }
        return self("submitTicket", **{**base, **SUBMIT_DEFAULTS, **params})


@pytest.fixture
def api(demo):
    return Api(demo.url)


class _FileHandler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server(settings):
    """A throwaway HTTP server on 127.0.0.1 serving `files` (path -> bytes), an allowed origin."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FileHandler.files = {}
    server.files = _FileHandler.files
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.HELPDESK_ATTACHMENT_ORIGINS = [*settings.HELPDESK_ATTACHMENT_ORIGINS, server.url]
    yield server
    server.shutdown()
