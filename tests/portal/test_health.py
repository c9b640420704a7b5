"""/health/ answers at once whatever the helpdesk does: the process, its database and its cache,
and the helpdesk's state as the circuit breaker and the last calls left it. It never calls the
helpdesk itself: the fake servers count every request that reaches them."""

import logging
import threading

import pytest
from django.db import connections
from django.test import Client

import kayako
from tests.kayako.fake_servers import FakeServer, envelope

REPLY_ANSWER = envelope('<ns1:postTicketReplyResponse xmlns:ns1="urn:KayakoIntegrationAPI">'
                        "<ns1:return>true</ns1:return></ns1:postTicketReplyResponse>")


@pytest.fixture
def hung(transactional_db, settings):
    """A helpdesk that takes every request and never answers."""
    server = FakeServer(silent=True, body=REPLY_ANSWER)
    settings.KAYAKO_API_URL = server.url
    yield server
    server.close()


def reply():
    return kayako.post_ticket_reply(email="a@example.com", ticket_id=1, reply="Thanks")


def calling(call) -> str:
    """How a call made in a thread of its own ended: "ok", or the kind of error it raised."""
    try:
        call()
    except kayako.KayakoError as error:
        return error.kind
    finally:
        connections.close_all()  # the thread's own, which would outlive the test database
    return "ok"


def health() -> dict:
    response = Client().get("/health/")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert (body["status"], body["database"], body["cache"]) == ("ok", "ok", "ok")
    return body["helpdesk"]


def test_health_reports_the_last_answer_and_calls_nothing(helpdesk, caplog):
    caplog.set_level(logging.INFO, logger="kayako")
    assert health() == {"state": "closed", "down_since": None, "retry_at": None, "last_success": None,
                        "last_failure": None, "last_error": None}
    kayako.get_department_list()
    caplog.clear()
    state = health()
    assert state["state"] == "closed" and state["last_success"] is not None and state["last_failure"] is None
    assert not [record for record in caplog.records if record.name == "kayako"]


def test_health_answers_while_a_call_hangs(hung, settings):
    settings.KAYAKO_OPERATION_TIMEOUT = 30.0
    outcome = []
    waiting = threading.Thread(target=lambda: outcome.append(calling(reply)))
    waiting.start()
    hung.wait_for_requests(1)
    assert health()["state"] == "closed"
    assert waiting.is_alive() and len(hung.requests) == 1  # answered while the call still waits
    hung.close()  # the helpdesk drops the connection: the call ends
    waiting.join()
    assert outcome == ["unavailable"]


def test_health_reports_an_open_breaker_and_why(hung, settings):
    settings.KAYAKO_OPERATION_TIMEOUT = 0.2
    for _ in range(settings.KAYAKO_BREAKER_FAILURES):
        with pytest.raises(kayako.Unavailable):
            reply()
    state = health()
    assert state["state"] == "open" and state["last_error"] == "postTicketReply timed out"
    assert state["down_since"] and state["retry_at"] > state["down_since"] and state["last_success"] is None
    assert len(hung.requests) == settings.KAYAKO_BREAKER_FAILURES


@pytest.mark.django_db
def test_health_is_503_when_the_cache_cannot_be_read(monkeypatch):
    def unreadable(*args, **kwargs):
        raise ConnectionError("the cache's server is gone")

    monkeypatch.setattr(kayako, "helpdesk_state", unreadable)
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error: ConnectionError", "helpdesk": None}
