"""Demo data: a Copenhagen-like jobcenter (docs/domain.md), built idempotently.

`seed_demo()` builds "Jobcenter København" once: teams of every unit type, leaders,
full- and part-time caseworkers, citizens with valid synthetic CPR numbers, and cases
spread through the allocation rules, with a few caseworkers over their caps and a few
cases queued so that the leader pages and alerts have something to show. Scale 1 runs
every case through the services; from `BULK_FROM_SCALE` on, the same demand is decided
in memory and written with `bulk_create` (about 20 scale ≈ Copenhagen's 44,000 citizens).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from time import perf_counter

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from allocation import services
from cases.models import Case, Citizen
from casework.models import JournalEntry, Meeting, MeetingStatus
from casework.selectors import overdue_cases
from staff.models import Caseworker, CaseworkerStatus, Jobcenter, Team

from .bulk import run_in_bulk
from .casework import casework_seed, demo_day_ensure
from .intake import case_specs, run_with_services
from .structure import (
    DEMO_ADMIN,
    DEMO_CASEWORKER,
    DEMO_LEADER,
    DEMO_TEAM,
    MUNICIPALITY_CODE,
    PUSHED_OVER_CAP,
    Staff,
    jobcenter_get_or_create,
    staff_create,
)

User = get_user_model()

BULK_FROM_SCALE = 5
DEMO_PASSWORD = "demo1234"  # noqa: S105  (demo logins only: DEBUG or --force, printed on purpose)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str  # what to type, or a note that it was changed
    note: str = ""


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    seconds: float = 0.0
    booked_today: int = 0  # meetings booked today for the demo caseworker


def seed_demo(
    *, scale: int = 1, seed: int = 2018, logins: bool = False, progress: bool = False, bulk: bool | None = None
) -> SeedResult:
    """Build the demo jobcenter unless it exists; with `logins`, make sure the demo logins do."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    started = perf_counter()
    # One transaction: a seed that fails halfway leaves nothing behind, so the next run
    # starts clean instead of finding half a jobcenter and calling it seeded. On SQLite
    # it also saves a disk sync per case.
    with transaction.atomic():
        jobcenter, _ = jobcenter_get_or_create()
        created = not jobcenter.teams.exists()
        if created:
            _build(
                jobcenter=jobcenter,
                rng=random.Random(seed),
                scale=scale,
                progress=progress,
                bulk=scale >= BULK_FROM_SCALE if bulk is None else bulk,
            )
        demo_logins = demo_logins_ensure() if logins else []
        # The demo caseworker's day has meetings, on the day of seeding and on any later one.
        booked_today = demo_day_ensure() if created or logins else 0
    return SeedResult(
        created=created,
        counts=demo_counts(jobcenter),
        logins=demo_logins,
        seconds=perf_counter() - started,
        booked_today=booked_today,
    )


def _build(*, jobcenter: Jobcenter, rng: random.Random, scale: int, progress: bool, bulk: bool) -> None:
    now = timezone.now()
    staff = staff_create(jobcenter=jobcenter, rng=rng, scale=scale, bulk=bulk)
    taken = set(Citizen.objects.values_list("cpr_digest", flat=True))
    specs = case_specs(rng=rng, staff=staff, today=timezone.localdate(), taken_digests=taken)
    run = run_in_bulk if bulk else run_with_services
    run(jobcenter=jobcenter, staff=staff, specs=specs, rng=rng, now=now, progress=progress)
    push_over_cap(staff)
    # After the caps moved: a caseworker over cap, or on leave, falls behind on contact.
    casework_seed(cases=Case.objects.filter(jobcenter=jobcenter), rng=rng, now=now)


def push_over_cap(staff: Staff) -> None:
    """Lower a few caps below the caseload, as a policy change would, so alerts have work."""
    for team_name, excess in PUSHED_OVER_CAP:
        team = staff.teams.get(team_name)
        if team is None:
            continue
        caseworker = (
            Caseworker.objects.filter(team=team, status=CaseworkerStatus.ACTIVE)
            .exclude(user__username=DEMO_CASEWORKER)
            .order_by("-open_cases", "pk")
            .first()
        )
        if caseworker and caseworker.open_cases > excess:
            services.caseworker_update(caseworker=caseworker, cap_override=caseworker.open_cases - excess)


def demo_counts(jobcenter: Jobcenter) -> dict[str, int]:
    cases = Case.objects.filter(jobcenter=jobcenter).aggregate(
        open=Count("pk", filter=Q(status="open")),
        queued=Count("pk", filter=Q(status="queued")),
        closed=Count("pk", filter=Q(status="closed")),
    )
    caseworkers = Caseworker.objects.filter(team__jobcenter=jobcenter)
    meetings = Meeting.objects.filter(case__jobcenter=jobcenter).aggregate(
        meetings=Count("pk"), planned=Count("pk", filter=Q(status=MeetingStatus.PLANNED))
    )
    return {
        "teams": jobcenter.teams.count(),
        "caseworkers": caseworkers.count(),
        "citizens": jobcenter.citizens.count(),
        **cases,
        "over_cap": caseworkers.filter(open_cases__gt=F("cap")).count(),
        "at_cap": caseworkers.filter(open_cases=F("cap")).count(),
        "on_leave": caseworkers.filter(status=CaseworkerStatus.ON_LEAVE).count(),
        **meetings,
        "journal_entries": JournalEntry.objects.filter(case__jobcenter=jobcenter).count(),
        "contacts_overdue": overdue_cases(Case.objects.filter(jobcenter=jobcenter)).count(),
    }


def demo_logins_ensure() -> list[DemoLogin]:
    """The administrator, the demo team's leader and one of its caseworkers.

    A password is set only on a login that has none yet, so re-seeding never undoes a
    password somebody chose; the table then says so instead of printing a wrong one.
    """
    team = Team.objects.filter(jobcenter__municipality_code=MUNICIPALITY_CODE, name=DEMO_TEAM).first()
    admin, _ = User.objects.get_or_create(username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True})
    _set_password_if_unset(admin)
    leader, _ = User.objects.get_or_create(username=DEMO_LEADER, defaults={"first_name": "Teamleder"})
    _set_password_if_unset(leader)
    if team is not None:
        team.leaders.add(leader)
    caseworker = User.objects.filter(username=DEMO_CASEWORKER, caseworker__isnull=False).first()
    if caseworker is None and team is not None:
        caseworker = services.caseworker_create(
            username=DEMO_CASEWORKER, full_name="Demo Sagsbehandler", team=team
        ).user
    logins = [DemoLogin("administrator", admin.username, _shown_password(admin), "Django admin at /admin/")]
    logins.append(DemoLogin("team leader", leader.username, _shown_password(leader), f"leads {DEMO_TEAM}"))
    if caseworker is not None:
        caseworker.refresh_from_db()
        _set_password_if_unset(caseworker)
        logins.append(DemoLogin("caseworker", caseworker.username, _shown_password(caseworker), f"in {DEMO_TEAM}"))
    return logins


def demo_logins_status() -> list[DemoLogin]:
    """The demo logins that exist, without changing anything."""
    users = {u.username: u for u in User.objects.filter(username__in=[DEMO_ADMIN, DEMO_LEADER, DEMO_CASEWORKER])}
    roles = [(DEMO_ADMIN, "administrator"), (DEMO_LEADER, "team leader"), (DEMO_CASEWORKER, "caseworker")]
    return [DemoLogin(role, name, _shown_password(users[name])) for name, role in roles if name in users]


def _set_password_if_unset(user) -> None:
    if not user.has_usable_password() or not user.password:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])


def _shown_password(user) -> str:
    return DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "(changed since seeding)"
