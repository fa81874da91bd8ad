from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.db import violated_constraint
from staff.models import Jobcenter

from . import cpr as cpr_rules
from .errors import CitizenExists, CprNotRegistrable
from .models import Citizen

# The unique field the digest's constraint guards, as core.db names it.
_CPR_UNIQUE = f"{Citizen._meta.db_table}.cpr_digest"


def citizen_create(*, cpr: str, name: str, jobcenter: Jobcenter, visible: QuerySet[Citizen] | None = None) -> Citizen:
    """Register a citizen. A number registered already tells the caller who that citizen is
    only if `visible` (the citizens the caller may see; None: every citizen) holds them, and
    otherwise nothing at all (`CprNotRegistrable`): not whether, nor where, they exist."""
    parsed = cpr_rules.parse(cpr)
    citizen = Citizen(
        jobcenter=jobcenter,
        name=name,
        cpr=parsed.number,
        cpr_digest=cpr_rules.digest(parsed.number),
        birth_date=parsed.birth_date,
    )
    citizen.full_clean(exclude=["cpr_digest"], validate_unique=False)
    try:
        _save(citizen)
    except CitizenExists:
        holder = (Citizen.objects.all() if visible is None else visible).filter(cpr_digest=citizen.cpr_digest)
        holder_id = holder.values_list("pk", flat=True).first()
        if holder_id is None:
            raise CprNotRegistrable() from None
        raise CitizenExists(
            _("A citizen with this CPR number is already registered: citizen %(citizen)s."), citizen=holder_id
        ) from None
    return citizen


def citizen_update(*, citizen: Citizen, name: str | None = None, cpr: str | None = None) -> Citizen:
    """A CPR number can change (DOMAIN.md): the row, its id and its cases stay."""
    if name is not None:
        citizen.name = name
    if cpr is not None:
        parsed = cpr_rules.parse(cpr)
        citizen.cpr, citizen.birth_date = parsed.number, parsed.birth_date
        citizen.cpr_digest = cpr_rules.digest(parsed.number)
    citizen.full_clean(exclude=["cpr_digest"], validate_unique=False)
    _save(citizen)
    return citizen


def _save(citizen: Citizen) -> None:
    """Save; a CPR number registered already is `CitizenExists`, recognised by its constraint."""
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError as error:
        if violated_constraint(error) == _CPR_UNIQUE:
            raise CitizenExists() from None
        raise


def citizen_find_by_cpr(*, cpr: str) -> Citizen | None:
    try:
        number = cpr_rules.parse(cpr).number
    except ValidationError:
        return None
    return Citizen.objects.filter(cpr_digest=cpr_rules.digest(number)).first()
