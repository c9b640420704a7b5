"""The embedded helpdesk from PHP's SoapClient (Debian's php-cli and php-soap)."""

import json
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

from helpdesk.models import CustomField, Department, Priority, Ticket

SCRIPT = Path(__file__).parent / "php" / "client.php"


def test_php_soapclient_browses_lists_submits_and_gets_faults(demo):
    assert shutil.which("php"), "php-cli is required (scripts/test installs php-cli and php-soap)"
    technical = Department.objects.get(title="Technical support")
    result = subprocess.run(
        ["php", str(SCRIPT), f"{demo.url}/integrationapi/index.php?wsdl", settings.HELPDESK_API_USERNAME,
         settings.HELPDESK_API_PASSWORD, "demo@example.com", str(technical.pk), str(Priority.objects.first().pk)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert out["root_categories"] == ["Getting started", "Account and billing", "Troubleshooting"]
    assert out["breadcrumbs"] == ["Getting started"]
    assert set(out["root_articles"]) == {"Welcome to the help centre", "Our support hours"}
    assert out["article_title"] in out["root_articles"]
    assert len(out["ticket_masks"]) == 5
    required = CustomField.objects.filter(group__departments=technical, isrequired=True).count()
    assert out["required_customs"] == required == 3
    ticket = Ticket.objects.get(mask=out["submitted_mask"])
    assert ticket.subject == out["ticket_subject"] == "Sent from PHP"
    assert out["ticket_message"] == "Line one\nLine two"
    assert out["ticket_custom_values"]["Operating system"] == "Windows 11"
    assert out["fault"] == {"string": "Kayako API Error", "detail": "-13"}
