"""A cap on request bodies (REQUEST_BODY_MAX_BYTES), enforced before anything reads one.

`RequestBodyCap` wraps each process's WSGI application. A declared Content-Length over the cap is
refused without reading a byte. A chunked body has no declared length: it is read into a spooled
temporary file with a running count, and refused as soon as the count passes the cap (Django itself
reads only up to Content-Length, so a chunked body reaches it, when accepted, with its length set).
A refused request reaches Django with an empty body and a mark in its environ, and the process
answers it in its own way: `RefusedBodyMiddleware` renders the URLconf's `handler413` (the portal's
friendly page, the staff desk's own), and the SOAP endpoint, which runs without middleware, answers
with a fault. Without the WSGI wrapper (Django's test client) the middleware still checks
Content-Length.
"""

import logging
import tempfile

from django.conf import settings
from django.urls import get_resolver

logger = logging.getLogger("common.bodycap")

REFUSED = "portal.request_body_refused"  # environ key: the refused body's size, as far as it was counted
CHUNK_SIZE = 64 * 1024
SPOOL_IN_MEMORY_UP_TO = 1024 * 1024


def declared_length(environ) -> int | None:
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _is_chunked(environ) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def _spool_chunked(environ, limit: int) -> int:
    """Reads the chunked body into a spooled file that replaces wsgi.input; the number of bytes read,
    which is limit + 1 when the body is larger than the limit (the rest is never read)."""
    stream, spool, size = environ["wsgi.input"], tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY_UP_TO), 0  # noqa: SIM115 - the request's body from now on
    while size <= limit:
        chunk = stream.read(min(CHUNK_SIZE, limit + 1 - size))
        if not chunk:
            break
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = spool, str(size)
    return size


class RequestBodyCap:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        limit = settings.REQUEST_BODY_MAX_BYTES
        size = declared_length(environ)
        if size is None and _is_chunked(environ):
            size = _spool_chunked(environ, limit)
        if size is not None and size > limit:
            logger.warning("request body refused: %s bytes or more to %s (limit %s)",
                           size, environ.get("PATH_INFO", ""), limit)
            environ[REFUSED] = size
            environ["CONTENT_LENGTH"] = "0"
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.application(environ, start_response)


def is_refused(request) -> bool:
    """Whether this request's body is over the cap (and so must not be read, nor answered but with 413)."""
    size = declared_length(request.META)
    return REFUSED in request.META or (size is not None and size > settings.REQUEST_BODY_MAX_BYTES)


class RefusedBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_refused(request):
            return get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(413)(request)
        return self.get_response(request)
