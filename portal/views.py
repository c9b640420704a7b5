"""The site shell: home, health and the error pages."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

import kayako


def home(request):
    return render(request, "home.html")


@never_cache
def health(request):
    """200 while the database answers, whatever the helpdesk does; its state is reported."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as error:  # any driver error means the same thing here
        database = f"error: {type(error).__name__}"
    started = time.perf_counter()
    try:
        kayako.ping()
        helpdesk = {"reachable": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    except kayako.KayakoError as error:
        helpdesk = {"reachable": False, "latency_ms": None, "error": error.kind}
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database, "helpdesk": helpdesk}, status=status)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def request_too_large(request):
    return render(request, "413.html", {"limit": settings.REQUEST_BODY_MAX_BYTES}, status=413)


def helpdesk_unavailable(request):
    return render(request, "503.html", status=503)


def bench_ceiling(request):
    return render(request, "bench_ceiling.html", {"greeting": "Hello"})
