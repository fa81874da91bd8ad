"""Date arithmetic that Django has no portable expression for."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DateField, Func
from django.db.models.functions import TruncDate


class AddDays(Func):
    """`date + days` as a date; NULL when either is NULL."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date + integer is a date
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        return f"(({date_sql})::date + ({days_sql})::integer)", (*date_params, *days_params)

    def as_sqlite(self, compiler, connection, **extra):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        return f"date({date_sql}, '+' || ({days_sql}) || ' days')", (*date_params, *days_params)


def local_date(field: str) -> TruncDate:
    """The date of a timestamp in the jobcenters' time zone (Copenhagen), whatever the
    request's active time zone."""
    return TruncDate(field, tzinfo=ZoneInfo(settings.TIME_ZONE))
