"""Small database functions the ORM lacks, written for both PostgreSQL and SQLite."""

from __future__ import annotations

from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, FloatField, Func, IntegerField
from django.db.models.functions import TruncDate


class _SecondsBetween(Func):
    """`end - start` in the database, in seconds divided by `unit_seconds`."""

    arity = 2
    unit_seconds: float
    floor = False

    def as_sql(self, compiler, conn, **extra):
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        if conn.vendor == "postgresql":
            sql = f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) / {self.unit_seconds})"
        else:
            sql = f"((julianday({end_sql}) - julianday({start_sql})) * {86400.0 / self.unit_seconds})"
        if self.floor:
            sql = f"CAST(FLOOR({sql}) AS integer)"
        return sql, (*end_params, *start_params)


class DaysBetween(_SecondsBetween):
    """Whole days from `start` to `end` (floor), computed in the database."""

    output_field = IntegerField()
    unit_seconds = 86400.0
    floor = True


class HoursBetween(_SecondsBetween):
    output_field = FloatField()
    unit_seconds = 3600.0


class LocalDate(TruncDate):
    """The Copenhagen date of a timestamp (as `casework.dbfunctions.local_date`), without
    Django's conversion of every row in Python: the database already answers a date, and a
    report streams hundreds of thousands of them."""

    def __init__(self, expression, **extra):
        super().__init__(expression, tzinfo=ZoneInfo(settings.TIME_ZONE), **extra)

    @property
    def convert_value(self):
        return self._convert_value_noop


class DaysFromTo(Func):
    """Whole days from the date `start` to the date `end` (negative when `end` is earlier)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, conn, **extra):
        start, end = (compiler.compile(e) for e in self.source_expressions)
        if conn.vendor == "postgresql":
            return f"(({end[0]})::date - ({start[0]})::date)", (*end[1], *start[1])
        return f"CAST(julianday({end[0]}) - julianday({start[0]}) AS integer)", (*end[1], *start[1])


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate; callers fall back to histograms elsewhere."""

    function = "percentile_cont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class PercentilesCont(Aggregate):
    """Several percentiles from one sort: `percentile_cont(ARRAY[…])` returns them as a list."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        from django.contrib.postgres.fields import ArrayField

        listed = ", ".join(repr(float(f)) for f in fractions)
        super().__init__(expression, fractions=listed, output_field=ArrayField(FloatField()), **extra)


def has_percentile() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def roomy_sorts(megabytes: int = 96):
    """Let PostgreSQL sort a report's few hundred thousand values in memory, not on disk,
    for this transaction only (the server default of 4 MB suits many small queries)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{int(megabytes)}MB'")
        yield
