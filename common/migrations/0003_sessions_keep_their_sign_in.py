"""Sessions signed in before the sign-in backends became common.auth's (Django's and allauth's with
the user read prepared) named the old ones, which Django no longer accepts: rewritten to name the
new ones, so that nobody is signed out by the change."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations

RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "common.auth.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "common.auth.AuthenticationBackend",
}


def keep_sign_ins(apps, schema_editor):
    store = SessionStore()  # its encoding: the same salt as common.sessions.SessionStore
    for session in apps.get_model("sessions", "Session").objects.iterator():
        data = store.decode(session.session_data)  # {} for one it cannot read
        if data.get(BACKEND_SESSION_KEY) in RENAMED:
            data[BACKEND_SESSION_KEY] = RENAMED[data[BACKEND_SESSION_KEY]]
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0002_periodicrun_queued_for"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(keep_sign_ins, migrations.RunPython.noop)]
