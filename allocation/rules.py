"""The allocation rules of `engine.py`, rendered for the database.

`engine.TAKES_A_CASE` (active, accepting new cases, below cap) and `engine.RANKING` (lowest
open/cap, then fewer open cases, then lower id) are written once, as data, in the pure
engine. Here the same data becomes an ORM filter and SQL fragments, so that the
one-statement intake, the ranked candidates and the claim of a slot say exactly what the
engine says; `tests/test_rules.py` runs all renderings on the same random rows.

The citizen's most recent caseworker is defined here too, once, as SQL and as a query:
the holder of the citizen's most recently *assigned* case (a case keeps its last holder
when it closes), whatever that caseworker's room today. Whether continuity then applies
is `TAKES_A_CASE` of that caseworker, like anyone else's.
"""

from __future__ import annotations

from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast

from cases.models import Case

from . import engine

_SQL_OPERATORS = {"=": "=", "<": "<"}


def takes_a_case_q(prefix: str = "") -> Q:
    """`engine.TAKES_A_CASE` as a filter on caseworkers (or on `prefix` + a caseworker relation)."""
    condition = Q()
    for rule in engine.TAKES_A_CASE:
        operand = F(prefix + rule.operand.name) if isinstance(rule.operand, engine.Column) else rule.operand
        lookup = "" if rule.op == "=" else "__lt"
        condition &= Q(**{f"{prefix}{rule.field}{lookup}": operand})
    return condition


def takes_a_case_sql(alias: str) -> str:
    """`engine.TAKES_A_CASE` as a SQL condition on the caseworker table aliased `alias`.

    The operands are the engine's own constants, never input, so they are written in as
    literals; that keeps the fragment usable in statements of either parameter style.
    """
    return " AND ".join(
        f"{alias}.{rule.field} {_SQL_OPERATORS[rule.op]} {_sql_operand(rule.operand, alias)}"
        for rule in engine.TAKES_A_CASE
    )


def ranking_sql(alias: str) -> str:
    """`engine.RANKING` as an ORDER BY list. The float ratio orders exactly like the engine's
    fractions for any cap below 10**7 (two ratios a/b ≠ c/d differ by at least 1/(b·d))."""
    return ", ".join(_sql_rank_part(part, alias) for part in engine.RANKING)


def ranking_order_by() -> list:
    """`engine.RANKING` as `order_by` arguments for a caseworker queryset (float ratio, as in SQL)."""
    parts = []
    for part in engine.RANKING:
        if isinstance(part, tuple):
            numerator, denominator = part
            parts.append(Cast(numerator, FloatField()) / F(denominator))
        else:
            parts.append(F(part).asc())
    return parts


def _sql_operand(operand, alias: str) -> str:
    if isinstance(operand, engine.Column):
        return f"{alias}.{operand.name}"
    if isinstance(operand, bool):
        return "TRUE" if operand else "FALSE"
    if isinstance(operand, int):
        return str(operand)
    return "'" + str(operand).replace("'", "''") + "'"


def _sql_rank_part(part, alias: str) -> str:
    if isinstance(part, tuple):
        numerator, denominator = part
        return f"CAST({alias}.{numerator} AS DOUBLE PRECISION) / {alias}.{denominator}"
    return f"{alias}.{part}"


# --- The citizen's most recent caseworker ---------------------------------------------------


def most_recent_caseworker_sql(citizen_param: str) -> str:
    """A scalar subquery: the caseworker id of the citizen's most recently assigned case.

    `citizen_param` is the placeholder of the citizen's id in the calling statement.
    """
    table = Case._meta.db_table
    return f"""(
            SELECT c.caseworker_id FROM {table} c
            WHERE c.citizen_id = {citizen_param} AND c.caseworker_id IS NOT NULL
            ORDER BY c.assigned_at DESC, c.id DESC
            LIMIT 1
        )"""  # noqa: S608 - a table name from the model's metadata and a placeholder


def most_recent_caseworker_id(*, citizen_id: int) -> int | None:
    """The same as `most_recent_caseworker_sql`, as one query."""
    return (
        Case.objects.filter(citizen_id=citizen_id, caseworker__isnull=False)
        .order_by("-assigned_at", "-id")
        .values_list("caseworker_id", flat=True)
        .first()
    )
