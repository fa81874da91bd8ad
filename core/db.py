"""Database helpers every app shares: which constraint an IntegrityError broke, and the
claim of rows by background work (`claimable`).

Services turn a broken constraint into the domain error it means (a second unclosed case
is `DuplicateOpenCase`), and they must recognise it by the constraint, not by the wording
of a driver's message. PostgreSQL names the constraint in the error's diagnostics; SQLite
names only the columns, so those are matched against the models' unique constraints.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import IntegrityError, OperationalError, connection, models

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<columns>.+))")


def is_deadlock(error: OperationalError) -> bool:
    """Whether PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01)."""
    cause = error.__cause__
    return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) == "40P01"


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint `error` broke, or None when it cannot be told.

    Unique fields (`unique=True`) are named `<table>.<column>` on every database, since
    their constraint names are generated differently by each backend.
    """
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return _unique_field_name(diag.table_name, diag.constraint_name) or diag.constraint_name
    match = _SQLITE_UNIQUE.search(str(error))
    if match is None:
        return None
    if match["index"]:
        return match["index"]
    columns = [part.strip() for part in match["columns"].split(",")]
    table = columns[0].split(".", 1)[0]
    names = tuple(sorted(column.split(".", 1)[1] for column in columns))
    return _constraint_by_columns(table, names)


def _models_of(table: str):
    return [model for model in apps.get_models() if model._meta.db_table == table]


def _constraint_by_columns(table: str, columns: tuple[str, ...]) -> str | None:
    for model in _models_of(table):
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                fields = tuple(sorted(model._meta.get_field(name).column for name in constraint.fields))
                if fields == columns:
                    return constraint.name
        if len(columns) == 1:
            for field in model._meta.concrete_fields:
                if field.unique and field.column == columns[0]:
                    return f"{table}.{field.column}"
    return None


def _unique_field_name(table: str | None, constraint_name: str) -> str | None:
    """PostgreSQL's generated name of a unique field's constraint, as `<table>.<column>`."""
    for model in _models_of(table or ""):
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key and constraint_name.startswith(f"{table}_{field.column}_"):
                return f"{table}.{field.column}"
    return None


def claimable(queryset):
    """`queryset` locked for a claim: a second worker skips the rows another holds rather
    than waiting for them and then doing the same work again (PostgreSQL's SKIP LOCKED).
    SQLite has no row locks; its transactions begin IMMEDIATE, which already serialises."""
    features = connection.features
    if not features.has_select_for_update:
        return queryset
    return queryset.select_for_update(
        skip_locked=features.has_select_for_update_skip_locked,
        of=("self",) if features.has_select_for_update_of else (),
    )
