"""The allocation rules of `engine.py`, rendered for the database.

`engine.TAKES_A_CASE` (active, accepting new cases, room for the case's weight) and
`engine.RANKING` (lowest load/cap, then lower load, fewer open cases, lower id) are written once, as data, in the pure
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
from staff.models import Complexity, weight_column

from . import engine

_SQL_OPERATORS = {"=": "=", "<": "<", "<=": "<="}
_LOOKUPS = {"=": "", "<": "__lt", "<=": "__lte"}

# The engine's names for the caseworker's columns, where the table's differ. "weight" is
# not one column: it is the column of the case's complexity (`column`).
_COLUMNS = {"load": "load_hundredths"}


def column(name: str, complexity: str = Complexity.COMPLEX) -> str:
    """The caseworker table's column for the engine's field `name`."""
    if name == "weight":
        return weight_column(complexity)
    return _COLUMNS.get(name, name)


def as_candidate(caseworker, complexity: str = Complexity.COMPLEX) -> engine.Candidate:
    """A caseworker row (model instance) as the engine's candidate for a case of `complexity`."""
    return engine.Candidate(
        id=caseworker.pk,
        cap=caseworker.cap,
        open_cases=caseworker.open_cases,
        status=caseworker.status,
        accepting_new_cases=caseworker.accepting_new_cases,
        load=caseworker.load_hundredths,
        weight=caseworker.weight_of(complexity),
    )


def takes_a_case_q(prefix: str = "", complexity: str = Complexity.COMPLEX) -> Q:
    """`engine.TAKES_A_CASE` for a case of `complexity`, as a filter on caseworkers (or on
    `prefix` + a caseworker relation). `a + b <= c` is written `a <= c - b`: one lookup."""
    condition = Q()
    for rule in engine.TAKES_A_CASE:
        field, operand = rule.field, _q_operand(rule.operand, prefix, complexity)
        if isinstance(field, engine.Plus):
            operand = operand - F(prefix + column(field.right, complexity))
            field = field.left
        condition &= Q(**{f"{prefix}{column(field, complexity)}{_LOOKUPS[rule.op]}": operand})
    return condition


def takes_a_case_sql(alias: str, *, complexity: str | None = None, complexity_param: str | None = None) -> str:
    """`engine.TAKES_A_CASE` as a SQL condition on the caseworker table aliased `alias`, for a
    case of `complexity` or of the complexity the statement's placeholder `complexity_param`
    holds (one statement for every complexity, prepared once).

    The operands are the engine's own constants, never input, so they are written in as
    literals; that keeps the fragment usable in statements of either parameter style.
    """
    if complexity_param is not None:
        weight = weight_sql(alias, complexity_param)
    else:
        weight = f"{alias}.{column('weight', complexity or Complexity.COMPLEX)}"
    return " AND ".join(
        f"{_sql_term(_as_field(rule.field), alias, weight)} {_SQL_OPERATORS[rule.op]} "
        f"{_sql_term(rule.operand, alias, weight)}"
        for rule in engine.TAKES_A_CASE
    )


def weight_sql(alias: str, complexity_param: str) -> str:
    """What a case of the complexity in `complexity_param` weighs for the caseworker `alias`."""
    whens = " ".join(
        f"WHEN '{value}' THEN {alias}.{weight_column(value)}"
        for value in Complexity.values
        if value != Complexity.COMPLEX
    )
    return f"(CASE {complexity_param} {whens} ELSE {alias}.{weight_column(Complexity.COMPLEX)} END)"


def ranking_sql(alias: str) -> str:
    """`engine.RANKING` as an ORDER BY list. The float ratio orders exactly like the engine's
    fractions for the rows it ranks (eligible: load within cap) with any cap below 10**6: two
    ratios a/b ≠ c/d differ by at least 1/(b·d), far more than a double's error at ≤ 100."""
    return ", ".join(_sql_rank_part(part, alias) for part in engine.RANKING)


def ranking_order_by() -> list:
    """`engine.RANKING` as `order_by` arguments for a caseworker queryset (float ratio, as in SQL)."""
    parts = []
    for part in engine.RANKING:
        if isinstance(part, tuple):
            numerator, denominator = part
            parts.append(Cast(column(numerator), FloatField()) / (F(column(denominator.name)) * denominator.factor))
        else:
            parts.append(F(column(part)).asc())
    return parts


def _q_operand(operand, prefix: str, complexity: str):
    if isinstance(operand, engine.Column):
        return F(prefix + column(operand.name, complexity))
    if isinstance(operand, engine.Scaled):
        return F(prefix + column(operand.name, complexity)) * operand.factor
    return operand


def _as_field(field):
    """A condition's left side: a field name means the column (on the right, a constant)."""
    return engine.Column(field) if isinstance(field, str) else field


def _sql_term(term, alias: str, weight: str) -> str:
    def name(field: str) -> str:
        return weight if field == "weight" else f"{alias}.{column(field)}"

    if isinstance(term, engine.Column):
        return name(term.name)
    if isinstance(term, engine.Plus):
        return f"({name(term.left)} + {name(term.right)})"
    if isinstance(term, engine.Scaled):
        return f"({name(term.name)} * {int(term.factor)})"
    if isinstance(term, bool):
        return "TRUE" if term else "FALSE"
    if isinstance(term, int):
        return str(term)
    return "'" + str(term).replace("'", "''") + "'"


def _sql_rank_part(part, alias: str) -> str:
    if isinstance(part, tuple):
        numerator, denominator = part
        return f"CAST({alias}.{column(numerator)} AS DOUBLE PRECISION) / {_sql_term(denominator, alias, '')}"
    return f"{alias}.{column(part)}"


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
