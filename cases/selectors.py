"""Reads of citizens by CPR number, the current one or a former one.

A CPR number can change (docs/citizens-rights.md): the old number stays with the citizen in
`CprChange`, encrypted, with its keyed digest. Whoever looks a citizen up by the old number
still finds them, with a notice that the number was changed, so that the rule "a full number
finds the citizen" has one home here and every interface (admin, pages, API) renders it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext

from . import cpr as cpr_rules
from .models import Citizen, CprChange


@dataclass(frozen=True)
class CprLookup:
    """Who a full CPR number finds; `changed_at` is set when it is a former number of theirs."""

    citizen: Citizen
    changed_at: datetime.datetime | None = None

    @property
    def notice(self) -> str:
        return cpr_change_notice(self.changed_at) if self.changed_at else ""


def cpr_digest_of(cpr: str) -> str | None:
    """The keyed digest of a full number, or None when `cpr` is not one."""
    try:
        return cpr_rules.digest(cpr_rules.parse(cpr).number)
    except ValidationError:
        return None


def citizen_cpr_q(*, digest: str, prefix: str = "") -> Q:
    """The citizens a digest finds, current number or former, as a filter on a citizen
    (`prefix=""`) or on a row that points at one (`prefix="citizen__"`)."""
    former = CprChange.objects.filter(old_digest=digest).values("citizen_id")
    return Q(**{f"{prefix}cpr_digest": digest}) | Q(**{f"{prefix}id__in": former})


def citizen_lookup_by_cpr(*, cpr: str, within: QuerySet[Citizen] | None = None) -> CprLookup | None:
    """The citizen a full number finds among `within` (None: everyone): the current holder
    first, else the citizen who had it, with when it was changed."""
    digest = cpr_digest_of(cpr)
    if digest is None:
        return None
    citizens = Citizen.objects.all() if within is None else within
    current = citizens.filter(cpr_digest=digest).first()
    if current is not None:
        return CprLookup(citizen=current)
    change = (
        CprChange.objects.filter(old_digest=digest, citizen__in=citizens.values("pk"))
        .select_related("citizen")
        .order_by("-changed_at", "-id")
        .first()
    )
    return CprLookup(citizen=change.citizen, changed_at=change.changed_at) if change else None


def cpr_former_change(*, cpr: str, citizen_ids) -> CprChange | None:
    """The latest change that made `cpr` a former number of one of these citizens (the ones a
    page shows: a notice must not tell about a citizen the page does not show)."""
    digest = cpr_digest_of(cpr)
    if digest is None:
        return None
    return (
        CprChange.objects.filter(old_digest=digest, citizen_id__in=list(citizen_ids))
        .exclude(citizen__cpr_digest=digest)
        .order_by("-changed_at", "-id")
        .first()
    )


def cpr_change_notice(changed_at: datetime.datetime) -> str:
    when = formats.date_format(timezone.localdate(changed_at), "DATE_FORMAT")
    return gettext("This CPR number was changed on %(date)s; the citizen's current number is shown.") % {"date": when}


def citizen_cpr_changes(*, citizen_id: int) -> QuerySet[CprChange]:
    """The citizen's CPR changes, oldest first."""
    return CprChange.objects.filter(citizen_id=citizen_id).select_related("changed_by").order_by("changed_at", "id")
