"""The helpdesk checks credentials of its own (HELPDESK_API_*); the portal sends KAYAKO_API_*. With DEBUG off
the demo password is refused at start unless DEMO_MODE; `check --deploy` names every demo leftover."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import checks

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


ROOT = Path(__file__).resolve().parents[2]


def helpdesk_check(tmp_path, **environment) -> subprocess.CompletedProcess:
    """`manage.py check` as the helpdesk process starts, with DEBUG off and `environment`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DEMO_MODE", "HELPDESK_API_"))}
    env = {**inherited, "DEBUG": "false", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **environment}
    return subprocess.run([sys.executable, "manage.py", "check", "--settings=portal.settings.helpdesk"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_with_debug_off_the_demo_password_is_refused_at_start(tmp_path):
    refused = helpdesk_check(tmp_path)
    assert refused.returncode != 0
    assert "The embedded helpdesk would accept the demo API password" in refused.stderr
    assert "DEMO_MODE=true" in refused.stderr
    explicit = helpdesk_check(tmp_path, HELPDESK_API_USERNAME="demo-api", HELPDESK_API_PASSWORD="demo-api-password")
    assert explicit.returncode != 0 and "would accept the demo API password" in explicit.stderr


@pytest.mark.parametrize("environment", [
    {"HELPDESK_API_USERNAME": "desk-user", "HELPDESK_API_PASSWORD": "desk-secret-2026"},
    {"DEMO_MODE": "true"},
])
def test_own_credentials_or_demo_mode_start(tmp_path, environment):
    started = helpdesk_check(tmp_path, **environment)
    assert started.returncode == 0, started.stderr
    assert "System check identified no issues" in started.stdout


def deploy_warnings() -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True)
            if message.id.startswith(("portal.", "helpdesk."))}


def test_deploy_checks_name_demo_mode_and_demo_passwords(db, settings):
    settings.DEMO_MODE = False
    settings.SECRET_KEY = "a-production-secret-" + "k" * 40
    settings.HELPDESK_API_PASSWORD = settings.KAYAKO_API_PASSWORD = "desk-secret-2026"
    assert deploy_warnings() == set()
    settings.DEMO_MODE = True
    settings.KAYAKO_API_PASSWORD = "demo-api-password"
    assert deploy_warnings() == {"portal.W002", "portal.W003"}


def test_deploy_checks_name_the_generated_secret_key(db, settings):
    settings.SECRET_KEY = (ROOT / ".secret_key").read_text().strip()
    assert "portal.W001" in deploy_warnings()
    settings.SECRET_KEY = "a-production-secret-" + "k" * 40
    assert "portal.W001" not in deploy_warnings()


def test_deploy_checks_name_the_demo_accounts(demo):
    assert "helpdesk.W001" in deploy_warnings()
    for user in User.objects.filter(username__in=["staff", "demo"]):
        user.set_password("a-password-of-its-own-2026")
        user.save()
    assert "helpdesk.W001" not in deploy_warnings()
