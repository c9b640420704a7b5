import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_home_has_the_site_shell(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert 'href="#main"' in html and 'id="main"' in html
    for label in ("Knowledge base", "My tickets", "Submit a ticket", "Sign in"):
        assert label in html
    assert 'role="search"' in html


@pytest.mark.django_db
def test_csp_forbids_inline_scripts(client):
    policy = client.get("/")["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_templates_have_no_inline_scripts_or_handlers():
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        if "<script>" in text or ("<script " in text and "src=" not in text.split("<script ", 1)[1].split(">")[0]):
            offenders.append(str(template))
        if any(f" on{event}=" in text for event in ("click", "load", "submit", "change", "input", "error")):
            offenders.append(str(template))
    assert not offenders


class _Elements(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.open, self.unmatched = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.unmatched.append(tag)


def test_every_cached_fragment_is_balanced_html():
    fragments = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        for body in re.findall(r"{% cache .*? %}(.*?){% endcache %}", template.read_text(), re.DOTALL):
            elements = _Elements()
            elements.feed(re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", body, flags=re.DOTALL))
            fragments.append((template.name, elements.open, elements.unmatched))
    assert len(fragments) >= 5
    assert [f for f in fragments if f[1] or f[2]] == []


@pytest.mark.django_db
def test_page_fragments_of_another_release_are_never_served(client, settings):
    caches["template_fragments"].set(make_template_fragment_key("site_nav", ["en", ""]), "NAV OF THIS RELEASE")
    assert "NAV OF THIS RELEASE" in client.get("/").content.decode()  # {% cache %} reads this alias
    assert settings.CACHES["template_fragments"]["KEY_PREFIX"] == f"fragments-{settings.RELEASE}"
    settings.CACHES = {**settings.CACHES, "template_fragments": {
        **settings.CACHES["template_fragments"], "KEY_PREFIX": "fragments-the-next-release"}}
    html = client.get("/").content.decode()
    assert "NAV OF THIS RELEASE" not in html and "My tickets" in html


def test_the_release_digest_changes_with_any_template(tmp_path, monkeypatch):
    from portal.settings import base

    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("one")
    (tmp_path / "requirements.txt").write_text("Django==5.2")
    monkeypatch.setattr(base, "BASE_DIR", tmp_path)
    first = base._code_digest()
    assert base._code_digest() == first
    page.write_text("two")
    assert base._code_digest() != first


@pytest.mark.django_db
def test_asset_links_follow_the_static_files_of_this_process(client, settings):
    assert 'href="/static/css/site.css"' in client.get("/").content.decode()
    settings.STATIC_URL = "/static-of-the-next-deploy/"  # a new storage, as a deploy's new process has
    assert 'href="/static-of-the-next-deploy/css/site.css"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_unknown_page_is_the_sites_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert "Skip to main content" in response.content.decode()


@pytest.mark.django_db
def test_server_error_is_the_sites_500(rf):
    from portal.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.parametrize("process", ["portal", "helpdesk"])
def test_check_deploy_has_no_warnings_with_production_settings(tmp_path, process):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": f"portal.settings.{process}",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-" + "x7Q9r2L5k8M3n6P1" * 4,
        "ALLOWED_HOSTS": "support.example.com",
        "HTTPS": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEMO_MODE": "false",
        "HELPDESK_API_USERNAME": "portal-of-example-com", "HELPDESK_API_PASSWORD": "Mb8v-production-2026",
        "KAYAKO_API_USERNAME": "portal-of-example-com", "KAYAKO_API_PASSWORD": "Mb8v-production-2026",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.django_db
def test_a_body_over_the_cap_is_the_sites_413_page_without_the_wsgi_wrapper(client, settings):
    """Where the WSGI wrapper is not in front (Django's test client), the middleware checks Content-Length."""
    settings.REQUEST_BODY_MAX_BYTES = 1000
    response = client.generic("POST", "/tickets/new/", b"", content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH="1001")
    html = response.content.decode()
    assert response.status_code == 413
    assert "That was too large to send" in html and "1000\xa0bytes" in html and "Skip to main content" in html
