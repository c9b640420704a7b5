"""The embedded helpdesk's process: the Integration API and the staff desk (helpdesk.urls).

Its own pages (start, favicon, 404 and 500) are in helpdesk/views.py: the site's templates belong to the portal.
"""

import hashlib
import hmac

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DEBUG,
    DEMO_API_PASSWORD,
    DEMO_API_USERNAME,
    DEMO_MODE,
    HELPDESK_PORT,
    PORTAL_PUBLIC_URL,
    SECRET_KEY,
    STAGED_FILES_URL,
    env,
)

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

# A secret of its own, so that nothing signed by one process (a session, its auth hash, a CSRF
# token) is accepted by the other, though they share a host, a database and its auth_user table;
# and cookies of their own, so that signing in to one does not overwrite the other's.
SECRET_KEY = env.str("HELPDESK_SECRET_KEY", default="") or hmac.new(
    SECRET_KEY.encode(), b"the embedded helpdesk's own secret", hashlib.sha256
).hexdigest()
SESSION_COOKIE_NAME = "desk_sessionid"
CSRF_COOKIE_NAME = "desk_csrftoken"

# The API credentials this helpdesk accepts (compared in constant time). The portal sends
# KAYAKO_API_USERNAME/PASSWORD; the defaults of both are the demo pair, which is refused at
# start with DEBUG off unless DEMO_MODE says that a demo is meant.
HELPDESK_API_USERNAME = env.str("HELPDESK_API_USERNAME", default=DEMO_API_USERNAME)
HELPDESK_API_PASSWORD = env.str("HELPDESK_API_PASSWORD", default=DEMO_API_PASSWORD)
if HELPDESK_API_PASSWORD in ("", DEMO_API_PASSWORD) and not (DEBUG or DEMO_MODE):
    raise ImproperlyConfigured(
        "The embedded helpdesk would accept the demo API password, which the README publishes. "
        "Set HELPDESK_API_USERNAME and HELPDESK_API_PASSWORD (and the portal's KAYAKO_API_USERNAME and "
        "KAYAKO_API_PASSWORD to the same pair), or set DEMO_MODE=true for a demo."
    )
# Failed API sign-ins per client address: this many are free, then each locks the address out
# for twice as long as the one before (2 s, 4 s, ...) up to the maximum (helpdesk.soap.throttle).
HELPDESK_API_FREE_FAILURES = env.int("HELPDESK_API_FREE_FAILURES", default=3)
HELPDESK_API_MAX_LOCKOUT_SECONDS = env.int("HELPDESK_API_MAX_LOCKOUT_SECONDS", default=900)
# The address written into the WSDL and into attachment URLs: configuration, never a Host header.
HELPDESK_PUBLIC_URL = env.str(
    "HELPDESK_PUBLIC_URL", default=f"http://127.0.0.1:{HELPDESK_PORT}"
).rstrip("/")
# Origins (scheme://host:port) the helpdesk fetches offered attachments from; nothing else (the
# portal's, and that of its server for staged files if it has one).
HELPDESK_ATTACHMENT_ORIGINS = env.list(
    "HELPDESK_ATTACHMENT_ORIGINS", default=[PORTAL_PUBLIC_URL, *([STAGED_FILES_URL] if STAGED_FILES_URL else [])])
HELPDESK_ATTACHMENT_MAX_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_BYTES", default=50 * 1024 * 1024)
HELPDESK_ATTACHMENT_FETCH_TIMEOUT = env.float("HELPDESK_ATTACHMENT_FETCH_TIMEOUT", default=10.0)
HELPDESK_ATTACHMENT_URL_TTL = env.int("HELPDESK_ATTACHMENT_URL_TTL", default=300)
HELPDESK_SOAP_MAX_BODY = env.int("HELPDESK_SOAP_MAX_BODY", default=2 * 1024 * 1024)
# "random" gives masks like ABC-123456; "sequential" makes the mask the ticket id.
HELPDESK_TICKET_NUMBERING = env.str("HELPDESK_TICKET_NUMBERING", default="random")

# --- Mails to customers (helpdesk/notifications.py), sent by the helpdesk's own task worker ---
# The link to a ticket in them: {id} and {mask} are filled in. Empty: PORTAL_PUBLIC_URL/tickets/{id}/.
HELPDESK_TICKET_URL = env.str("HELPDESK_TICKET_URL", default="")
# A mail that cannot be sent is tried again after 30 s, 1 min, 2 min ... (at most an hour apart),
# this many times in all.
HELPDESK_MAIL_ATTEMPTS = env.int("HELPDESK_MAIL_ATTEMPTS", default=10)
HELPDESK_MAIL_RETRY_SECONDS = 30
HELPDESK_MAIL_KEEP_DAYS = 30  # sent mails (their record) are then removed

# Its task worker (`manage.py worker --settings=portal.settings.helpdesk`) runs this queue only.
TASKS_QUEUE = "helpdesk"
PERIODIC_TASKS = {
    # the mails to customers: run at once for each burst of new ones (notifications.announce), and
    # every 30 s for those due again after a failure and for what a lost run left
    "helpdesk-mails": {"function": "helpdesk.notifications.send_due", "every": 30},
    "helpdesk-mails-purge": {"function": "helpdesk.notifications.purge_sent", "every": 3600},
}
