"""The helpdesk checks credentials of its own (HELPDESK_API_*); the portal sends KAYAKO_API_*."""

import pytest

import kayako


def test_the_helpdesk_accepts_only_its_own_credentials(api, settings):
    settings.HELPDESK_API_USERNAME, settings.HELPDESK_API_PASSWORD = "desk-user", "desk-secret-2026"
    assert api.error("getDepartmentList", user="demo-api", password="demo-api-password") == -1
    assert [d.title for d in api("getDepartmentList", user="desk-user", password="desk-secret-2026")]


def test_the_portal_sends_its_own_settings(demo, settings):
    settings.HELPDESK_API_USERNAME, settings.HELPDESK_API_PASSWORD = "desk-user", "desk-secret-2026"
    with pytest.raises(kayako.Rejected) as refusal:
        kayako.get_department_list()
    assert refusal.value.code == kayako.ErrorCode.BAD_CREDENTIALS
    settings.KAYAKO_API_USERNAME, settings.KAYAKO_API_PASSWORD = "desk-user", "desk-secret-2026"
    assert "Technical support" in [d.title for d in kayako.get_department_list()]
