"""Failed API sign-ins are throttled per client address (helpdesk.soap.throttle): a few are free, then
each locks the address out for longer, and a locked-out address gets -1 at once whatever it sends."""

import logging
import re

import pytest
from django.conf import settings
from django.test import Client

from helpdesk.soap import throttle
from helpdesk.soap.views import API_PATH

ATTACKER, NEIGHBOUR = "203.0.113.66", "198.51.100.7"


def call(password: str, address: str) -> int | None:
    """getDepartmentList from `address`: None when answered, else the fault's code."""
    envelope = (
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:k="urn:KayakoIntegrationAPI"><s:Body><k:getDepartmentList>'
        f"<k:user>{settings.HELPDESK_API_USERNAME}</k:user><k:password>{password}</k:password>"
        "</k:getDepartmentList></s:Body></s:Envelope>"
    )
    response = Client().post(API_PATH, envelope, content_type="text/xml", REMOTE_ADDR=address)
    body = response.content.decode()
    if response.status_code == 200:
        assert "getDepartmentListResponse" in body
        return None
    return int(re.search(r"<detail>\s*(-?\d+)\s*</detail>", body).group(1))


@pytest.fixture
def three_free(db, settings):
    settings.HELPDESK_API_FREE_FAILURES = 3
    settings.HELPDESK_API_MAX_LOCKOUT_SECONDS = 900
    return settings.HELPDESK_API_PASSWORD


def test_after_the_free_failures_even_the_right_password_is_answered_minus_1(three_free, caplog):
    caplog.set_level(logging.INFO, logger="helpdesk.soap")  # each call's line is INFO (LOG_LEVEL is WARNING)
    assert [call("guess", ATTACKER) for _ in range(3)] == [-1, -1, -1]
    assert call(three_free, ATTACKER) is None  # still free: a success forgets the failures
    assert [call("guess", ATTACKER) for _ in range(4)] == [-1, -1, -1, -1]
    assert call(three_free, ATTACKER) == -1  # locked out: the same fault, credentials unread
    assert "locked out for 2 s" in caplog.text and "locked-out 203.0.113.66" in caplog.text


def test_a_locked_out_address_does_not_slow_anyone_else(three_free):
    for _ in range(6):
        call("guess", ATTACKER)
    assert call(three_free, ATTACKER) == -1
    assert call(three_free, NEIGHBOUR) is None


def test_the_lockout_grows_with_each_failure_up_to_the_maximum(settings):
    settings.HELPDESK_API_FREE_FAILURES, settings.HELPDESK_API_MAX_LOCKOUT_SECONDS = 3, 900
    assert [throttle.lockout_seconds(n) for n in range(1, 15)] == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert throttle.lockout_seconds(10**6) == 900
