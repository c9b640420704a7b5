"""The sign-in backends (Django's and allauth's), whose read of the signed-in user, made by every
request with a session, is compiled once per process (common.prepared): the ORM took ~0.3 ms to
build that query each time, the database ~30 µs to answer it. The same read brings the user's verified
primary address, which every customer's page asks for next (common.customers): one query instead of
two, and on SQLite one snapshot to load, where each read after another process's write reloads the
pages it needs. Everything else is theirs."""

from functools import cache

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import OuterRef, Subquery

from .customers import ADDRESS_READ_WITH_USER, verified_primary_address
from .prepared import Arg, Prepared


@cache
def _columns() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


_USER = Prepared(lambda a: get_user_model()._default_manager.filter(pk=a.user_id).annotate(
    address=Subquery(verified_primary_address(OuterRef("pk")))).values_list(*_columns(), "address"), Arg("user_id"))


class _PreparedUserRead:
    def get_user(self, user_id):
        """As Django's: the active user with this id, else None."""
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        rows = _USER.rows(user_id=pk)
        if not rows:
            return None
        *values, address = rows[0]
        user = model.from_db(router.db_for_read(model), _columns(), values)
        setattr(user, ADDRESS_READ_WITH_USER, address)
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_PreparedUserRead, backends.ModelBackend):
    pass


class AuthenticationBackend(_PreparedUserRead, auth_backends.AuthenticationBackend):
    pass
