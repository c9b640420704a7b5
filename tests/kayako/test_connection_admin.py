"""Site admins set which helpdesk the portal talks to, in the admin."""

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.test import Client

import kayako
from kayako import config
from kayako.models import ApiConnection

from .fake_servers import closed_port_url


@pytest.fixture
def admin_client(helpdesk):
    User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(User.objects.get(username="root"))
    return client


def save_connection(client, **data):
    connection = ApiConnection.objects.first()
    url = f"/admin/kayako/apiconnection/{connection.pk}/change/" if connection else "/admin/kayako/apiconnection/add/"
    return client.post(url, {"url": "", "username": "", "new_password": "", **data}, follow=True)


def test_password_is_write_only_and_encrypted_at_rest(admin_client, settings):
    response = save_connection(admin_client, url=settings.KAYAKO_API_URL, username="demo-api",
                               new_password="demo-api-password")
    assert response.status_code == 200
    stored = ApiConnection.objects.get()
    assert b"demo-api-password" not in bytes(stored.password_encrypted)
    assert stored.password == "demo-api-password"
    page = admin_client.get(f"/admin/kayako/apiconnection/{stored.pk}/change/").content.decode()
    assert "demo-api-password" not in page
    # leaving the field empty keeps the password
    save_connection(admin_client, url=settings.KAYAKO_API_URL, username="demo-api")
    assert ApiConnection.objects.get().password == "demo-api-password"


def test_a_change_takes_effect_without_a_restart(admin_client, settings):
    kayako.ping()
    save_connection(admin_client, url=closed_port_url())
    with pytest.raises(kayako.Unavailable):
        kayako.ping()
    save_connection(admin_client, url=settings.KAYAKO_API_URL)
    kayako.ping()


def test_other_processes_pick_up_a_change_within_the_check_interval(helpdesk, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(config, "monotonic", lambda: clock[0])
    kayako.ping()
    ApiConnection.objects.create(url=closed_port_url())  # as another process would
    clock[0] += config.CHECK_SECONDS - 0.01
    kayako.ping()  # this process still has its checked settings
    clock[0] += 0.02
    with pytest.raises(kayako.Unavailable):
        kayako.ping()


def test_an_unreadable_stored_connection_keeps_the_last_settings_and_is_logged(helpdesk, monkeypatch, caplog):
    clock = [1000.0]
    monkeypatch.setattr(config, "monotonic", lambda: clock[0])
    kayako.ping()
    monkeypatch.setattr(ApiConnection.objects, "filter", broken_database)
    clock[0] += config.CHECK_SECONDS
    kayako.ping()
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "kayako" and r.levelname != "INFO"] == [
        ("WARNING", "the stored API connection could not be read (OperationalError)")]
    config.invalidate()  # a process that never read it is unavailable, never on the environment's settings
    with pytest.raises(kayako.Unavailable) as unavailable:
        kayako.ping()
    assert str(unavailable.value) == "the API connection settings could not be read"


def broken_database(*args, **kwargs):
    raise OperationalError("database is locked")


def test_test_connection_reports_success_and_the_errors_meaning(admin_client, settings):
    save_connection(admin_client, url=settings.KAYAKO_API_URL, new_password="not-the-password")
    connection = ApiConnection.objects.get()
    response = admin_client.post("/admin/kayako/apiconnection/", {
        "action": "test_connection", "_selected_action": [connection.pk]}, follow=True)
    assert "The helpdesk refused: The API username and password are not valid (-1)." in response.content.decode()
    save_connection(admin_client, url=settings.KAYAKO_API_URL, clear_password="on")
    response = admin_client.post("/admin/kayako/apiconnection/", {
        "action": "test_connection", "_selected_action": [connection.pk]}, follow=True)
    assert "Connection works" in response.content.decode()
