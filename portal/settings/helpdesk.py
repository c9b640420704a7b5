"""The embedded helpdesk's process: the Integration API and the staff desk (helpdesk.urls).

Its own pages (start, favicon, 404 and 500) are in helpdesk/views.py: the site's templates belong to the portal.
"""

from .base import *  # noqa: F403
from .base import HELPDESK_PORT, PORTAL_PUBLIC_URL, env

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

# The API credentials this helpdesk accepts (compared in constant time). The portal sends
# KAYAKO_API_USERNAME/PASSWORD; the defaults of both are the demo pair.
HELPDESK_API_USERNAME = env.str("HELPDESK_API_USERNAME", default="demo-api")
HELPDESK_API_PASSWORD = env.str("HELPDESK_API_PASSWORD", default="demo-api-password")
# The address written into the WSDL and into attachment URLs: configuration, never a Host header.
HELPDESK_PUBLIC_URL = env.str(
    "HELPDESK_PUBLIC_URL", default=f"http://127.0.0.1:{HELPDESK_PORT}"
).rstrip("/")
# Origins (scheme://host:port) the helpdesk fetches offered attachments from; nothing else.
HELPDESK_ATTACHMENT_ORIGINS = env.list("HELPDESK_ATTACHMENT_ORIGINS", default=[PORTAL_PUBLIC_URL])
HELPDESK_ATTACHMENT_MAX_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_BYTES", default=50 * 1024 * 1024)
HELPDESK_ATTACHMENT_FETCH_TIMEOUT = env.float("HELPDESK_ATTACHMENT_FETCH_TIMEOUT", default=10.0)
HELPDESK_ATTACHMENT_URL_TTL = env.int("HELPDESK_ATTACHMENT_URL_TTL", default=300)
HELPDESK_SOAP_MAX_BODY = env.int("HELPDESK_SOAP_MAX_BODY", default=2 * 1024 * 1024)
# "random" gives masks like ABC-123456; "sequential" makes the mask the ticket id.
HELPDESK_TICKET_NUMBERING = env.str("HELPDESK_TICKET_NUMBERING", default="random")
