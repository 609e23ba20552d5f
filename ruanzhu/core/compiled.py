"""Queries whose SQL is built and compiled once per process and database, then run with each request's values."""

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Field, Model, QuerySet

# Stand-ins for compiled shapes: no row has these ids, and no value of a request is compared with them.
STAND_IN_IDS = (2_000_000_011, 2_000_000_013)


class CompiledQuery:
    """The SQL of a queryset, built and compiled once per process and database, run with each request's values.

    Building a query's conditions (the Exists subqueries of ``filings.access.grants``, say) and compiling them
    can cost more CPU than the rest of a page, yet the SQL depends only on the query's shape: ``build`` makes the
    queryset from its values (keyword arguments), the slots. The shape is compiled with stand-in values; a
    slot's parameters are those that change when only that slot's stand-in changes. The compiled shape is used
    only if it proves itself: the same SQL whatever the stand-ins, and every parameter of the query built with
    the second stand-ins found by putting them in the first one's slots; otherwise every call builds the query.
    """

    def __init__(self, build: Callable[..., QuerySet], slots: dict[str, tuple[Field, Any, Any]]):
        # slots: name -> (the field whose column the value is compared with, first stand-in, second stand-in)
        self.build = build
        self.slots = slots
        self.compiled: dict[str, tuple[str, tuple, dict[str, list[int]]] | None] = {}
        self.readers: dict[str, tuple] = {}

    def _compile(self, alias: str, values: dict[str, Any]) -> tuple[str, tuple]:
        return self.build(**values).query.get_compiler(using=alias).as_sql()

    def _prepare(self, alias: str, name: str, value: Any) -> Any:
        return self.slots[name][0].get_db_prep_value(value, connections[alias], prepared=False)

    def _shape(self, alias: str) -> tuple[str, tuple, dict[str, list[int]]] | None:
        first = {name: stand_ins[1] for name, stand_ins in self.slots.items()}
        second = {name: stand_ins[2] for name, stand_ins in self.slots.items()}
        sql, params = self._compile(alias, first)
        places = {}
        for name in self.slots:
            changed_sql, changed = self._compile(alias, {**first, name: second[name]})
            if changed_sql != sql or len(changed) != len(params):
                return None
            places[name] = [
                n for n, (one, other) in enumerate(zip(params, changed, strict=True)) if one != other
            ]
        other_sql, other_params = self._compile(alias, second)
        if other_sql != sql or self._fill(alias, params, places, second) != tuple(other_params):
            return None
        return sql, tuple(params), places

    def _fill(self, alias: str, params: tuple, places: dict[str, list[int]], values: dict[str, Any]) -> tuple:
        filled = list(params)
        for name, positions in places.items():
            prepared = self._prepare(alias, name, values[name])
            for position in positions:
                filled[position] = prepared
        return tuple(filled)

    def sql(self, alias: str, **values) -> tuple[str, tuple] | None:
        """Return the SQL and parameters of ``build(**values)`` on ``alias``, or None if the shape has none."""
        if alias not in self.compiled:
            self.compiled[alias] = self._shape(alias)
        shape = self.compiled[alias]
        if shape is None:
            return None
        sql, params, places = shape
        return sql, self._fill(alias, params, places, values)

    def _reader(self, alias: str) -> tuple:
        # The compiler of the shape, its selected columns and their converters (decryption, a database's types).
        first = {name: stand_ins[1] for name, stand_ins in self.slots.items()}
        compiler = self.build(**first).query.get_compiler(using=alias)
        compiler.setup_query()
        columns = [column for column, _, _ in compiler.select]
        return compiler, columns, compiler.get_converters(columns)

    def _read(self, alias: str, sql: tuple[str, tuple]) -> tuple[Any, list, list]:
        if alias not in self.readers:
            self.readers[alias] = self._reader(alias)
        compiler, columns, converters = self.readers[alias]
        with connections[alias].cursor() as cursor:
            cursor.execute(*sql)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return compiler, columns, rows

    def rows(self, alias: str, **values) -> list[tuple]:
        """Return the rows of ``build(**values)``, a ``values_list()`` query, on ``alias``, as iterating over it
        would."""
        compiled = self.sql(alias, **values)
        if compiled is None:
            return list(self.build(**values).using(alias))
        return [tuple(row) for row in self._read(alias, compiled)[2]]

    def objects(self, alias: str, **values) -> list[Model]:
        """Return the model instances of ``build(**values)`` on ``alias``, as iterating over it would.

        Only for a query of one model's own columns (no ``select_related``, annotations or ``values()``).
        """
        compiled = self.sql(alias, **values)
        if compiled is None:
            return list(self.build(**values).using(alias))
        compiler, columns, rows = self._read(alias, compiled)
        if (
            compiler.klass_info is None
            or compiler.klass_info.get("related_klass_infos")
            or compiler.annotation_col_map
        ):
            raise ValueError("objects() reads a query of one model's own columns")
        names = [column.target.attname for column in columns]
        return [compiler.query.model.from_db(alias, names, tuple(row)) for row in rows]
