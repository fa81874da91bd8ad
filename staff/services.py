"""Writes to jobcenters, teams, caseworkers and caseload policies.

These know nothing of cases or the queue; `allocation.services` wraps the ones that can
create capacity so that the queue drains (imports point allocation → cases → staff).
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import InvalidStaffInput, NotEditable, StillInUse, TeamKeepsItsPool
from .models import (
    DEFAULT_POLICY_CAPS,
    CaseloadPolicy,
    Caseworker,
    Complexity,
    Jobcenter,
    Role,
    Team,
    hundredths,
    weight_column,
)
from .selectors import is_new_hire, policy_for

User = get_user_model()

CASEWORKER_EDITABLE_FIELDS = frozenset(
    {
        "team",
        "role",
        "fte",
        "cap_override",
        "status",
        "accepting_new_cases",
        "full_name",
        "email",
        "started_on",
        "external_id",
    }
)
WEIGHT_COLUMNS = tuple(weight_column(complexity) for complexity in Complexity.values)
WEIGHT_FIELDS = {complexity: f"weight_{complexity}" for complexity in Complexity.values}


def effective_cap(
    *, policy_cap: int, fte: Decimal, cap_override: int | None, new_hire_share: Decimal | None = None
) -> int:
    """`cap_override`, else floor(policy cap × FTE [× the new colleague's share]) in exact
    decimal arithmetic (0.29 × 100 = 29; 45 × 0.5 = 22)."""
    if cap_override is not None:
        return cap_override
    share = Decimal(str(new_hire_share)) if new_hire_share is not None else Decimal(1)
    return math.floor(Decimal(policy_cap) * Decimal(str(fte)) * share)


def policy_cap_for(role: str) -> int:
    return policy_for(role).cap


def cap_under(*, policy: CaseloadPolicy, caseworker: Caseworker, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    new = is_new_hire(started_on=caseworker.started_on, policy=policy, today=today)
    return effective_cap(
        policy_cap=policy.cap,
        fte=caseworker.fte,
        cap_override=caseworker.cap_override,
        new_hire_share=policy.new_hire_share if new else None,
    )


def copy_weights(*, policy: CaseloadPolicy, caseworker: Caseworker) -> None:
    """The policy's weights onto the caseworker row, where the allocation statements read them."""
    for complexity, name in WEIGHT_FIELDS.items():
        setattr(caseworker, weight_column(complexity), hundredths(getattr(policy, name)))


def caseworker_refresh_cap(*, caseworker: Caseworker, today: datetime.date | None = None) -> int:
    """The effective cap and the weights of the caseworker's role, set on the object."""
    policy = policy_for(caseworker.role)
    caseworker.cap = cap_under(policy=policy, caseworker=caseworker, today=today)
    copy_weights(policy=policy, caseworker=caseworker)
    return caseworker.cap


def login_validate(*, username: str, password: str | None, email: str = "", full_name: str = "") -> None:
    """The rules of a new login, for every interface alike: a valid username that no other
    login has in any letter case ("anna" beside "Anna" would be two people to a leader but
    one to the identity provider), and a password the password validators accept."""
    errors: dict[str, list] = {}
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        errors["username"] = error.messages
    if not username or len(username) > 150:
        errors.setdefault("username", []).append(_("A username has 1 to 150 characters."))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("A login with this username already exists."))
    if password:
        first, _space, last = full_name.partition(" ")
        user = User(username=username, email=email or "", first_name=first[:150], last_name=last[:150])
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def caseworker_create(
    *,
    username: str,
    full_name: str,
    team: Team,
    role: str | None = None,
    fte: Decimal = Decimal("1.00"),
    cap_override: int | None = None,
    email: str = "",
    password: str | None = None,
    started_on: datetime.date | None = None,
    external_id: str | None = None,
) -> Caseworker:
    login_validate(username=username, password=password, email=email, full_name=full_name)
    user = User(username=username, email=email or "")
    name_parts = full_name.split(" ", 1)
    user.first_name = name_parts[0][:150]
    user.last_name = name_parts[1][:150] if len(name_parts) > 1 else ""
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    caseworker = Caseworker(
        user=user,
        full_name=full_name,
        team=team,
        role=role or team.unit_type,
        fte=Decimal(str(fte)),
        cap_override=cap_override,
        started_on=started_on or timezone.localdate(),
        external_id=external_id or None,
    )
    caseworker_refresh_cap(caseworker=caseworker)
    caseworker.full_clean(exclude=["user"])
    caseworker.save()
    return caseworker


@transaction.atomic
def caseworker_update(*, caseworker: Caseworker, **changes) -> Caseworker:
    """Apply changes under a row lock and recompute the effective cap."""
    _refuse_unknown(changes, CASEWORKER_EDITABLE_FIELDS)
    # FOR NO KEY UPDATE, as allocation locks caseworker rows (allocation/locking.py): it does
    # not block the foreign-key checks of a case being assigned to this caseworker.
    locked = Caseworker.objects.select_for_update(no_key=True).select_related("user").get(pk=caseworker.pk)
    email = changes.pop("email", None)
    for name, value in changes.items():
        setattr(locked, name, value)
    if "fte" in changes:
        locked.fte = Decimal(str(locked.fte))
    caseworker_refresh_cap(caseworker=locked)
    # open_cases and load_hundredths are the counters that only allocation moves; never
    # write them from here. A new role brings new weights: allocation then weighs the
    # caseworker's cases again (allocation.services.caseworker_update).
    locked.save(update_fields=[*changes.keys(), "cap", *WEIGHT_COLUMNS, "updated_at"])
    if email is not None and locked.user.email != email:
        locked.user.email = email
        locked.user.save(update_fields=["email"])
    return locked


def caseworker_email_choices_set(
    *, caseworker: Caseworker, notify_new_cases: bool, meeting_reminders: bool
) -> Caseworker:
    """The caseworker's own e-mail choices: whether to be told of new cases, and reminded of
    meetings. They move no capacity, so they are not among the fields a leader or admin edits."""
    Caseworker.objects.filter(pk=caseworker.pk).update(
        notify_new_cases=notify_new_cases, meeting_reminders=meeting_reminders, updated_at=timezone.now()
    )
    caseworker.notify_new_cases, caseworker.meeting_reminders = notify_new_cases, meeting_reminders
    return caseworker


def policy_set_cap(*, role: str, cap: int) -> CaseloadPolicy:
    """Change a policy's cap and every affected caseworker's effective cap in one transaction."""
    return policy_update(role=role, cap=cap)


@transaction.atomic
def policy_update(
    *,
    role: str,
    cap: int | None = None,
    weights: dict[str, Decimal] | None = None,
    new_hire_months: int | None = None,
    new_hire_share: Decimal | None = None,
) -> CaseloadPolicy:
    """Change a policy (cap, weights by complexity, the new-colleague reduction) and, in the
    same transaction, every caseworker of the role: the effective cap and the weights copied
    onto the row. Weighing their cases again is allocation's (it owns the load)."""
    changes = _policy_changes(cap=cap, weights=weights, new_hire_months=new_hire_months, new_hire_share=new_hire_share)
    policy = CaseloadPolicy.objects.select_for_update().filter(role=role).first()
    if policy is None:
        policy = CaseloadPolicy(role=role, cap=DEFAULT_POLICY_CAPS[Role(role)])
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    # Caseworker rows in primary-key order, FOR NO KEY UPDATE: allocation's lock order.
    affected = list(
        Caseworker.objects.select_for_update(no_key=True)
        .filter(role=role)
        .order_by("pk")
        .only("id", "fte", "cap", "cap_override", "role", "started_on", *WEIGHT_COLUMNS)
    )
    today = timezone.localdate()
    for caseworker in affected:
        caseworker.cap = cap_under(policy=policy, caseworker=caseworker, today=today)
        copy_weights(policy=policy, caseworker=caseworker)
    Caseworker.objects.bulk_update(affected, ["cap", *WEIGHT_COLUMNS], batch_size=500)
    return policy


def _policy_changes(*, cap, weights, new_hire_months, new_hire_share) -> dict:
    changes: dict = {}
    if cap is not None:
        if cap < 0:
            raise InvalidStaffInput("cap", _("A cap cannot be negative."))
        changes["cap"] = cap
    for complexity, weight in (weights or {}).items():
        if complexity not in WEIGHT_FIELDS:
            raise InvalidStaffInput("weights", _("Unknown complexity: %(name)s.") % {"name": complexity})
        weight = _decimal(weight)
        if weight is None or not (0 < weight <= 5) or weight != weight.quantize(Decimal("0.01")):
            raise InvalidStaffInput(
                "weights", _("A weight is a number above 0 and at most 5, with at most two decimals.")
            )
        changes[WEIGHT_FIELDS[complexity]] = weight
    if new_hire_months is not None:
        if not (0 <= new_hire_months <= 60):
            raise InvalidStaffInput("new_hire_months", _("Between 0 and 60 months."))
        changes["new_hire_months"] = new_hire_months
    if new_hire_share is not None:
        share = _decimal(new_hire_share)
        if share is None or not (0 < share <= 1) or share != share.quantize(Decimal("0.01")):
            raise InvalidStaffInput("new_hire_share", _("A share above 0 and at most 1, with at most two decimals."))
        changes["new_hire_share"] = share
    return changes


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def caseworkers_refresh_caps(*, today: datetime.date | None = None) -> list[int]:
    """Every caseworker whose effective cap today differs from the stored one (a new
    colleague's period ended, or began on a date set ahead) gets it; their ids, raised or
    lowered. The daily job; allocation then drains the queue for those who gained room."""
    today = today or timezone.localdate()
    policies = {policy.role: policy for policy in CaseloadPolicy.objects.all()}
    changed: list[int] = []
    with transaction.atomic():
        rows = (
            Caseworker.objects.select_for_update(no_key=True)
            .order_by("pk")
            .only("id", "fte", "cap", "cap_override", "role", "started_on")
        )
        stale = []
        for caseworker in rows:
            policy = policies.get(caseworker.role) or CaseloadPolicy(
                role=caseworker.role, cap=DEFAULT_POLICY_CAPS[Role(caseworker.role)]
            )
            cap = cap_under(policy=policy, caseworker=caseworker, today=today)
            if cap != caseworker.cap:
                caseworker.cap = cap
                stale.append(caseworker)
                changed.append(caseworker.pk)
        Caseworker.objects.bulk_update(stale, ["cap"], batch_size=500)
    return changed


def team_delete(*, team: Team) -> None:
    if team.caseworkers.exists():
        raise StillInUse(_("The team still has caseworkers; move them first."))
    team.delete()


def caseworker_delete(*, caseworker: Caseworker) -> None:
    try:
        with transaction.atomic():
            user = caseworker.user
            caseworker.delete()
            user.delete()
    except ProtectedError:
        raise StillInUse(_("The caseworker has held cases; set them on leave or move them instead.")) from None


# --- Jobcenters and teams (admin writes through the API and Django admin) -----------------


def jobcenter_create(*, name: str, municipality_code: str) -> Jobcenter:
    return Jobcenter.objects.create(name=name, municipality_code=municipality_code)


def jobcenter_update(*, jobcenter: Jobcenter, **changes) -> Jobcenter:
    _refuse_unknown(changes, {"name", "municipality_code"})
    for name, value in changes.items():
        setattr(jobcenter, name, value)
    jobcenter.full_clean()
    jobcenter.save(update_fields=[*changes.keys(), "updated_at"])
    return jobcenter


def jobcenter_delete(*, jobcenter: Jobcenter) -> None:
    try:
        with transaction.atomic():
            jobcenter.delete()
    except ProtectedError:
        raise StillInUse(_("The jobcenter still has teams, citizens or cases.")) from None


@transaction.atomic
def team_create(*, jobcenter: Jobcenter, name: str, unit_type: str, leaders=()) -> Team:
    team = Team.objects.create(jobcenter=jobcenter, name=name, unit_type=unit_type)
    if leaders:
        team.leaders.set(leaders)
    return team


@transaction.atomic
def team_update(*, team: Team, **changes) -> Team:
    """Rename, change leaders; the unit type and jobcenter only while the team is empty.

    A team's unit type and jobcenter decide which cases its caseworkers may hold: changing
    them under caseworkers with open cases would leave those cases in the wrong pool.
    """
    _refuse_unknown(changes, {"name", "unit_type", "jobcenter", "leaders"})
    leaders = changes.pop("leaders", None)
    locked = Team.objects.select_for_update().get(pk=team.pk)
    moves_pool = ("unit_type" in changes and changes["unit_type"] != locked.unit_type) or (
        "jobcenter" in changes and _pk(changes["jobcenter"]) != locked.jobcenter_id
    )
    if moves_pool and locked.caseworkers.exists():
        raise TeamKeepsItsPool()
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes.keys(), "updated_at"])
    if leaders is not None:
        locked.leaders.set(leaders)
    return locked


def _refuse_unknown(changes: dict, editable) -> None:
    unknown = set(changes) - set(editable)
    if unknown:
        raise NotEditable(fields=", ".join(sorted(unknown)))


def _pk(value):
    return getattr(value, "pk", value)
