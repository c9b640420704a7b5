"""The connection settings moved to the kayako app: the table stays, only Django's state moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ApiConnection")]),
    ]
