"""Bulk inserts without the ORM, for the import's hot path (events and new case projections).

Django's ``bulk_create`` prepares every value through its field and, on PostgreSQL, sends
INSERTs with tens of thousands of placeholders that the driver parses again. Here rows are
tuples in the model's column order: on PostgreSQL they go through ``COPY … FROM STDIN``
(psycopg's ``cursor.copy``), on SQLite through ``executemany`` of a one-row INSERT. Both run on
Django's connection, inside the caller's transaction. Values are converted as Django would store
them: times in UTC (ISO text on PostgreSQL, Django's naive text on SQLite), JSON as text,
durations as an interval (PostgreSQL) or microseconds (SQLite).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models

from lianjian.common import jsontext


def _json(value: Any) -> str:
    return jsontext.dumps(value)


def sqlite_time(value: datetime | None) -> str | None:
    """A time as Django stores it in SQLite (naive UTC, ``str(datetime)``)."""
    if value is None:
        return None
    return str(value.astimezone(UTC).replace(tzinfo=None))


def pg_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _micro(value: timedelta | None) -> int | None:
    if value is None:
        return None
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def time_value(value: datetime | None) -> str | None:
    """A time as this database's insert takes it."""
    return pg_time(value) if is_postgresql() else sqlite_time(value)


def json_value(value: Any) -> str:
    return _json(value)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return pg_time if is_postgresql() else sqlite_time
    if internal == "JSONField":
        return _json
    if internal == "DurationField" and not is_postgresql():
        return _micro
    return None


def columns_of(model: type[models.Model], *, with_pk: bool = False) -> list[models.Field[Any, Any]]:
    """The model's concrete fields in column order (without the auto primary key unless asked)."""
    return [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]


def insert_tuples(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows already converted to database values, in ``columns`` order."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        if is_postgresql():
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 (names from the model)


def insert_dicts(model: type[models.Model], rows: Iterable[dict[str, Any]], *, with_pk: bool = False) -> int:
    """Insert rows given as ``{attname: python value}``; missing columns take the field default."""
    fields = columns_of(model, with_pk=with_pk)
    converters = [_converter(field) for field in fields]
    defaults = [field.get_default() if field.has_default() else None for field in fields]
    tuples = []
    for row in rows:
        values = []
        for field, convert, default in zip(fields, converters, defaults, strict=True):
            value = row.get(field.attname, default)
            values.append(value if convert is None or value is None else convert(value))
        tuples.append(values)
    insert_tuples(model, [str(field.column) for field in fields], tuples)
    return len(tuples)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model`` (inside a transaction that writes the table)."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: one writer at a time, and this transaction holds the write lock already.
        cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        (top,) = cursor.fetchone()
        return list(range(top + 1, top + 1 + count))


def select_in(sql: str, values: Sequence[Any], *, chunk: int = 5000) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (with one ``{in}`` marker for the values' condition) for all ``values``.

    PostgreSQL takes the values as one array (``= ANY(%s)``); SQLite as ``IN (…)`` in chunks.
    """
    rows: list[tuple[Any, ...]] = []
    if not values:
        return rows
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(sql.format(op="= ANY(%s)"), [list(values)])
            rows.extend(cursor.fetchall())
        else:
            for start in range(0, len(values), chunk):
                part = values[start : start + chunk]
                cursor.execute(sql.format(op=f"IN ({', '.join(['%s'] * len(part))})"), list(part))
                rows.extend(cursor.fetchall())
    return rows
