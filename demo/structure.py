"""The demo jobcenter's organisation: teams of every unit type, leaders, caseworkers.

One layout, written either through the services (small scales) or with `bulk_create`
(large scales); the effective cap comes from `staff.services.effective_cap` either way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from allocation import services
from staff import services as staff_services
from staff.models import Caseworker, Jobcenter, Role, Team, UnitType

from .synthetic import ascii_slug, person_name, username_for

User = get_user_model()

JOBCENTER_NAME = "Jobcenter København"
MUNICIPALITY_CODE = "101"
# Team name prefix and number of teams per unit type at scale 1.
TEAM_LAYOUT = [
    (UnitType.STANDARD, "Kontanthjælp", 4),
    (UnitType.FLERE_SKAL_MED, "Flere skal med", 4),
    (UnitType.PSYCHIATRIC, "Psykiatri", 2),
    (UnitType.TRIAL, "Forsøgsafdelingen Lærkevej", 2),
]
CASEWORKERS_PER_TEAM = 5
FTE_CHOICES = [Decimal("1.00"), Decimal("0.80"), Decimal("0.75"), Decimal("0.50"), Decimal("0.29")]
FTE_WEIGHTS = [60, 15, 8, 10, 7]

DEMO_TEAM = "Flere skal med 1"
DEMO_LEADER = "leder"
DEMO_CASEWORKER = "sagsbehandler"
DEMO_ADMIN = "admin"
# A new hire in the trial unit starts with a reduced caseload.
CAP_OVERRIDE_TEAM, CAP_OVERRIDE = "Forsøgsafdelingen Lærkevej 1", 20
# (team, position in team): changed between the two intake waves, so they hold cases.
GOES_ON_LEAVE = [("Flere skal med 1", 1), ("Kontanthjælp 2", 0)]
STOPS_TAKING_CASES = [("Kontanthjælp 1", 1)]
# After intake, one caseworker in each of these teams gets a cap below their caseload
# (policy changes can do that; it is what the alerts are for): (team, cases over cap).
PUSHED_OVER_CAP = [("Flere skal med 1", 3), ("Psykiatri 1", 2), ("Kontanthjælp 3", 4)]


@dataclass
class CaseworkerSpec:
    username: str
    full_name: str
    team_name: str
    role: str
    fte: Decimal
    cap_override: int | None = None


@dataclass
class Staff:
    teams: dict[str, Team] = field(default_factory=dict)
    caseworkers: dict[str, list[Caseworker]] = field(default_factory=dict)  # by team name, in order

    def pick(self, team_name: str, position: int) -> Caseworker | None:
        members = self.caseworkers.get(team_name, [])
        return members[position] if position < len(members) else None

    def pool(self, programme: str) -> list[Caseworker]:
        return [cw for name, team in self.teams.items() if team.unit_type == programme for cw in self.caseworkers[name]]


def team_names(scale: int) -> list[tuple[str, str]]:
    return [(f"{prefix} {i}", unit) for unit, prefix, count in TEAM_LAYOUT for i in range(1, count * scale + 1)]


def caseworker_specs(rng: random.Random, *, scale: int) -> list[CaseworkerSpec]:
    specs, n = [], 0
    for team_name, unit in team_names(scale):
        for position in range(CASEWORKERS_PER_TEAM):
            n += 1
            full_name = person_name(rng)
            role = unit
            # Standard units have a caseworker who is also a business consultant (cap 50).
            if unit == UnitType.STANDARD and position == CASEWORKERS_PER_TEAM - 1:
                role = Role.BUSINESS_CONSULTANT
            fte = rng.choices(FTE_CHOICES, weights=FTE_WEIGHTS)[0]
            spec = CaseworkerSpec(username_for(full_name, n), full_name, team_name, role, fte)
            if team_name == DEMO_TEAM and position == 0:
                spec.username, spec.fte = DEMO_CASEWORKER, Decimal("1.00")
            if team_name == CAP_OVERRIDE_TEAM and position == CASEWORKERS_PER_TEAM - 1:
                spec.fte, spec.cap_override = Decimal("1.00"), CAP_OVERRIDE
            specs.append(spec)
    return specs


def free_usernames(wanted: list[str]) -> list[str]:
    """The wanted usernames, with a suffix where a login of that name already exists."""
    taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    return [f"{name}.demo{i}" if name in taken else name for i, name in enumerate(wanted, 1)]


def jobcenter_get_or_create() -> tuple[Jobcenter, bool]:
    return Jobcenter.objects.get_or_create(municipality_code=MUNICIPALITY_CODE, defaults={"name": JOBCENTER_NAME})


def staff_create(*, jobcenter: Jobcenter, rng: random.Random, scale: int, bulk: bool) -> Staff:
    staff = Staff()
    names = team_names(scale)
    teams = [Team(jobcenter=jobcenter, name=name, unit_type=unit) for name, unit in names]
    for team in Team.objects.bulk_create(teams) if bulk else teams:
        if not bulk:
            team.save()
        staff.teams[team.name] = team
        staff.caseworkers[team.name] = []
    _leaders_create(staff=staff, rng=rng, bulk=bulk)
    specs = caseworker_specs(rng, scale=scale)
    for spec, free in zip(specs, free_usernames([s.username for s in specs]), strict=True):
        spec.username = free
    created = _caseworkers_bulk_create(specs=specs, staff=staff) if bulk else _caseworkers_create(specs, staff)
    for spec, caseworker in zip(specs, created, strict=True):
        staff.caseworkers[spec.team_name].append(caseworker)
    return staff


def _leaders_create(*, staff: Staff, rng: random.Random, bulk: bool) -> None:
    users = []
    for team_name in staff.teams:
        full_name = person_name(rng)
        username = DEMO_LEADER if team_name == DEMO_TEAM else f"leder.{ascii_slug(team_name)}"
        first, _, last = full_name.partition(" ")
        users.append(User(username=username, first_name=first, last_name=last, password=make_password(None)))
    for user, free in zip(users, free_usernames([u.username for u in users]), strict=True):
        user.username = free
        # Leaders need an address: alerts reach them by e-mail (the console in development).
        user.email = f"{free}@jobcenter.example.dk"
    if bulk:
        users = User.objects.bulk_create(users)
        links = [
            Team.leaders.through(team_id=team.pk, user_id=user.pk)
            for team, user in zip(staff.teams.values(), users, strict=True)
        ]
        Team.leaders.through.objects.bulk_create(links)
        return
    for team, user in zip(staff.teams.values(), users, strict=True):
        user.save()
        team.leaders.add(user)


def _caseworkers_create(specs: list[CaseworkerSpec], staff: Staff) -> list[Caseworker]:
    return [
        services.caseworker_create(
            username=s.username,
            full_name=s.full_name,
            team=staff.teams[s.team_name],
            role=s.role,
            fte=s.fte,
            cap_override=s.cap_override,
        )
        for s in specs
    ]


def _caseworkers_bulk_create(*, specs: list[CaseworkerSpec], staff: Staff) -> list[Caseworker]:
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=s.username,
                first_name=s.full_name.partition(" ")[0],
                last_name=s.full_name.partition(" ")[2],
                password=unusable,
            )
            for s in specs
        ],
        batch_size=1000,
    )
    policy_caps = {role: staff_services.policy_cap_for(role) for role in Role.values}
    caseworkers = [
        Caseworker(
            user=user,
            full_name=s.full_name,
            team=staff.teams[s.team_name],
            role=s.role,
            fte=s.fte,
            cap_override=s.cap_override,
            cap=staff_services.effective_cap(policy_cap=policy_caps[s.role], fte=s.fte, cap_override=s.cap_override),
        )
        for s, user in zip(specs, users, strict=True)
    ]
    return Caseworker.objects.bulk_create(caseworkers, batch_size=1000)
