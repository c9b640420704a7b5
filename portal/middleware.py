import kayako

from .views import helpdesk_unavailable, page_not_found


class HelpdeskErrorsMiddleware:
    """Each request's calls to the helpdesk share one operation timeout (kayako.page_scope), and
    service errors that a view lets through become the site's error pages.

    Unavailable and protocol errors are the friendly 503 page; not found and not yours are the
    same 404, so nobody can tell someone else's ticket from a missing one. Views that can do
    better (keep a form's input) catch the error first; cached copies are served by the service
    module itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with kayako.page_scope():
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, kayako.Unavailable | kayako.ProtocolError):
            return helpdesk_unavailable(request)
        if isinstance(exception, kayako.NotFound):
            return page_not_found(request, exception)
        return None
