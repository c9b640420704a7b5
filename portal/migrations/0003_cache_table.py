"""The shared cache's table (portal.models.CacheEntry), as createcachetable would make it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_apiconnection_moves_to_kayako")]

    operations = [
        migrations.CreateModel(
            name="CacheEntry",
            fields=[
                ("cache_key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("value", models.TextField()),
                ("expires", models.DateTimeField(db_index=True)),
            ],
            options={"db_table": "portal_cache"},
        ),
    ]
