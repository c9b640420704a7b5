"""The site shell: home, health and the error pages."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

import kayako


def home(request):
    return render(request, "home.html")


def _moment(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _helpdesk(state: kayako.HelpdeskState) -> dict:
    return {
        "state": state.state,
        "down_since": _moment(state.opened.since if state.opened else None),
        "retry_at": _moment(state.opened.retry_at if state.opened else None),
        "last_success": _moment(state.last_success),
        "last_failure": _moment(state.last_failure),
        "last_error": state.last_error,
    }


@never_cache
def health(request):
    """200 while this process, its database and its cache answer, whatever the helpdesk does.

    The helpdesk's state is what the circuit breaker and the last calls recorded in the shared
    cache: nothing here calls the helpdesk, so a hung one cannot hold this answer up.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as error:  # any driver error means the same thing here
        database = f"error: {type(error).__name__}"
    try:
        helpdesk, cache = _helpdesk(kayako.helpdesk_state()), "ok"
    except Exception as error:  # the cache's backend, or the stored connection settings, unreadable
        helpdesk, cache = None, f"error: {type(error).__name__}"
    healthy = database == cache == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", "database": database, "cache": cache,
                         "helpdesk": helpdesk}, status=200 if healthy else 503)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def request_too_large(request):
    return render(request, "413.html", {"limit": settings.REQUEST_BODY_MAX_BYTES}, status=413)


def helpdesk_unavailable(request):
    response = render(request, "503.html", {"was_sent": request.method == "POST"}, status=503)
    response["Retry-After"] = str(round(settings.KAYAKO_BREAKER_COOL_DOWN))
    return response


def bench_ceiling(request):
    return render(request, "bench_ceiling.html", {"greeting": "Hello"})
