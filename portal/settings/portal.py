"""The portal process: the customer-facing site (portal.urls) and the client side of the API."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DEMO_API_PASSWORD, DEMO_API_USERNAME, HELPDESK_PORT, MIDDLEWARE, TEMPLATES, env

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
MIDDLEWARE = [*MIDDLEWARE, "portal.middleware.HelpdeskErrorsMiddleware"]
# The site's templates, including its versions of allauth's pages and of the admin's user pages.
TEMPLATES = [{
    **TEMPLATES[0],
    "DIRS": [BASE_DIR / "templates"],
    "OPTIONS": {"context_processors": [*TEMPLATES[0]["OPTIONS"]["context_processors"],
                                       "portal.context_processors.navigation", "portal.context_processors.site",
                                       # after Django's csrf_token, which it replaces on pages kept to share
                                       "common.pagecache.csrf_marker"]},
}]

# Django's cookie names, said here because the staff desk's process has names of its own.
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"

# The site's name in pages and mails (common/site.py); empty: "Support portal", translated.
SITE_NAME = env.str("SITE_NAME", default="")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Accounts (django-allauth): email is the identity towards the helpdesk, so it must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Customers are named by their full name (else their address) in allauth's messages and mails.
ACCOUNT_USER_DISPLAY = "common.customers.customer_name"
# allauth's rate limits are on by default (login failures, sign-ups, password resets, ...).
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# scripts/bench mounts a trivial view as the framework ceiling; never on in production.
BENCH_MODE = env.bool("BENCH_MODE", default=False)

# --- The helpdesk API this portal calls (admins may override these in the admin) ---
KAYAKO_API_URL = env.str(
    "KAYAKO_API_URL", default=f"http://127.0.0.1:{HELPDESK_PORT}/integrationapi/index.php"
)
# Where the server publishes its WSDL: "wsdl" (as the original and the embedded helpdesk do), or
# "wsdl=rpc" for the embedded helpdesk's rpc/encoded binding.
KAYAKO_WSDL_QUERY = env.str("KAYAKO_WSDL_QUERY", default="wsdl")
# What the portal sends; the embedded helpdesk checks HELPDESK_API_USERNAME/PASSWORD.
KAYAKO_API_USERNAME = env.str("KAYAKO_API_USERNAME", default=DEMO_API_USERNAME)
KAYAKO_API_PASSWORD = env.str("KAYAKO_API_PASSWORD", default=DEMO_API_PASSWORD)
KAYAKO_OPERATION_TIMEOUT = env.float("KAYAKO_OPERATION_TIMEOUT", default=5.0)
KAYAKO_CONNECT_TIMEOUT = env.float("KAYAKO_CONNECT_TIMEOUT", default=2.0)
KAYAKO_POOL_SIZE = env.int("KAYAKO_POOL_SIZE", default=env.int("GUNICORN_THREADS", default=3))
# Threads of a process that may wait on the helpdesk at once: one fewer than it has, so that a hung
# helpdesk never takes them all (pages that do not need it, and /health/, still find one).
KAYAKO_CONCURRENT_CALLS = env.int("KAYAKO_CONCURRENT_CALLS", default=max(1, env.int("GUNICORN_THREADS", default=3) - 1))
# The circuit breaker: after this many timeouts or connection failures in a row, calls fail at once
# for the cool-down (seconds); then one trial call decides whether they resume.
KAYAKO_BREAKER_FAILURES = env.int("KAYAKO_BREAKER_FAILURES", default=3)
KAYAKO_BREAKER_COOL_DOWN = env.float("KAYAKO_BREAKER_COOL_DOWN", default=10.0)
# After a failed trial, the next one may go this much later (seconds): a trial a second costs the
# helpdesk nothing, and pages come back within about that of its return.
KAYAKO_BREAKER_RETRY_SECONDS = env.float("KAYAKO_BREAKER_RETRY_SECONDS", default=1.0)
# The trial is a getDepartmentList that must be answered within this (seconds).
KAYAKO_BREAKER_TRIAL_TIMEOUT = env.float("KAYAKO_BREAKER_TRIAL_TIMEOUT", default=0.5)
# Reference data and the knowledge base are read again after this (seconds); older copies are
# shown, with a notice, only while the helpdesk cannot answer.
KAYAKO_CACHE_TTL = env.int("KAYAKO_CACHE_TTL", default=300)
# Each process takes them from its own memory for this long (seconds) before it reads the shared
# cache again: another process's invalidation is seen that much later at most.
KAYAKO_MEMO_SECONDS = env.float("KAYAKO_MEMO_SECONDS", default=2.0)
# Whole knowledge-base pages for visitors without a session are kept this long (seconds; common.pagecache).
ANONYMOUS_PAGE_CACHE_SECONDS = env.int("ANONYMOUS_PAGE_CACHE_SECONDS", default=60)
# Reading them again, the helpdesk is given this long (seconds) before the older copy is shown.
KAYAKO_REFRESH_TIMEOUT = env.float("KAYAKO_REFRESH_TIMEOUT", default=0.5)
# Key for the API password that admins store in the database (Fernet); derived from
# SECRET_KEY unless given, so that rotating it is a deliberate step.
KAYAKO_CREDENTIALS_KEY = env.str("KAYAKO_CREDENTIALS_KEY", default="")

# --- Knowledge base ---
# The worker refreshes the local search index this often (seconds).
KB_INDEX_MAX_AGE = env.int("KB_INDEX_MAX_AGE", default=3600)
KB_COMMENT_MAX_LENGTH = 2000
KB_COMMENT_RATE_LIMIT = (5, 600)  # comments per client IP, per seconds
KB_RATE_RATE_LIMIT = (30, 600)  # votes per client IP, per seconds

# --- Tickets ---
TICKET_UPLOAD_MAX_FILE_BYTES = env.int("TICKET_UPLOAD_MAX_FILE_BYTES", default=10 * 1024 * 1024)
TICKET_UPLOAD_MAX_TOTAL_BYTES = env.int("TICKET_UPLOAD_MAX_TOTAL_BYTES", default=25 * 1024 * 1024)
TICKET_UPLOAD_MAX_FILES = 10
# Staged uploads are served to the helpdesk only while a call is running, for at most this long.
STAGED_UPLOAD_OFFER_SECONDS = env.int("STAGED_UPLOAD_OFFER_SECONDS", default=120)
# Uploads of a form that was never sent are removed after this; those of a submission waiting in
# the outbox are kept until it is delivered or discarded.
STAGED_UPLOAD_KEEP_SECONDS = 24 * 3600
# Someone not signed in may submit a ticket with name and email.
TICKETS_GUEST_SUBMISSION = env.bool("TICKETS_GUEST_SUBMISSION", default=True)
TICKETS_GUEST_RATE_LIMIT = (5, 3600)  # guest tickets per client IP, per seconds
# What a status means for Close and Reopen when site admins have not said (Tickets > Ticket
# workflow in the admin): these titles are open or closed, any other title neither.
TICKETS_OPEN_STATUS_TITLES = env.list("TICKETS_OPEN_STATUS_TITLES", default=["Open", "New", "Reopened"])
TICKETS_CLOSED_STATUS_TITLES = env.list("TICKETS_CLOSED_STATUS_TITLES", default=["Closed", "Resolved"])
# A guest's ticket is sent once the link mailed to the address they gave is opened within this (seconds).
TICKETS_GUEST_CONFIRM_SECONDS = env.int("TICKETS_GUEST_CONFIRM_SECONDS", default=24 * 3600)
# Guests follow a ticket with a link mailed to its address (/tickets/lookup/), valid this long (seconds).
TICKETS_GUEST_LINK_SECONDS = env.int("TICKETS_GUEST_LINK_SECONDS", default=24 * 3600)
TICKETS_LOOKUP_RATE_LIMIT = (5, 3600)  # lookups per client IP, per seconds
TICKETS_LOOKUP_ADDRESS_LIMIT = (3, 3600)  # links mailed to one address, per seconds
TICKETS_LOOKUP_MAX_TICKETS = 1000  # a lookup searches this many of the address's most recently active tickets
# A customer's search refreshes their ticket index (tickets/search.py) when it is older than this (seconds).
TICKETS_SEARCH_MAX_AGE = env.int("TICKETS_SEARCH_MAX_AGE", default=60)
# A customer's ticket list and ticket pages are kept for them this long (seconds, at most KAYAKO_CACHE_TTL;
# 0: not kept; common.pagecache). Their own actions show at once; staff's changes in the helpdesk after this.
TICKETS_PAGE_CACHE_SECONDS = env.int("TICKETS_PAGE_CACHE_SECONDS", default=3)

# --- The outbox: tickets and replies are stored, then delivered by the worker (tickets/outbox.py) ---
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=300)  # the longest wait between attempts
# A delivery claimed longer ago than this is taken for a dead worker's: its outcome is unknown.
OUTBOX_CLAIM_SECONDS = env.int("OUTBOX_CLAIM_SECONDS", default=60)
# How far before an attempt whose outcome is unknown the helpdesk is searched (clocks differ).
OUTBOX_RECONCILE_MARGIN_SECONDS = 300
OUTBOX_FLAG_AFTER_SECONDS = env.int("OUTBOX_FLAG_AFTER_SECONDS", default=24 * 3600)  # then staff and customer are told
OUTBOX_KEEP_DAYS = 7  # delivered and discarded entries (with their form tokens) are then removed
# The pending page refreshes itself (without JavaScript) for this long after sending.
OUTBOX_PAGE_REFRESH_SECONDS = 60
# Who is mailed about submissions still undelivered after OUTBOX_FLAG_AFTER_SECONDS.
MANAGERS = [("Support managers", address) for address in env.list("MANAGERS", default=[])]

# --- Background tasks: django-tasks; the worker is `manage.py worker` ---
TASKS_QUEUE = "default"
# Periodic tasks (common/schedule.py): a function and its period in seconds.
PERIODIC_TASKS = {
    "outbox-sweep": {"function": "tickets.outbox.sweep", "every": env.int("OUTBOX_SWEEP_SECONDS", default=15)},
    "tickets-purge": {"function": "tickets.outbox.purge", "every": 3600},
    "kb-search-index": {"function": "kb.search.sync", "every": KB_INDEX_MAX_AGE},
    "task-results-purge": {"function": "common.schedule.prune_task_results", "every": 24 * 3600},
}
