import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client

DEMO = "demo@example.com"


def customer(email: str, name: str = "Test Customer", *, verified: bool = True) -> User:
    first, _, last = name.partition(" ")
    user = User.objects.create_user(email.split("@")[0], email, "pw", first_name=first, last_name=last)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def helpdesk(each_peer):
    """The ticket pages are tested against every peer."""
    return each_peer


@pytest.fixture
def dana(demo):
    """The demo customer (30 tickets in the helpdesk), signed in."""
    return signed_in(User.objects.get(email=DEMO))


@pytest.fixture
def newcomer(demo):
    """A verified customer the helpdesk has never seen."""
    return signed_in(customer("new.person@example.com", "New Person"))
