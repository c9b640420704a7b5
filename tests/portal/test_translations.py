"""German and French: complete catalogs, the language from the browser or the footer's switcher,
dates and relative times in the page's language."""

import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from tests.kayako.fake_servers import closed_port_url
from tickets.templatetags.ticket_tags import moment

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


def test_every_language_has_a_catalog_in_the_repository():
    assert TRANSLATED == ["de", "fr"]
    for code in TRANSLATED:
        assert (ROOT / "locale" / code / "LC_MESSAGES" / "django.po").is_file()


def test_makemessages_leaves_nothing_untranslated_or_fuzzy(tmp_path):
    """makemessages on a copy of the project (so the checkout is left alone): every string the code
    marks today is in each catalog, translated and not fuzzy."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", "*.mo",
                                                              ".secret_key", "node_modules", "tests", "bench"))
    subprocess.run([sys.executable, "manage.py", "makemessages", "--all", "-v0"], cwd=copy, check=True,
                   env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings.portal",
                        "SECRET_KEY": "makemessages", "DEMO_MODE": "true"})
    for code in TRANSLATED:
        statistics = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null",
                                     copy / "locale" / code / "LC_MESSAGES" / "django.po"],
                                    capture_output=True, text=True, check=True).stderr.strip()
        assert re.fullmatch(r"\d{3,} translated messages\.", statistics), (code, statistics)


@pytest.mark.django_db
@pytest.mark.parametrize("accept,lang,heading", [
    ("de-DE,de;q=0.9,en;q=0.5", "de", "Wie können wir helfen?"),
    ("fr-CH, fr;q=0.9", "fr", "Comment pouvons-nous vous aider ?"),
    ("es-ES,es;q=0.9", "en", "How can we help?"),
])
def test_the_language_comes_from_the_browser(client, accept, lang, heading):
    html = client.get("/", headers={"accept-language": accept}).content.decode()
    assert f'<html lang="{lang}">' in html
    assert heading in html


@pytest.mark.django_db
def test_the_switcher_in_the_footer_is_remembered_over_the_browser(client):
    html = client.get("/tickets/lookup/?ticket=ABC", headers={"accept-language": "de"}).content.decode()
    switcher = html[html.index('class="language-switcher'):]
    switcher = switcher[:switcher.index("</form>")]
    assert 'action="/i18n/setlang/"' in switcher and 'name="next" value="/tickets/lookup/?ticket=ABC"' in switcher
    assert re.findall(r'<option value="(\w+)" lang="\w+"( selected)?>([^<]+)</option>', switcher) == [
        ("en", "", "English"), ("de", " selected", "Deutsch"), ("fr", "", "Français")]

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/tickets/lookup/?ticket=ABC"})
    assert response.status_code == 302 and response["Location"] == "/tickets/lookup/?ticket=ABC"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr" and int(cookie["max-age"]) >= 300 * 24 * 3600
    html = client.get("/", headers={"accept-language": "de"}).content.decode()
    assert '<html lang="fr">' in html and "Base de connaissances" in html and "Wissensdatenbank" not in html


@pytest.mark.django_db
def test_the_switcher_refuses_a_foreign_next_address(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")


@pytest.mark.django_db
@pytest.mark.parametrize("accept,not_found,unavailable", [
    ("de", "Wir konnten diese Seite nicht finden", "Das Supportsystem ist gerade nicht erreichbar"),
    ("fr", "Nous n’avons pas trouvé cette page", "Le système d’assistance est indisponible pour le moment"),
])
def test_the_error_pages_speak_the_language(client, settings, accept, not_found, unavailable):
    settings.KAYAKO_API_URL = closed_port_url()
    response = client.get("/no-such-page/", headers={"accept-language": accept})
    assert response.status_code == 404 and not_found in response.content.decode()
    response = client.get("/kb/", headers={"accept-language": accept})
    assert response.status_code == 503 and unavailable in response.content.decode()
    assert f'<html lang="{accept}">' in response.content.decode()


@pytest.mark.parametrize("language,ago,text", [
    ("en", timedelta(seconds=30), "just now"),
    ("en", timedelta(minutes=1, seconds=5), "1 minute ago"),
    ("en", timedelta(days=15), "2 weeks ago"),
    ("de", timedelta(seconds=30), "gerade eben"),
    ("de", timedelta(hours=3, minutes=59), "vor 3 Stunden"),
    ("de", timedelta(days=1), "vor 1 Tag"),
    ("de", timedelta(days=800), "vor 2 Jahren"),
    ("fr", timedelta(minutes=3), "il y a 3 minutes"),
    ("fr", timedelta(days=1, hours=2), "il y a 1 jour"),
    ("fr", timedelta(days=65), "il y a 2 mois"),
])
def test_relative_times_follow_the_language(language, ago, text):
    with translation.override(language):
        rendered = moment(timezone.now() - ago).replace("\xa0", " ")  # timesince keeps number and unit together
    assert f">{text}</time>" in rendered


def test_the_exact_time_on_hover_follows_the_language():
    when = timezone.now().replace(year=2026, month=3, day=4, hour=15, minute=7)
    with translation.override("de"):
        assert 'title="4. März 2026 15:07"' in moment(when)
    with translation.override("fr"):
        assert 'title="4 mars 2026 15:07"' in moment(when)
    with translation.override("de"), timezone.override("Asia/Tokyo"):  # and the time zone
        assert 'title="5. März 2026 00:07"' in moment(when)


def test_a_catalog_left_uncompiled_is_reported(tmp_path, settings):
    from portal.checks import check_compiled_catalogs

    settings.BASE_DIR = tmp_path
    catalog = tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Yes"\nmsgstr "Ja"\n')
    assert [warning.id for warning in check_compiled_catalogs(None)] == ["portal.W004"]
    subprocess.run(["msgfmt", "-o", catalog.with_suffix(".mo"), catalog], check=True)
    assert check_compiled_catalogs(None) == []
