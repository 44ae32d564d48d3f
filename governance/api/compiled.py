"""A list's first page read by a statement compiled once, for a list endpoint whose unfiltered
queryset is asked for again and again (the projects list, issue 14): building the scoped queryset
and compiling it were a fifth of the request.

`CompiledValues(key, build)` stands for the `.values()` queryset `build()` returns, as
governance.api.pagination.FirstPageCountPagination reads it: its head, `[:n]`, runs the SQL the
ORM compiled for `build()[:n]` the first time that key and n were asked for, with the same
parameters; anything else (a count, another page, iteration) builds the queryset and asks it.
The key must hold everything the statement depends on: for a scoped read, the actor's territory
(governance.scoping.scope depends on nothing else: territory_of's value, and whether it reads or
writes) and whatever else `build` reads from the request. A statement whose columns need Django's
converters is not kept (each read then compiles, as without this). A kept statement whose
parameters are all integers, booleans or strings runs as a prepared one (governance/prepared.py:
planned once a connection), named after its text, so a name always means one statement."""

import hashlib

from django.db import connections
from django.utils.functional import cached_property

from governance import prepared

_STATEMENTS = {}  # {(key, alias, n): (sql, params, names, prepared as (name, types) or None)}
_TYPES = {bool: "boolean", int: "bigint", str: "text"}
_STATEMENTS_MAX = 1024  # distinct territories times page sizes; past it the memo starts again


class CompiledValues:
    def __init__(self, key, build, alias):
        """`alias`: the database `build()`'s queryset reads (its .db: routers.db_for_read)."""
        self.key, self.build, self.alias = key, build, alias

    @cached_property
    def queryset(self):
        return self.build()

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return len(self.queryset)

    def __iter__(self):
        return iter(self.queryset)

    def __getitem__(self, index):
        if isinstance(index, slice) and not index.start and index.step is None and index.stop is not None:
            return self._head(index.stop)
        return self.queryset[index]

    def _head(self, n):
        memo = (self.key, self.alias, n)
        statement = _STATEMENTS.get(memo)
        if statement is None:
            head = self.queryset[:n]
            if head.db != self.alias:
                raise ValueError(f"CompiledValues: the queryset reads {head.db}, not {self.alias}")
            compiler = head.query.get_compiler(using=head.db)
            sql, params = compiler.as_sql()
            query = head.query
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
            if compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]]):
                return list(head)
            if len(names) != compiler.col_count:  # pragma: no cover - not a plain .values() read
                return list(head)
            types = [_TYPES.get(type(param)) for param in params]
            plain = (
                connections[self.alias].vendor != "postgresql"
                or None in types
                or "%%" in sql  # numbered() reads every %s as a parameter
                or sql.count("%s") != len(params)
            )
            name = "compiled_" + hashlib.sha256(f"{sql}\0{types}".encode()).hexdigest()[:24]
            statement = (sql, params, names, None if plain else (name, types))
            if len(_STATEMENTS) >= _STATEMENTS_MAX:
                _STATEMENTS.clear()
            _STATEMENTS[memo] = statement
        sql, params, names, as_prepared = statement
        with connections[self.alias].cursor() as cursor:
            if as_prepared:
                name, types = as_prepared
                prepared.execute(cursor, name, sql, params, types)
            else:
                cursor.execute(sql, params)
            return [dict(zip(names, row)) for row in cursor.fetchall()]
