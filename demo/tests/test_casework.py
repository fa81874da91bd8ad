"""The demo's journals, meetings and contact plans, as seeded in the database."""

import datetime
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.models import Case, CaseStatus
from casework import contact_plan, services
from casework.models import JournalEntry, Meeting, MeetingStatus
from casework.selectors import agenda, overdue_cases, with_contact_plan
from demo import seed as demo
from demo.casework import DAY_MEETINGS, demo_day_ensure
from demo.synthetic import LAST_NAMES
from staff.models import Caseworker, Team
from staff.selectors import with_team_load

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """One seed for the module (it takes seconds): each test runs in a savepoint inside
    this transaction, and the whole is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed_demo(scale=1, bulk=True, seed=7)
        yield timezone.localdate()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def _statuses(cases, today):
    return Counter(
        contact_plan.status(due=due, today=today) for due in cases.values_list("next_contact_due", flat=True)
    )


def _share(counter, *statuses):
    return sum(counter[s] for s in statuses) / sum(counter.values())


def test_the_demo_has_meetings_past_and_coming_with_the_case_s_caseworker(seeded):
    today = seeded
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    assert set(Meeting.objects.values_list("status", flat=True)) == set(MeetingStatus.values)
    assert set(Meeting.objects.values_list("kind", flat=True)) == {"jobsamtale", "other"}
    # planned ones lie ahead and belong to open cases; the others are over
    planned = Meeting.objects.filter(status=MeetingStatus.PLANNED)
    assert planned.count() > 300
    assert not planned.filter(starts_at__lt=start_of_today).exists()
    assert not planned.exclude(case__status=CaseStatus.OPEN).exists()
    assert not Meeting.objects.exclude(status=MeetingStatus.PLANNED).filter(starts_at__gte=start_of_today).exists()
    assert not Meeting.objects.filter(status=MeetingStatus.HELD, held_at__isnull=True).exists()
    # with the case's caseworker, while someone held the case, and none after it closed
    assert not Meeting.objects.exclude(caseworker_id=F("case__caseworker_id")).exists()
    assert not Meeting.objects.filter(starts_at__lt=F("case__assigned_at")).exists()
    assert not Meeting.objects.filter(starts_at__gte=F("case__closed_at")).exists()
    assert not Meeting.objects.filter(case__status=CaseStatus.QUEUED).exists()
    # nobody is booked twice, and (but for the demo caseworker's today) only on working days
    by_caseworker = defaultdict(list)
    for caseworker_id, starts_at, ends_at in Meeting.objects.exclude(status=MeetingStatus.CANCELLED).values_list(
        "caseworker_id", "starts_at", "ends_at"
    ):
        by_caseworker[caseworker_id].append((starts_at, ends_at))
    for booked in by_caseworker.values():
        booked.sort()
        assert all(earlier[1] <= later[0] for earlier, later in zip(booked, booked[1:], strict=False))
    assert not Meeting.objects.filter(starts_at__lt=start_of_today, starts_at__week_day__in=[1, 7]).exists()


def test_most_cases_are_on_track_and_the_over_capacity_team_is_behind(seeded):
    today = seeded
    open_cases = with_contact_plan(Case.objects.filter(status=CaseStatus.OPEN))
    assert _share(_statuses(open_cases, today), contact_plan.ON_TRACK, contact_plan.DUE_SOON) >= 0.8
    # the over-capacity team: more open cases than its active caseworkers' caps
    crowded = list(
        with_team_load(Team.objects.all()).filter(open_cases_total__gt=F("capacity")).values_list("pk", flat=True)
    )
    assert crowded, "the demo has a team over its capacity"
    behind = _share(_statuses(open_cases.filter(caseworker__team__in=crowded), today), contact_plan.OVERDUE)
    ahead = _share(_statuses(open_cases.exclude(caseworker__team__in=crowded), today), contact_plan.OVERDUE)
    assert behind >= 0.25 and behind > 3 * ahead, (behind, ahead)
    # overdue for long enough that the contacts_overdue alert (14 days) has something to say
    late = overdue_cases(Case.objects.filter(caseworker__team__in=crowded), today=today, by_more_than_days=14)
    assert late.count() >= 20
    # and the demo team's leader sees it on their own team
    assert demo.DEMO_TEAM in set(Team.objects.filter(pk__in=crowded).values_list("name", flat=True))


def test_the_journal_has_short_danish_notes_of_every_kind_and_some_corrections(seeded):
    entries = JournalEntry.objects.all()
    assert set(entries.values_list("kind", flat=True)) == {"meeting", "phone", "letter", "note", "decision"}
    assert entries.count() > Case.objects.exclude(status=CaseStatus.QUEUED).count()
    assert not entries.filter(written_at__gt=timezone.now()).exists()
    assert not entries.filter(written_at__lt=F("case__assigned_at")).exists()
    assert not entries.exclude(written_by_id=F("case__caseworker__user_id")).exists()
    corrections = entries.filter(corrects__isnull=False)
    assert corrections.count() >= 50
    assert not corrections.exclude(corrects__case_id=F("case_id")).exists()
    assert not corrections.filter(written_at__lte=F("corrects__written_at")).exists()
    texts = list(entries.values_list("text", flat=True))
    assert all(0 < len(t) < 400 for t in texts)
    # synthetic: no note names anybody
    words = {w for t in texts for w in re.findall(r"\w+", t)}
    assert not words & set(LAST_NAMES)


def test_the_demo_caseworker_s_day_has_meetings(seeded):
    today = seeded
    caseworker = Caseworker.objects.get(user__username=demo.DEMO_CASEWORKER)
    day = agenda(cases=Case.objects.all(), caseworker_id=caseworker.pk, day=today)
    meetings = list(day["meetings"])
    assert len(meetings) >= DAY_MEETINGS
    assert {m.status for m in meetings} == {MeetingStatus.PLANNED}
    assert {m.case.caseworker_id for m in meetings} == {caseworker.pk}
    assert day["overdue"].exists()  # the demo team is behind, and so is its caseworker


def test_the_demo_day_is_topped_up_on_a_later_day_and_only_then(seeded):
    caseworker = Caseworker.objects.get(user__username=demo.DEMO_CASEWORKER)
    later = seeded + datetime.timedelta(days=9)
    already = _meetings_on(caseworker, later).count()
    assert already < DAY_MEETINGS
    # when
    added = demo_day_ensure(day=later)
    # then
    assert added == DAY_MEETINGS - already
    booked = list(_meetings_on(caseworker, later))
    assert len(booked) == DAY_MEETINGS
    assert demo_day_ensure(day=later) == 0
    # a cancelled meeting leaves room for one more
    services.meeting_cancel(meeting=booked[0])
    assert demo_day_ensure(day=later) == 1
    assert _meetings_on(caseworker, later).count() == len(booked)


def _meetings_on(caseworker, day):
    return Meeting.objects.filter(caseworker=caseworker, starts_at__date=day).exclude(status=MeetingStatus.CANCELLED)


def test_seed_demo_if_empty_tops_up_the_demo_day_only_with_demo_logins(seeded, settings):
    caseworker = Caseworker.objects.get(user__username=demo.DEMO_CASEWORKER)
    for meeting in _meetings_on(caseworker, seeded).filter(status=MeetingStatus.PLANNED):
        services.meeting_cancel(meeting=meeting)
    settings.DEBUG = False
    call_command("seed_demo", if_empty=True, stdout=StringIO(), verbosity=0)
    assert not _meetings_on(caseworker, seeded).exists()
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", if_empty=True, stdout=out, verbosity=0)
    assert _meetings_on(caseworker, seeded).count() == DAY_MEETINGS
    assert f"booked {DAY_MEETINGS} meetings today" in out.getvalue()


def test_seeding_again_adds_no_casework(seeded):
    before = (Meeting.objects.count(), JournalEntry.objects.count())
    demo.seed_demo(scale=1, bulk=True, seed=7)
    assert (Meeting.objects.count(), JournalEntry.objects.count()) == before


@pytest.mark.postgres
def test_the_demo_seeds_under_postgresql_s_own_rules(seeded):
    """The exclusion constraint (no overlapping planned meetings) and the append-only
    journal's triggers let the bulk seed through: it only inserts, and books no one twice."""
    from django.db import IntegrityError, connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname = 'meeting_no_double_booking'")
        assert cursor.fetchone()[0] == 1
    assert Meeting.objects.filter(status=MeetingStatus.PLANNED).count() > 300
    planned = Meeting.objects.filter(status=MeetingStatus.PLANNED).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            case_id=planned.case_id,
            caseworker_id=planned.caseworker_id,
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
            kind=planned.kind,
            channel=planned.channel,
        )
