"""URLs of the portal process."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/profile/", account_views.profile, name="account_profile"),
    # set_language: the footer's switcher; its cookie, then the browser, choose the language.
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("kb/", include("kb.urls")),
    path("tickets/", include("tickets.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_MODE:
    # The framework ceiling for scripts/bench: the same stack rendering a tiny template.
    urlpatterns.append(path("bench/ceiling/", views.bench_ceiling))

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
handler413 = "portal.views.request_too_large"  # common.bodycap.RefusedBodyMiddleware
