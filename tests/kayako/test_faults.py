"""Fault injection: what kayako raises when the helpdesk misbehaves."""

import time

import pytest

import kayako

from .fake_servers import FakeServer, closed_port_url, envelope, fault


@pytest.mark.django_db
def test_helpdesk_down_is_unavailable_within_the_connect_timeout(settings):
    settings.KAYAKO_API_URL = closed_port_url()
    started = time.monotonic()
    with pytest.raises(kayako.Unavailable):
        kayako.get_department_list()
    assert time.monotonic() - started < settings.KAYAKO_CONNECT_TIMEOUT + 0.5


@pytest.mark.django_db
def test_a_server_that_never_answers_is_unavailable_after_the_operation_timeout(fake, settings):
    settings.KAYAKO_OPERATION_TIMEOUT = 0.5
    fake(delay=5, body=envelope(""))
    started = time.monotonic()
    with pytest.raises(kayako.Unavailable):
        kayako.get_total_submitted_tickets(email="a@example.com")
    assert 0.4 < time.monotonic() - started < 2.0


@pytest.mark.django_db
def test_an_html_error_page_is_a_protocol_error(fake):
    fake(status=500, body=b"<html><body><h1>Internal Server Error</h1></body></html>", content_type="text/html")
    with pytest.raises(kayako.ProtocolError):
        kayako.get_department_list()


@pytest.mark.django_db
def test_a_gateway_error_without_a_fault_is_unavailable(fake):
    fake(status=503, body=b"<html>maintenance</html>", content_type="text/html")
    with pytest.raises(kayako.Unavailable):
        kayako.get_department_list()


@pytest.mark.django_db
def test_a_fault_with_an_unknown_code_is_rejected(fake):
    fake(status=500, body=fault("-99"))
    with pytest.raises(kayako.Rejected) as rejected:
        kayako.get_department_list()
    assert rejected.value.code == -99
    assert "Unknown error code" in rejected.value.meaning
    assert not isinstance(rejected.value, kayako.NotFound)


@pytest.mark.django_db
@pytest.mark.parametrize("code", [-13, -14, -19, -20, -21])
def test_not_found_and_not_yours_are_one_error(fake, code):
    fake(status=500, body=fault(str(code)))
    with pytest.raises(kayako.NotFound):
        kayako.get_submitted_ticket(email="a@example.com", ticket_id=1)


@pytest.mark.django_db
def test_a_fault_from_something_else_is_a_protocol_error(fake):
    body = fault("-1").replace(b"Kayako API Error", b"Procedure not present")
    fake(status=500, body=body)
    with pytest.raises(kayako.ProtocolError):
        kayako.get_department_list()


@pytest.mark.django_db
def test_a_protocol_error_is_not_retried(fake):
    server = fake(status=200, body=envelope(""))
    # a connection the server drops: the fake closes without an answer
    server.body = b""
    server.status = 200
    with pytest.raises(kayako.ProtocolError):
        kayako.post_ticket_reply(email="a@example.com", ticket_id=1, reply="x")
    assert len(server.requests) == 1


@pytest.mark.django_db
def test_reads_retry_once_after_a_connection_error(settings, monkeypatch):
    import urllib3

    from kayako import wire

    server = FakeServer(body=envelope('<ns1:getTotalSubmittedTicketsResponse xmlns:ns1="urn:KayakoIntegrationAPI">'
                                      "<ns1:return>7</ns1:return></ns1:getTotalSubmittedTicketsResponse>"))
    settings.KAYAKO_API_URL = server.url
    try:
        link = wire.connection()
        real_request = link.pool.request
        failures = []

        def flaky_request(*args, **kwargs):
            if not failures:
                failures.append(1)
                raise urllib3.exceptions.ProtocolError("connection reset by peer")
            return real_request(*args, **kwargs)

        monkeypatch.setattr(link.pool, "request", flaky_request)
        assert kayako.get_total_submitted_tickets(email="a@example.com") == 7
        failures.clear()
        with pytest.raises(kayako.Unavailable):
            kayako.update_email_address(old_email="a@example.com", new_email="b@example.com")
        assert len(server.requests) == 1
    finally:
        server.close()
