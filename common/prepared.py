"""Read queries and INSERTs compiled once per process and run with new values.

Django compiles a queryset's SQL anew each time it runs. For the API's most frequent reads that
costs far more than the database's own work (about 0.3 ms a query against some 20 µs on SQLite:
bench/results/latest.md), and so does a new row's INSERT (~0.4 ms). No maintained library keeps
compiled ORM queries (django-cachalot and the like cache results, which a helpdesk whose staff edit
tickets in another process must not do), so this keeps what the ORM compiled, the SQL and the
converters of its columns, and runs it with the values of each call. The query is still written
with the ORM, so it stays portable.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet, signals
from django.db.models.sql import InsertQuery


class Arg:
    """A placeholder for a value given per call; built into the query as a value no call uses."""

    _next = 0

    def __init__(self, name: str, kind: type = int):
        Arg._next += 1
        self.name = name
        self.sentinel: Any = -1_000_000_000 - Arg._next if kind is int else f"\0prepared-{Arg._next}\0"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # fixed values, or an Arg's name where a call's value goes
    converters: tuple  # (column index, converter functions, expression)


class Prepared:
    """`Prepared(lambda a: Model.objects.filter(pk=a.ticket_id).values_list(...), Arg("ticket_id"))`;
    `.rows(ticket_id=4)` runs it: a list of tuples, converted as values_list would convert them."""

    def __init__(self, build: Callable[..., QuerySet], *args: Arg):
        self._build = build
        self._args = args
        self._compiled: dict[str, _Compiled] = {}
        self._model = None

    def _queryset(self) -> QuerySet:
        return self._build(type("Args", (), {arg.name: arg.sentinel for arg in self._args}))

    def _compile(self, alias: str) -> _Compiled:
        queryset = self._queryset().using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        names = {arg.sentinel: arg.name for arg in self._args}
        marked = tuple(_Slot(names[value]) if _hashable(value) and value in names else value for value in params)
        if {slot.name for slot in marked if isinstance(slot, _Slot)} != {arg.name for arg in self._args}:
            raise ValueError(f"a value of {[arg.name for arg in self._args]} did not reach the SQL unchanged")
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = tuple((index, functions, expression)
                           for index, (functions, expression) in compiler.get_converters(columns).items())
        return _Compiled(sql, marked, converters)

    def rows(self, **values: Any) -> list[tuple]:
        if self._model is None:
            self._model = self._queryset().model
        alias = router.db_for_read(self._model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        params = [values[value.name] if isinstance(value, _Slot) else value for value in compiled.params]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, functions, expression in compiled.converters:
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
            converted.append(tuple(row))
        return converted


@dataclass(frozen=True)
class _Slot:
    name: str


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class PreparedInsert:
    """`PreparedInsert(Model)`; `.save(obj)` saves a new `obj` as `obj.save(force_insert=True)` does
    (its fields' defaults and pre_save, its save signals, its id), with the INSERT the ORM compiled
    once. For models without parents whose values are plain parameters (no expression, no
    db_default) and new rows whose id the database gives: anything else is refused."""

    def __init__(self, model: type[Model]):
        if model._meta.parents:
            raise ValueError(f"{model.__name__} has parents: Model.save writes them first")
        self._model = model
        self._compiled: dict[str, tuple[str, list, bool]] = {}

    def _compile(self, alias: str) -> tuple[str, list, bool]:
        """From a new instance with its defaults: the SQL is the same whatever plain values a row has."""
        meta = self._model._meta
        fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field and not field.generated]
        connection = connections[alias]
        query = InsertQuery(self._model)
        query.insert_values(fields, [self._model()])
        compiler = query.get_compiler(using=alias)
        returning = connection.features.can_return_columns_from_insert
        compiler.returning_fields = [meta.pk] if returning else None
        [(sql, params)] = compiler.as_sql()
        if f"VALUES ({', '.join(['%s'] * len(fields))})" not in sql or len(params) != len(fields):
            raise ValueError(f"a value of {self._model.__name__} is not a plain parameter of its INSERT")
        return sql, fields, returning

    def save(self, obj: Model) -> None:
        self.prepare(obj)()

    def prepare(self, obj: Model) -> Callable[[], None]:
        """save(obj) in two steps: everything but the INSERT now (the checks, pre_save and its
        signal, the values), and a function that runs the INSERT, gives `obj` its id and sends
        post_save. In a write transaction, what runs before its first statement does not hold up
        the other writers (portal.sqlite): preparing first keeps the INSERT's Python out of the
        writers' turn even when another statement comes first."""
        if obj.pk is not None:
            raise ValueError(f"this {self._model.__name__} has an id already: the database gives it one")
        alias = router.db_for_write(self._model, instance=obj)
        connection = connections[alias]
        obj._prepare_related_fields_for_save(operation_name="save")
        signals.pre_save.send(sender=self._model, instance=obj, raw=False, using=alias, update_fields=None)
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        sql, fields, returning = compiled
        meta = self._model._meta
        values = [field.pre_save(obj, True) for field in fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            raise ValueError(f"a value of this {self._model.__name__} is not a plain parameter of its INSERT")
        params = [field.get_db_prep_save(value, connection=connection) for field, value in zip(fields, values, strict=True)]

        def insert() -> None:
            # As Model.save: a failed INSERT in a transaction.atomic block makes the block roll back.
            with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
                cursor.execute(sql, params)
                pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(
                    cursor, meta.db_table, meta.pk.column)
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = alias
            signals.post_save.send(sender=self._model, instance=obj, created=True, update_fields=None, raw=False,
                                   using=alias)

        return insert
