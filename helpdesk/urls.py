"""URLs of the embedded helpdesk process: the Integration API and the staff desk."""

from django.urls import path

from .admin import desk_site
from .soap.views import API_PATH, endpoint

urlpatterns = [
    path(API_PATH.lstrip("/"), endpoint, name="helpdesk-api"),
    path("desk/", desk_site.urls),
]
