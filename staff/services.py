"""Writes to jobcenters, teams, caseworkers and caseload policies.

These know nothing of cases or the queue; `allocation.services` wraps the ones that can
create capacity so that the queue drains (imports point allocation → cases → staff).
"""

from __future__ import annotations

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
from .models import DEFAULT_POLICY_CAPS, CaseloadPolicy, Caseworker, Jobcenter, Role, Team

User = get_user_model()

CASEWORKER_EDITABLE_FIELDS = frozenset(
    {"team", "role", "fte", "cap_override", "status", "accepting_new_cases", "full_name", "email"}
)


def effective_cap(*, policy_cap: int, fte: Decimal, cap_override: int | None) -> int:
    """`cap_override`, else floor(policy cap × FTE) in exact decimal arithmetic (0.29 × 100 = 29)."""
    if cap_override is not None:
        return cap_override
    return math.floor(Decimal(policy_cap) * Decimal(str(fte)))


def policy_cap_for(role: str) -> int:
    policy = CaseloadPolicy.objects.filter(role=role).only("cap").first()
    return policy.cap if policy else DEFAULT_POLICY_CAPS[Role(role)]


def caseworker_refresh_cap(*, caseworker: Caseworker) -> int:
    caseworker.cap = effective_cap(
        policy_cap=policy_cap_for(caseworker.role), fte=caseworker.fte, cap_override=caseworker.cap_override
    )
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
    # open_cases is the counter that only allocation moves; never write it from here.
    locked.save(update_fields=[*changes.keys(), "cap", "updated_at"])
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


@transaction.atomic
def policy_set_cap(*, role: str, cap: int) -> CaseloadPolicy:
    """Change a policy and every affected caseworker's effective cap in one transaction."""
    if cap < 0:
        raise InvalidStaffInput("cap", _("A cap cannot be negative."))
    policy, _created = CaseloadPolicy.objects.select_for_update().get_or_create(role=role, defaults={"cap": cap})
    policy.cap = cap
    policy.save(update_fields=["cap", "updated_at"])
    # Caseworker rows in primary-key order, FOR NO KEY UPDATE: allocation's lock order.
    affected = list(
        Caseworker.objects.select_for_update(no_key=True)
        .filter(role=role, cap_override__isnull=True)
        .order_by("pk")
        .only("id", "fte", "cap", "cap_override", "role")
    )
    for caseworker in affected:
        caseworker.cap = effective_cap(policy_cap=cap, fte=caseworker.fte, cap_override=None)
    Caseworker.objects.bulk_update(affected, ["cap"], batch_size=500)
    return policy


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
