from common.site import site_name


def navigation(request):
    """Which part of the site a page belongs to, for the navigation's current link (and the key
    under which the rendered navigation is cached)."""
    path = request.path
    if path.startswith("/kb/"):
        section = "kb"
    elif path == "/tickets/new/":
        section = "submit"
    elif path.startswith("/tickets/"):
        section = "tickets"
    else:
        section = ""
    return {"nav_section": section}


def site(request):
    return {"site_name": site_name()}
