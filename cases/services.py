from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from staff.models import Jobcenter

from . import cpr as cpr_rules
from .models import Citizen


class CitizenExists(Exception):
    """A citizen with this CPR number is already registered."""


def citizen_create(*, cpr: str, name: str, jobcenter: Jobcenter) -> Citizen:
    parsed = cpr_rules.parse(cpr)
    citizen = Citizen(
        jobcenter=jobcenter,
        name=name,
        cpr=parsed.number,
        cpr_digest=cpr_rules.digest(parsed.number),
        birth_date=parsed.birth_date,
    )
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError:
        raise CitizenExists() from None
    return citizen


def citizen_update(*, citizen: Citizen, name: str | None = None, cpr: str | None = None) -> Citizen:
    """A CPR number can change (DOMAIN.md): the row, its id and its cases stay."""
    if name is not None:
        citizen.name = name
    if cpr is not None:
        parsed = cpr_rules.parse(cpr)
        citizen.cpr, citizen.birth_date = parsed.number, parsed.birth_date
        citizen.cpr_digest = cpr_rules.digest(parsed.number)
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError:
        raise CitizenExists() from None
    return citizen


def citizen_find_by_cpr(*, cpr: str) -> Citizen | None:
    try:
        number = cpr_rules.parse(cpr).number
    except ValidationError:
        return None
    return Citizen.objects.filter(cpr_digest=cpr_rules.digest(number)).first()
