"""The helpdesk process's own pages besides the API and the staff desk: its start, its favicon and its
error pages. They use nothing of the portal, whose routes this process does not serve."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .soap.views import API_PATH


@require_GET
def start(request):
    return redirect("desk:index")


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    path = finders.find("img/favicon.svg")
    if path is None:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/svg+xml")


def _error_page(request, status: int, title, **context):
    return render(request, "helpdesk/error.html", {"status": status, "title": title, "api_path": API_PATH, **context},
                  status=status)


def page_not_found(request, exception=None):
    return _error_page(request, 404, _("Page not found"))


def request_too_large(request):
    return _error_page(request, 413, _("The request is too large"), limit=settings.REQUEST_BODY_MAX_BYTES)


def server_error(request):
    return _error_page(request, 500, _("Something went wrong"))
