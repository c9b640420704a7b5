"""URLs of the embedded helpdesk process: the Integration API and the staff desk, plus its own start,
favicon and error pages."""

from django.urls import path

from . import views
from .admin import desk_site
from .soap.views import API_PATH, endpoint

urlpatterns = [
    path("", views.start, name="helpdesk-start"),
    path("favicon.ico", views.favicon, name="helpdesk-favicon"),
    path(API_PATH.lstrip("/"), endpoint, name="helpdesk-api"),
    path("desk/", desk_site.urls),
]

handler404 = "helpdesk.views.page_not_found"
handler500 = "helpdesk.views.server_error"
handler413 = "helpdesk.views.request_too_large"  # common.bodycap.RefusedBodyMiddleware
