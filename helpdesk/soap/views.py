"""The SOAP endpoint of the embedded helpdesk: /integrationapi/index.php.

`?wsdl` serves the static document/literal WSDL, `?wsdl=rpc` the rpc/encoded one (for code
written for the original, PHP's SoapClient above all), `?getattachment=<token>` an attachment's
content, and a POST runs one API call in either style, answered in the style it came in.
Whatever goes wrong, the answer is a SOAP fault, never an HTML page, and no log line carries the
request body (it holds the API password).
"""

import keyword
import logging
import re
import time

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from common import bodycap

from .. import api
from . import codec, schema, throttle

logger = logging.getLogger("helpdesk.soap")
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
API_PATH = "/integrationapi/index.php"
# The value of ?wsdl= to the style of the WSDL served.
WSDL_CHOICES = {"": codec.DOCUMENT, codec.RPC: codec.RPC}


def _python_name(name: str) -> str:
    """getSubmittedTickets -> get_submitted_tickets; pass -> pass_."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return f"{snake}_" if keyword.iskeyword(snake) else snake


# Every operation of the WSDL has its function in helpdesk.api; a missing one fails at import.
OPERATIONS = {name: getattr(api, _python_name(name)) for name in schema.schema().operations}


def _fault_response(body: bytes, status: int = 500) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=XML_CONTENT_TYPE)
    # A fault is an answer, not a crash: keep django.request from logging it as a server error.
    response._has_been_logged = True
    return response


def _client_fault(message: str, status: int = 500) -> HttpResponse:
    return _fault_response(codec.encode_fault("Client", message), status)


@csrf_exempt
def endpoint(request):
    response = _answer(request)
    response["X-Content-Type-Options"] = "nosniff"
    if not response.streaming:
        # The endpoint has no middleware to set it (helpdesk.wsgi): without a length the reply went
        # chunked, more writes for the server and more reading for the caller.
        response["Content-Length"] = str(len(response.content))
    return response


def _answer(request):
    if request.method == "GET":
        if "wsdl" in request.GET or "WSDL" in request.GET:
            return _wsdl(request.GET.get("wsdl", request.GET.get("WSDL")))
        if "getattachment" in request.GET:
            return _attachment(request.GET["getattachment"])
        return _client_fault("POST a SOAP envelope, or GET ?wsdl", status=405)
    if request.method != "POST":
        return _client_fault("POST a SOAP envelope, or GET ?wsdl", status=405)
    return _call(request)


def _wsdl(choice: str) -> HttpResponse:
    style = WSDL_CHOICES.get(choice.lower())
    if style is None:
        return _client_fault(
            f"Unknown WSDL {choice[:50]!r}: ?wsdl is document/literal, ?wsdl=rpc is rpc/encoded", status=404
        )
    address = f"{settings.HELPDESK_PUBLIC_URL}{API_PATH}"
    return HttpResponse(schema.wsdl_document(style, address), content_type=XML_CONTENT_TYPE)


def _read_body(request) -> bytes | None:
    limit = settings.HELPDESK_SOAP_MAX_BODY
    if bodycap.is_refused(request):
        return None
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _call(request) -> HttpResponse:
    started = time.perf_counter()
    body = _read_body(request)
    if body is None:
        logger.info("soap rejected: body over %s bytes", settings.HELPDESK_SOAP_MAX_BODY)
        return _client_fault("The request body is too large", status=413)
    address = request.META.get("REMOTE_ADDR", "")
    known = throttle.state(address)
    if throttle.is_locked_out(address, known):  # answered at once, the request unread: see throttle
        logger.info("soap ? locked-out %s", address)
        return _fault_response(codec.kayako_fault(api.BAD_CREDENTIALS))
    operation, style = "?", ""
    try:
        call = codec.parse_request(body)
        operation, style = call.operation, call.style
        _authenticate(call.params["user"], call.params["password"], address, known)
        arguments = {_python_name(k): v for k, v in call.params.items() if k not in ("user", "password")}
        result = OPERATIONS[operation](**arguments)
        response = HttpResponse(codec.encode_response(call, result), content_type=XML_CONTENT_TYPE)
        outcome = "ok"
    except codec.DecodeError as error:
        response, outcome = _client_fault(str(error)), "client-fault"
    except api.ApiError as error:
        response, outcome = _fault_response(codec.kayako_fault(error.code)), f"error {error.code}"
    except Exception:
        logger.exception("soap %s failed", operation)
        response = _fault_response(codec.encode_fault("Server", "Internal error"))
        outcome = "server-fault"
    logger.info("soap %s %s %.1fms %s", operation, outcome, (time.perf_counter() - started) * 1000, style)
    return response


def _authenticate(user: str, password: str, address: str, known: dict) -> None:
    try:
        api.authenticate(user, password)
    except api.ApiError:
        throttle.failed(address)
        raise
    throttle.succeeded(address, known)


def _attachment(token: str):
    attachment = api.attachment_for_token(token)
    if attachment is None:
        return _client_fault("Unknown or expired attachment link", status=404)
    try:
        content = attachment.file.open("rb")
    except OSError:
        logger.exception("attachment %s has no file", attachment.pk)
        return _fault_response(codec.kayako_fault(-19), status=404)
    return FileResponse(content, as_attachment=True, filename=attachment.name, content_type=attachment.mimetype)
