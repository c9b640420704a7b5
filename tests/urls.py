"""The portal and the embedded helpdesk on one live server, as the tests run them."""

from helpdesk.urls import urlpatterns as helpdesk_urlpatterns
from portal.urls import handler404, handler413, handler500
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = portal_urlpatterns + helpdesk_urlpatterns

__all__ = ["handler404", "handler413", "handler500", "urlpatterns"]
