import datetime
import random
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from allocation.models import CaseAssignment
from allocation.reconcile import caseload_drift
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen
from casework.models import Meeting
from demo import seed as demo
from demo.casework import DAY_MEETINGS
from demo.synthetic import CprSource, seventh_digits_for
from staff.models import Caseworker, CaseworkerStatus, Jobcenter, Team, UnitType

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def fast_seed(monkeypatch):
    """Tests about logins and options need the data, not the service path: write it in bulk."""
    monkeypatch.setattr(demo, "BULK_FROM_SCALE", 1)


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, verbosity=0, **options)
    return out.getvalue()


def _assert_consistent_demo() -> None:
    jobcenter = Jobcenter.objects.get(municipality_code="101")
    assert jobcenter.name == "Jobcenter København"
    # teams of every unit type
    assert set(Team.objects.filter(jobcenter=jobcenter).values_list("unit_type", flat=True)) == set(UnitType.values)
    # counters agree with the cases, and every open case has exactly one current assignment
    assert caseload_drift() == []
    open_cases = Case.objects.filter(status=CaseStatus.OPEN)
    current = CaseAssignment.objects.filter(ended_at__isnull=True)
    assert current.count() == open_cases.count()
    assert not current.exclude(caseworker_id=F("case__caseworker_id")).exists()
    assert not current.exclude(case__status=CaseStatus.OPEN).exists()
    # cases only go to caseworkers of a team whose unit type is the programme
    assert not open_cases.exclude(programme=F("caseworker__team__unit_type")).exists()
    # a few queued, some closed with outcomes (the DB constraint checks the outcome), a few over cap
    assert Case.objects.filter(status=CaseStatus.QUEUED).exists()
    assert Case.objects.filter(status=CaseStatus.CLOSED).exclude(outcome="").count() > 0
    assert 1 <= Caseworker.objects.filter(open_cases__gt=F("cap")).count() <= 5
    assert Caseworker.objects.filter(open_cases=F("cap")).exists()
    assert Caseworker.objects.filter(status=CaseworkerStatus.ON_LEAVE, open_cases__gt=0).exists()
    assert Caseworker.objects.filter(accepting_new_cases=False).exists()
    assert Caseworker.objects.filter(cap_override__isnull=False).exists()
    assert Caseworker.objects.exclude(fte=1).exists() and Caseworker.objects.filter(fte=1).exists()
    # queued cases only wait where no eligible caseworker has room
    for programme in Case.objects.filter(status=CaseStatus.QUEUED).values_list("programme", flat=True).distinct():
        room = Caseworker.objects.filter(
            team__unit_type=programme,
            status=CaseworkerStatus.ACTIVE,
            accepting_new_cases=True,
            open_cases__lt=F("cap"),
        )
        assert not room.exists(), programme
    # dates are plausible
    assert not Case.objects.filter(closed_at__lt=F("opened_at")).exists()
    assert not Case.objects.filter(assigned_at__lt=F("opened_at")).exists()
    # every citizen has a valid CPR number whose digest and birth date match
    for citizen in Citizen.objects.all()[:300]:
        parsed = cpr_rules.parse(citizen.cpr)
        assert parsed.birth_date == citizen.birth_date
        assert cpr_rules.digest(parsed.number) == citizen.cpr_digest
    seventh = {c.cpr[7] for c in Citizen.objects.all()[:500]}
    assert len(seventh) >= 5  # the century digit varies


def test_seed_through_the_services_is_consistent_and_idempotent(settings):
    settings.DEBUG = True
    # when
    output = _seed()
    # then
    _assert_consistent_demo()
    counts = demo.demo_counts(Jobcenter.objects.get(municipality_code="101"))
    assert counts["teams"] == 12 and counts["caseworkers"] == 60
    assert 1500 <= counts["open"] + counts["queued"] + counts["closed"] <= 3500
    # continuity: returning citizens went back to their caseworker
    assert CaseAssignment.objects.filter(reason="continuity").exists()
    # casework too (its shape is tested in test_casework.py): meetings, journals, and today's
    assert counts["meetings"] > counts["open"] and counts["journal_entries"] > counts["open"]
    assert 0 < counts["contacts_overdue"] < counts["open"] / 4
    demo_caseworker = Caseworker.objects.get(user__username="sagsbehandler")
    today = Meeting.objects.filter(caseworker=demo_caseworker, starts_at__date=timezone.localdate())
    assert today.exclude(status="cancelled").count() == DAY_MEETINGS
    assert "admin" in output and "leder" in output and "sagsbehandler" in output and "demo1234" in output
    # when seeded again, nothing is duplicated
    before = (Citizen.objects.count(), Case.objects.count(), User.objects.count(), Team.objects.count())
    second = _seed()
    assert (Citizen.objects.count(), Case.objects.count(), User.objects.count(), Team.objects.count()) == before
    assert "already exists" in second


def test_demo_logins_work_and_lead_the_demo_team(fast_seed, settings, client):
    settings.DEBUG = True
    _seed()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    leader = User.objects.get(username="leder")
    caseworker = Caseworker.objects.get(user__username="sagsbehandler")
    assert list(leader.teams_led.values_list("name", flat=True)) == [demo.DEMO_TEAM]
    assert caseworker.team.name == demo.DEMO_TEAM
    for username in ("admin", "leder", "sagsbehandler"):
        assert client.login(username=username, password="demo1234"), username


def test_no_demo_logins_without_debug_unless_forced(fast_seed, settings):
    settings.DEBUG = False
    output = _seed(scale=1)
    assert not User.objects.filter(username="admin").exists()
    assert not User.objects.get(username="sagsbehandler").has_usable_password()
    assert not User.objects.get(username="leder").has_usable_password()
    assert "No demo logins" in output
    # when forced later, the logins appear without re-seeding the data
    cases = Case.objects.count()
    _seed(force=True)
    assert User.objects.get(username="admin").check_password("demo1234")
    assert User.objects.get(username="sagsbehandler").check_password("demo1234")
    assert Case.objects.count() == cases


def test_a_changed_demo_password_is_kept_and_not_printed(fast_seed, settings):
    settings.DEBUG = True
    _seed()
    leader = User.objects.get(username="leder")
    leader.set_password("something-else")
    leader.save()
    output = _seed()
    assert User.objects.get(username="leder").check_password("something-else")
    assert "changed since seeding" in output


def test_if_empty_does_nothing_when_a_jobcenter_exists(settings):
    settings.DEBUG = True
    Jobcenter.objects.create(name="Jobcenter Aarhus", municipality_code="751")
    output = _seed(if_empty=True)
    assert "nothing seeded" in output
    assert not Jobcenter.objects.filter(municipality_code="101").exists()
    assert not Case.objects.exists()


def test_bulk_path_is_consistent_too():
    # the bulk path at a small scale, so the test stays fast; --scale 10 takes it by default
    demo.seed_demo(scale=1, bulk=True, seed=7)
    _assert_consistent_demo()


def test_large_scales_use_bulk_writes(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "run_in_bulk", lambda **kw: calls.append("bulk"))
    monkeypatch.setattr(demo, "run_with_services", lambda **kw: calls.append("services"))
    monkeypatch.setattr(demo, "push_over_cap", lambda staff: None)
    demo.seed_demo(scale=demo.BULK_FROM_SCALE)
    assert calls == ["bulk"]
    assert Team.objects.count() == 12 * demo.BULK_FROM_SCALE


def test_same_seed_gives_the_same_people():
    today = datetime.date(2026, 1, 1)
    numbers = [[CprSource(random.Random(11), today=today).next(female=f) for f in (True, False) * 50] for _ in range(2)]
    assert numbers[0] == numbers[1]
    for parsed in numbers[0]:
        assert 18 <= (today - parsed.birth_date).days / 365.25 <= 67
    assert {int(p.number[-1]) % 2 for p in numbers[0][::2]} == {0}  # women: even last digit
    assert {int(p.number[-1]) % 2 for p in numbers[0][1::2]} == {1}


@pytest.mark.parametrize("year", [1858, 1899, 1900, 1936, 1937, 1957, 1958, 1999, 2000, 2036, 2037, 2057])
def test_seventh_digits_give_back_the_year(year):
    digits = seventh_digits_for(year)
    assert digits
    for digit in digits:
        assert (
            cpr_rules.parse(f"0101{year % 100:02d}-{digit}001", today=datetime.date(2060, 1, 1)).birth_date.year == year
        )


def test_scale_below_one_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _seed(scale=0)


def test_case_counts_per_caseworker_spread_through_the_pool():
    demo.seed_demo(scale=1, bulk=True, seed=3)
    loads = dict(
        Caseworker.objects.filter(status=CaseworkerStatus.ACTIVE, accepting_new_cases=True, cap_override__isnull=True)
        .annotate(n=Count("cases"))
        .values_list("pk", "n")
    )
    assert min(loads.values()) > 0
