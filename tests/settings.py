"""The portal's settings as the tests run them: the portal and the embedded helpdesk on one
live server (tests.urls), fast password hashing, mail kept in memory."""

from portal.settings import *  # noqa: F403

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
