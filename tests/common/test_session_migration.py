"""common 0003: a session signed in through Django's or allauth's own backend, before the site's
became common.auth's, stays signed in; other sessions are left as they were."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

pytestmark = pytest.mark.django_db
migration = importlib.import_module("common.migrations.0003_sessions_keep_their_sign_in")


def signed_in_before(client, user, backend: str) -> str:
    client.force_login(user)
    store = SessionStore(client.cookies["sessionid"].value)
    store[BACKEND_SESSION_KEY] = backend
    store.save()
    return store.session_key


@pytest.mark.parametrize("backend", ["django.contrib.auth.backends.ModelBackend",
                                     "allauth.account.auth_backends.AuthenticationBackend"])
def test_a_session_signed_in_before_stays_signed_in(client, django_user_model, backend):
    user = django_user_model.objects.create_user("dana", "dana@example.com", "a-long-password-2026")
    key = signed_in_before(client, user, backend)
    assert not client.get("/").wsgi_request.user.is_authenticated  # as the change left it
    key = signed_in_before(client, user, backend)
    guest = SessionStore()
    guest["language"] = "de"
    guest.save()
    untouched = Session.objects.get(pk=guest.session_key).session_data

    migration.keep_sign_ins(apps, None)

    assert client.get("/").wsgi_request.user == user
    assert SessionStore(key).load()[BACKEND_SESSION_KEY] == migration.RENAMED[backend]
    assert Session.objects.get(pk=guest.session_key).session_data == untouched
