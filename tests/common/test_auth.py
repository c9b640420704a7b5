"""common.auth: the sign-in backends with their user read compiled once per process behave as
Django's own: the signed-in user is read afresh on every request, as the database has it now, with
the verified primary address that customer_required asks for next."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from common.auth import AuthenticationBackend, ModelBackend
from common.customers import customer_email

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-2026"


@pytest.fixture
def dana(django_user_model):
    return django_user_model.objects.create_user("dana", "dana@example.com", PASSWORD, first_name="Dana")


def test_the_site_uses_them():
    assert settings.AUTHENTICATION_BACKENDS[1:] == ["common.auth.ModelBackend", "common.auth.AuthenticationBackend"]


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
def test_the_user_read_is_djangos(backend, dana):
    ours, django = backend.get_user(dana.pk), DjangoModelBackend().get_user(dana.pk)
    assert ours == dana
    assert {f.attname: getattr(ours, f.attname) for f in dana._meta.concrete_fields} == {
        f.attname: getattr(django, f.attname) for f in dana._meta.concrete_fields}
    assert ours._state.adding is False and ours._state.db == "default"
    assert backend.get_user(str(dana.pk)) == dana  # as the session keeps it


@pytest.mark.parametrize("user_id", [987654, "not-a-number", None])
def test_an_unknown_or_malformed_id_is_nobody(dana, user_id):
    assert ModelBackend().get_user(user_id) is None


def test_a_deactivated_customer_is_signed_out_on_the_next_request(client, dana):
    client.force_login(dana, backend="common.auth.AuthenticationBackend")  # as allauth's sign-in leaves it
    assert client.get("/").wsgi_request.user == dana
    dana.is_active = False
    dana.save(update_fields=["is_active"])
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_changed_name_shows_on_the_next_request(client, dana):
    client.force_login(dana)
    dana.first_name = "Dana Q."
    dana.save(update_fields=["first_name"])
    assert client.get("/").wsgi_request.user.first_name == "Dana Q."


def test_the_verified_primary_address_is_read_with_the_user_and_taken_once(dana):
    address = EmailAddress.objects.create(user=dana, email="dana@example.com", primary=True, verified=True)
    user = ModelBackend().get_user(dana.pk)
    address.email = "dana.new@example.com"
    address.save(update_fields=["email"])
    # the address read with the user is taken once; asked again, it is read afresh
    assert customer_email(user) == "dana@example.com"
    assert customer_email(user) == "dana.new@example.com"
    address.verified = False
    address.save(update_fields=["verified"])
    assert customer_email(AuthenticationBackend().get_user(dana.pk)) is None


def test_without_a_verified_address_the_customer_is_sent_to_verify_it(client, dana):
    EmailAddress.objects.create(user=dana, email="dana@example.com", primary=True, verified=False)
    client.force_login(dana)
    response = client.get("/tickets/new/")
    assert response.status_code == 302 and response["Location"] == "/accounts/email/"
