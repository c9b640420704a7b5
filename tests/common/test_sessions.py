"""common.sessions: Django's database sessions with their read compiled once per process behave as
Django's own: a session is read while it has not expired, and an expired or unknown key reads as
no session at all (the key forgotten, so that a new one is made)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from common.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_it():
    assert settings.SESSION_ENGINE == "common.sessions"


def test_a_session_is_read_until_it_expires():
    store = SessionStore()
    store["who"] = "Dana"
    store.save()
    assert SessionStore(store.session_key).load() == {"who": "Dana"}
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None


def test_an_unknown_key_reads_as_no_session():
    other = SessionStore()
    other["who"] = "Someone"
    other.save()
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_a_signed_in_customer_stays_signed_in_across_requests(client, django_user_model):
    user = django_user_model.objects.create_user("dana", "dana@example.com", "a-long-password-2026")
    client.force_login(user)
    assert client.get("/accounts/profile/").wsgi_request.user == user
    assert client.get("/accounts/profile/").wsgi_request.user.is_authenticated
