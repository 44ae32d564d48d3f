"""Bulk inserts of generated rows: PostgreSQL's COPY where the database is PostgreSQL (psycopg2),
plain INSERTs elsewhere (SQLite). For the demo seed (`seed_demo`), which plays a census and
a history that already happened, and for the census import's new rows (residents.census.write):
it writes straight to the tables, not through the services, so it must only be given rows that
satisfy the models' rules.

    ids = reserve_ids(Building, len(rows))                 # ids known before the rows are written
    insert_rows(Building, ["id", "neighbourhood_id", "name", "floors"], rows)

`rows` is any iterable of tuples in the order of `fields` (attribute names: `neighbourhood_id`,
not `neighbourhood`). Every concrete field not named gets its default: a constant default, or
the value of `timezone.now`, `dict` or `list` (called once for the whole call), NULL where the column
allows it, an empty string for a text field that may be blank; `auto_now` and `auto_now_add`
fields get the time of the call. Any other field must be named. Values
are written as `str()` gives them (Decimal, date and aware datetime as PostgreSQL reads them);
None is NULL; a JSONField's value is given as JSON text.

The COPY goes through CSV (the csv module's C writer: no Python work per value), in chunks of
CHUNK rows; the text columns that may not be NULL are read with FORCE_NOT_NULL, so an empty
string stays empty and None becomes NULL only where a column allows it (a nullable text column
reads an empty string as NULL: give None there).
"""

import csv
import io
import itertools
import json

from django.db import connection, models
from django.utils import timezone

CHUNK = 50_000
BATCH = 5_000  # rows an INSERT batch off PostgreSQL
_ONCE_DEFAULTS = (timezone.now, dict, list)


def copy_available():
    """Whether this connection can COPY (PostgreSQL through psycopg2)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return hasattr(cursor.cursor, "copy_expert")


def reserve_ids(model, count):
    """`count` primary keys for new rows of `model`, taken from its sequence (PostgreSQL) or after
    its largest id (SQLite, whose writer holds the database lock inside the seed's transaction)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


def _defaults(model, fields, now):
    """The concrete fields not in `fields` and the value each one gets."""
    named = set(fields)
    others, values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in named or (f.primary_key and isinstance(f, models.AutoField)):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            if callable(f.default):
                if f.default not in _ONCE_DEFAULTS:
                    raise TypeError(f"insert_rows: give {model.__name__}.{f.attname} (its default is per row)")
                value = f.default()
            else:
                value = f.default
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
        elif f.null:
            value = None
        elif f.blank and f.empty_strings_allowed:
            value = ""
        else:
            raise TypeError(f"insert_rows: {model.__name__}.{f.attname} has no default: name it")
        others.append(f)
        values.append(value)
    return others, tuple(values)


def insert_rows(model, fields, rows, *, now=None):
    """Insert `rows` (tuples in the order of `fields`) into `model`'s table; returns how many."""
    now = now or timezone.now()
    others, defaults = _defaults(model, fields, now)
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    columns = [by_name[name] for name in fields] + others
    if not copy_available():
        full = map(tuple.__add__, rows, itertools.repeat(defaults)) if defaults else iter(rows)
        return _insert_plain(model, columns, full)
    not_null_text = [f.column for f in columns if f.empty_strings_allowed and not f.null]
    # The defaults as the CSV writer would write them, converted once for all the rows (a
    # timestamp's str() alone costs about a microsecond a row).
    text = tuple(v if v is None or isinstance(v, str) else str(v) for v in defaults)
    full = map(tuple.__add__, rows, itertools.repeat(text)) if text else iter(rows)
    count = 0
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(full, CHUNK)):
            copy_csv(cursor.cursor, model._meta.db_table, [f.column for f in columns], chunk, not_null_text)
            count += len(chunk)
    return count


def _insert_plain(model, columns, rows):
    """Off PostgreSQL: INSERTs of `rows` in batches, each value converted by its field as a save
    would, except that a date given for an auto_now(_add) field is kept (bulk_create would stamp
    it with now: the history's transitions are dated). A JSON column's value is its JSON text
    already, as for the COPY."""
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    count = 0
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, BATCH)):
            cursor.executemany(sql, [[_db_value(f, v) for f, v in zip(columns, values)] for values in batch])
            count += len(batch)
    return count


def _db_value(field, value):
    if isinstance(field, models.JSONField) and isinstance(value, str):
        return value
    return field.get_db_prep_save(value, connection)


def copy_csv(cursor, table, columns, rows, not_null_text=()):
    """COPY `rows` (tuples in `columns` order) into `table` (any table, a temporary one too) as CSV
    written by the csv module's C writer: no Python work per value; None is NULL. The columns
    `not_null_text` read an empty string as itself (FORCE_NOT_NULL), the others as NULL.
    `cursor` is a psycopg2 cursor (Django's `cursor.cursor`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    quote = connection.ops.quote_name
    options = "FORMAT csv"
    if not_null_text:
        options += f", FORCE_NOT_NULL ({', '.join(map(quote, not_null_text))})"
    cursor.copy_expert(f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN WITH ({options})", buffer)
