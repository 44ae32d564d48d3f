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
converters is not kept (each read then compiles, as without this)."""

from django.db import connections
from django.utils.functional import cached_property

_STATEMENTS = {}  # {(key, alias, n): (sql, params, names)}
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
            statement = (sql, params, names)
            if len(_STATEMENTS) >= _STATEMENTS_MAX:
                _STATEMENTS.clear()
            _STATEMENTS[memo] = statement
        sql, params, names = statement
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, params)
            return [dict(zip(names, row)) for row in cursor.fetchall()]
