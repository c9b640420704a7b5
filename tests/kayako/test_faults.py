"""Fault injection: what kayako raises when the helpdesk misbehaves."""

import pytest

import kayako
from kayako import wire

from .fake_servers import FakeServer, closed_port_url, envelope, fault


@pytest.mark.django_db
def test_helpdesk_down_is_unavailable(settings):
    settings.KAYAKO_API_URL = closed_port_url()
    with pytest.raises(kayako.Unavailable) as down:
        kayako.get_department_list()
    assert "WSDL not reachable" in str(down.value)


@pytest.mark.django_db
def test_every_call_carries_the_connect_and_read_timeouts(fake, settings, monkeypatch):
    fake(body=envelope('<ns1:getTotalSubmittedTicketsResponse xmlns:ns1="urn:KayakoIntegrationAPI">'
                       "<ns1:return>3</ns1:return></ns1:getTotalSubmittedTicketsResponse>"))
    link = wire.connection()
    sent = []
    real_request = link.pool.request
    monkeypatch.setattr(link.pool, "request", lambda *args, **kwargs: sent.append(kwargs) or real_request(*args, **kwargs))
    assert kayako.get_total_submitted_tickets(email="a@example.com") == 3
    (request,) = sent
    assert (request["timeout"].connect_timeout, request["timeout"].read_timeout) == (
        settings.KAYAKO_CONNECT_TIMEOUT, settings.KAYAKO_OPERATION_TIMEOUT)


@pytest.mark.django_db
def test_a_server_that_never_answers_is_unavailable_after_the_operation_timeout(fake, settings):
    settings.KAYAKO_OPERATION_TIMEOUT = 0.2
    fake(silent=True)
    with pytest.raises(kayako.Unavailable) as silent:
        kayako.get_total_submitted_tickets(email="a@example.com")
    assert str(silent.value) == "getTotalSubmittedTickets timed out"


@pytest.mark.django_db
def test_a_reply_over_the_size_limit_is_refused_while_it_streams(fake, monkeypatch):
    monkeypatch.setattr(wire, "MAX_REPLY_BYTES", 1000)
    server = fake(body=envelope("<x>" + "a" * 2000 + "</x>"))
    with pytest.raises(kayako.ProtocolError) as too_large:
        kayako.get_department_list()
    assert str(too_large.value) == "getDepartmentList: reply too large"
    server.body = envelope('<ns1:getDepartmentListResponse xmlns:ns1="urn:KayakoIntegrationAPI"><ns1:return/>'
                           "</ns1:getDepartmentListResponse>")
    assert kayako.get_department_list() == ()  # the pool is still good


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
