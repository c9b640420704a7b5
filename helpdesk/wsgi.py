"""The WSGI application of the embedded helpdesk's own process (settings portal.settings.helpdesk).

The API endpoint is answered without the middleware stack: it uses no session, user, CSRF
token, message or CSP, and the stack cost about 40% of a call's CPU. Everything else (the
staff desk) goes through Django as usual. Request bodies over REQUEST_BODY_MAX_BYTES are refused
before anything reads them (common.bodycap).
"""

import os

from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.helpdesk")


class HelpdeskWSGIHandler(WSGIHandler):
    def get_response(self, request):
        from helpdesk.soap.views import API_PATH, endpoint

        if request.path_info != API_PATH:
            return super().get_response(request)
        try:
            return endpoint(request)
        finally:
            request.close()  # as Django does when a response ends; the reply never reads the request


def _application():
    import django

    from common.bodycap import RequestBodyCap

    django.setup(set_prefix=False)
    return RequestBodyCap(HelpdeskWSGIHandler())


application = _application()
