"""The connection settings, taken over from the portal app with their table (see portal 0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("portal", "0002_apiconnection_moves_to_kayako")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiConnection",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("url", models.URLField(blank=True, help_text="For example https://help.example.com/integrationapi/index.php", verbose_name="API URL")),
                        ("username", models.CharField(blank=True, max_length=255, verbose_name="API username")),
                        ("password_encrypted", models.BinaryField(blank=True, verbose_name="API password (encrypted)")),
                        ("updated", models.DateTimeField(auto_now=True, verbose_name="updated")),
                    ],
                    options={
                        "verbose_name": "helpdesk connection",
                        "verbose_name_plural": "helpdesk connection",
                        "db_table": "portal_apiconnection",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="apiconnection", table=None),
    ]
