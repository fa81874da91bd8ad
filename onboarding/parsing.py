"""Reading one cell of an import row into the value the services take, or a refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date

from cases import cpr as cpr_rules

from .reasons import RowOutcome

TRUE_WORDS = {"1", "yes", "ja", "true", "x", "sand"}


class Refused(Exception):
    """The cell refused the row; the outcome carries the reason."""


def rows_by_citizen_parsed(rows: list[tuple[int, dict]], parse) -> tuple[list[RowOutcome], list]:
    """Each numbered row's outcome (its subject the masked CPR number), and what `parse(row,
    outcome)` made of the rows it did not refuse."""
    outcomes, parsed = [], []
    for number, row in rows:
        outcome = RowOutcome(row=number, subject=cpr_rules.mask(row.get("cpr", "")))
        outcomes.append(outcome)
        try:
            parsed.append(parse(row, outcome))
        except Refused:
            pass
    return outcomes, parsed


def required(row: dict, column: str, outcome: RowOutcome) -> str:
    value = row.get(column, "")
    if not value:
        outcome.refuse("required", column=column)
        raise Refused()
    return value


def choice(value: str, choices, column: str, outcome: RowOutcome) -> str:
    lowered = value.strip().lower()
    if lowered in choices.values:
        return lowered
    outcome.refuse("bad_choice", value=value, column=column, choices=", ".join(choices.values))
    raise Refused()


def cpr(value: str, outcome: RowOutcome) -> cpr_rules.Cpr:
    try:
        return cpr_rules.parse(value)
    except ValidationError as error:
        outcome.refuse(f"cpr_{error.code}")
        raise Refused() from None


def fte(value: str, outcome: RowOutcome) -> Decimal:
    try:
        number = Decimal((value or "1").replace(",", "."))
    except InvalidOperation:
        number = Decimal(0)
    if not Decimal(0) < number <= Decimal(1) or number != number.quantize(Decimal("0.01")):
        outcome.refuse("bad_fte")
        raise Refused()
    return number.quantize(Decimal("0.01"))


def email(value: str, outcome: RowOutcome) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            outcome.refuse("bad_email")
            raise Refused() from None
    return value


def day(value: str, outcome: RowOutcome) -> datetime.date:
    try:
        parsed = parse_date(value[:10]) if value else None
    except ValueError:
        parsed = None
    if parsed is None:
        outcome.refuse("bad_date", value=value)
        raise Refused()
    if parsed > timezone.localdate():
        outcome.refuse("future_date", value=value)
        raise Refused()
    return parsed


def start_of(day_: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day_, datetime.time(8, 0)))


def start_of_day(day_: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day_, datetime.time.min))


def yes(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS
