from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.db import violated_constraint
from staff.models import Jobcenter

from . import cpr as cpr_rules
from .access_log import citizen_access_record
from .errors import CitizenExists, CprNotRegistrable, CprUnchanged
from .models import AccessAction, Case, Citizen, CprChange
from .selectors import citizen_cpr_q

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
        # A former number is still that person's: a CPR number is never given to another.
        if CprChange.objects.filter(old_digest=citizen.cpr_digest).exists():
            raise CitizenExists()
        _save(citizen)
    except CitizenExists:
        holder = (Citizen.objects.all() if visible is None else visible).filter(
            citizen_cpr_q(digest=citizen.cpr_digest)
        )
        holder_id = holder.values_list("pk", flat=True).first()
        if holder_id is None:
            raise CprNotRegistrable() from None
        raise CitizenExists(
            _("A citizen with this CPR number is already registered: citizen %(citizen)s."), citizen=holder_id
        ) from None
    return citizen


def citizen_update(*, citizen: Citizen, name: str | None = None) -> Citizen:
    """The citizen's details; a changed CPR number is `citizen_cpr_change`, which keeps the old."""
    if name is not None:
        citizen.name = name
    citizen.full_clean(exclude=["cpr_digest"], validate_unique=False)
    _save(citizen)
    return citizen


CPR_CHANGE_REASON_MAX_LENGTH = CprChange._meta.get_field("reason").max_length


def cpr_change_reason_clean(reason: str) -> str:
    """The reason as it is kept: required, and with anything shaped like a CPR number masked,
    because the reason is stored in clear and the numbers are kept only encrypted."""
    kept = cpr_rules.mask_text(" ".join((reason or "").split()))
    if not kept:
        raise ValidationError({"reason": [_("Say why the CPR number is changed.")]}, code="required")
    if len(kept) > CPR_CHANGE_REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": [_("At most %(max)d characters.") % {"max": CPR_CHANGE_REASON_MAX_LENGTH}]}, code="max_length"
        )
    return kept


def citizen_cpr_holder(*, cpr: str, other_than: Citizen | None = None) -> Citizen | None:
    """Who holds or held this number, other than `other_than`: a number is one person's."""
    holders = Citizen.objects.filter(citizen_cpr_q(digest=cpr_rules.digest(cpr_rules.parse(cpr).number)))
    if other_than is not None:
        holders = holders.exclude(pk=other_than.pk)
    return holders.order_by("pk").first()


@transaction.atomic
def citizen_cpr_change(*, citizen: Citizen, new_cpr: str, reason: str, by, route: str = "") -> CprChange:
    """Rectify a citizen's CPR number (identity misuse, a change of legal gender). The row, its
    id and everything that points at it stay; the digest and the birth date follow the new
    number; the old one is kept encrypted in `CprChange`, with who, when and why, so that a
    look-up by it still finds the citizen. The change is itself in the access log."""
    reason = cpr_change_reason_clean(reason)
    parsed = cpr_rules.parse(new_cpr)
    locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
    if parsed.number == locked.cpr:
        raise CprUnchanged()
    holder = citizen_cpr_holder(cpr=parsed.number, other_than=locked)
    if holder is not None:
        raise CitizenExists(
            _("A citizen with this CPR number is already registered: citizen %(citizen)s."), citizen=holder.pk
        )
    change = CprChange.objects.create(
        citizen=locked, old_cpr=locked.cpr, old_digest=locked.cpr_digest, reason=reason, changed_by=by
    )
    locked.cpr, locked.birth_date = parsed.number, parsed.birth_date
    locked.cpr_digest = cpr_rules.digest(parsed.number)
    locked.full_clean(exclude=["cpr_digest"], validate_unique=False)
    _save(locked)
    citizen_access_record(
        user=by, citizen_ids=[locked.pk], action=AccessAction.CPR_CHANGE, route=route or "cpr-change", purpose=reason
    )
    citizen.cpr, citizen.birth_date, citizen.cpr_digest = locked.cpr, locked.birth_date, locked.cpr_digest
    citizen.updated_at = locked.updated_at
    return change


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


def cases_citizen_unlink(*, case_ids, now) -> int:
    """These closed cases become anonymous statistical rows (retention): no citizen, and when
    that happened. Inside the caller's transaction; how many cases."""
    return Case.objects.filter(pk__in=case_ids).update(citizen=None, anonymised_at=now)
