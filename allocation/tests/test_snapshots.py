"""Daily caseload snapshots: the figures, idempotence per date, the query budget."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allocation import services, snapshots, tasks
from allocation.models import CaseloadSnapshot
from allocation.tests.factories import open_case
from staff.models import CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, TeamFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


def team_with_load():
    """Two caseworkers (one half-time, later on leave) and two queued cases in the pool."""
    team = TeamFactory(unit_type="psychiatric")
    full = CaseworkerFactory(team=team, cap_override=2)
    open_case(team=team)
    open_case(team=team)
    half = CaseworkerFactory(team=team, fte=Decimal("0.50"))  # cap 12
    open_case(team=team)
    services.caseworker_update(caseworker=full, cap_override=0)  # nobody has room: the next two queue
    services.caseworker_update(caseworker=half, status=CaseworkerStatus.ON_LEAVE)
    open_case(team=team)
    open_case(team=team)
    return team, full, half


def rows(day=DAY):
    return {
        (s.team_id, s.caseworker_id): (s.open_cases, s.cap, s.fte, s.queued)
        for s in CaseloadSnapshot.objects.filter(date=day)
    }


def test_snapshot_records_every_caseworker_and_team():
    team, full, half = team_with_load()
    full.refresh_from_db()
    half.refresh_from_db()
    assert (full.open_cases, half.open_cases) == (2, 1)
    empty = TeamFactory()

    result = snapshots.caseloads_snapshot(day=DAY)

    assert (result.caseworkers, result.teams) == (2, 2)
    assert rows() == {
        (team.pk, full.pk): (2, 0, Decimal("1.00"), 0),
        (team.pk, half.pk): (1, 12, Decimal("0.50"), 0),
        # the team: all open cases, the active caseworkers' caps and FTE, its pool's queue
        (team.pk, None): (3, 0, Decimal("1.00"), 2),
        (empty.pk, None): (0, 0, Decimal("0.00"), 0),
    }


def test_a_rerun_on_the_same_date_updates_and_never_duplicates():
    team, full, _ = team_with_load()
    snapshots.caseloads_snapshot(day=DAY)
    services.caseworker_update(caseworker=full, cap_override=5)  # room: the queue drains to `full`

    snapshots.caseloads_snapshot(day=DAY)

    assert CaseloadSnapshot.objects.filter(date=DAY).count() == 3
    assert rows()[(team.pk, full.pk)] == (4, 5, Decimal("1.00"), 0)
    assert rows()[(team.pk, None)][3] == 0


def test_another_date_adds_rows_and_keeps_the_history():
    team_with_load()
    snapshots.caseloads_snapshot(day=DAY)
    snapshots.caseloads_snapshot(day=DAY + datetime.timedelta(days=1))
    assert CaseloadSnapshot.objects.count() == 6
    assert rows(DAY) == rows(DAY + datetime.timedelta(days=1))


def test_the_snapshot_costs_the_same_queries_for_2_teams_as_for_20():
    def measure():
        with CaptureQueriesContext(connection) as queries:
            snapshots.caseloads_snapshot(day=DAY)
        return len(queries)

    for _ in range(2):
        CaseworkerFactory(team=TeamFactory())
    two = measure()
    for _ in range(18):
        CaseworkerFactory(team=TeamFactory())
    twenty = measure()

    assert twenty == two <= 10
    assert CaseloadSnapshot.objects.count() == 40


def test_the_task_takes_an_iso_date_and_defaults_to_today():
    CaseworkerFactory()
    assert tasks.snapshot_caseloads.delay(date="2026-03-02").get() == {
        "date": "2026-03-02",
        "caseworkers": 1,
        "teams": 1,
    }
    tasks.snapshot_caseloads.delay()
    assert CaseloadSnapshot.objects.filter(date=timezone.localdate()).count() == 2


def test_the_command_records_a_date_and_rejects_a_bad_one(capsys):
    CaseworkerFactory()
    call_command("snapshot_caseloads", "--date", "2026-03-02")
    assert "2026-03-02: 1 caseworker row(s), 1 team row(s)." in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("snapshot_caseloads", "--date", "2. marts")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_snapshots_of_one_date_leave_one_set_of_rows():
    for _ in range(3):
        CaseworkerFactory(team=TeamFactory())
    barrier = threading.Barrier(6)
    errors = []

    def work():
        try:
            barrier.wait()
            snapshots.caseloads_snapshot(day=DAY)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert CaseloadSnapshot.objects.filter(date=DAY).count() == 6
