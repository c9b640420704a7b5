"""The sign-in backends (Django's and allauth's), whose read of the signed-in user, made by every
request with a session, is compiled once per process (common.prepared): the ORM took ~0.3 ms to
build that query each time, the database ~30 µs to answer it. Everything else is theirs."""

from functools import cache

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError
from django.db import router

from .prepared import Arg, Prepared


@cache
def _columns() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


_USER = Prepared(lambda a: get_user_model()._default_manager.filter(pk=a.user_id).values_list(*_columns()),
                 Arg("user_id"))


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
        user = model.from_db(router.db_for_read(model), _columns(), rows[0])
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_PreparedUserRead, backends.ModelBackend):
    pass


class AuthenticationBackend(_PreparedUserRead, auth_backends.AuthenticationBackend):
    pass
