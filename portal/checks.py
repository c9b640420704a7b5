"""The project's own checks: what must not reach production (`manage.py check --deploy`), and catalogs left uncompiled."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_generated_secret_key(app_configs, **kwargs):
    key_file = settings.BASE_DIR / ".secret_key"
    if key_file.exists() and key_file.read_text().strip() == settings.SECRET_KEY:
        return [checks.Warning(
            "SECRET_KEY is the development key generated into .secret_key.",
            hint="Set SECRET_KEY in the environment: a key of its own for each installation, kept out of the checkout.",
            id="portal.W001",
        )]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_demo_credentials(app_configs, **kwargs):
    warnings = []
    if settings.DEMO_MODE:
        warnings.append(checks.Warning(
            "DEMO_MODE is on: the embedded helpdesk starts even with the demo API credentials.",
            hint="Unset DEMO_MODE anywhere real.", id="portal.W002",
        ))
    for name in ("HELPDESK_API_PASSWORD", "KAYAKO_API_PASSWORD"):  # the helpdesk's and the portal's
        if getattr(settings, name, None) == settings.DEMO_API_PASSWORD:
            warnings.append(checks.Warning(
                f"{name} is the demo password that the README publishes.",
                hint="Set HELPDESK_API_USERNAME/PASSWORD and the portal's KAYAKO_API_USERNAME/PASSWORD to a pair of your own.",
                id="portal.W003",
            ))
    return warnings


@checks.register(checks.Tags.translation)
def check_compiled_catalogs(app_configs, **kwargs):
    """The .mo files are built, not committed (scripts/run and scripts/test build them): a deployment
    that skips compilemessages would serve its pages in English, or with yesterday's translations."""
    warnings = []
    for code, _name in settings.LANGUAGES:
        source = settings.BASE_DIR / "locale" / code / "LC_MESSAGES" / "django.po"
        compiled = source.with_suffix(".mo")
        if source.exists() and (not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime):
            warnings.append(checks.Warning(
                f"The {code} catalog is not compiled, or older than {source.relative_to(settings.BASE_DIR)}.",
                hint="Run `manage.py compilemessages --ignore=.venv` (msgfmt: Debian's gettext).", id="portal.W004",
            ))
    return warnings
