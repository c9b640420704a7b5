"""A deployment check (`manage.py check --deploy`): seed_demo's accounts with their published passwords."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core import checks
from django.db import DatabaseError

from .management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERNAME, STAFF_PASSWORD, STAFF_USERNAME


@checks.register(checks.Tags.security, deploy=True)
def check_demo_accounts(app_configs, **kwargs):
    try:
        users = list(get_user_model().objects.filter(username__in=[STAFF_USERNAME, DEMO_USERNAME]))
    except DatabaseError:  # no database yet (or no tables): no accounts either
        return []
    published = {STAFF_USERNAME: STAFF_PASSWORD, DEMO_USERNAME: DEMO_PASSWORD}
    return [
        checks.Warning(
            f"The demo account “{user.username}” exists with the password that the README publishes "
            "(seed_demo's demo data).",
            hint="Do not run seed_demo anywhere real; delete the demo data's accounts or change their passwords.",
            id="helpdesk.W001",
        )
        for user in users if check_password(published[user.username], user.password)  # no rehash, no save
    ]
