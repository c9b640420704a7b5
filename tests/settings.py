"""The settings the tests run with: one live server (tests.urls) serves the portal and the
embedded helpdesk, so both processes' settings apply; fast password hashing, mail in memory."""

import os

# The suite runs the demo (its credentials and data), as scripts/run does.
os.environ.setdefault("DEMO_MODE", "true")

from portal.settings import helpdesk as _helpdesk
from portal.settings.helpdesk import *  # noqa: F403
from portal.settings.portal import *  # noqa: F403  (last: its middleware and templates are a superset)

ROOT_URLCONF = "tests.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
KAYAKO_CONNECT_TIMEOUT = 1.0
KAYAKO_OPERATION_TIMEOUT = 3.0
# The live server serves static files through staticfiles' finders, which know no hashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# The live server answers each request in a thread of its own: persistent connections there would
# outlive the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:  # noqa: F405
    # In a file, not in memory: the PHP peers (tests/peers) read and write the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
# The conformance suites send wrong credentials to each of the 19 functions, in every style, from one
# address; tests/helpdesk/test_throttle.py sets the real number.
HELPDESK_API_FREE_FAILURES = 1000
# One worker (the `worker` fixture) runs the tasks of both processes, of both queues.
PERIODIC_TASKS = {**_helpdesk.PERIODIC_TASKS, **PERIODIC_TASKS}  # noqa: F405
# The live server answers each request in a thread of its own, the portal's and the helpdesk's
# alike: the bulkhead of a gunicorn process (its threads less one) does not apply here.
KAYAKO_CONCURRENT_CALLS = 32
