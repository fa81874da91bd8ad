"""The demo's contact history in plain Python: no database."""

import datetime
import random
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.contact_plan import DEFAULT_RULE, Rule, next_due
from casework.models import MeetingKind, MeetingStatus
from demo.contacts import SLOT_MINUTES, CaseFacts, Diary, contact_history, kept_on_record
from demo.notes import CaseStory, journal_notes

TZ = ZoneInfo("Europe/Copenhagen")
TODAY = datetime.date(2026, 3, 18)
PROGRAMMES = ["standard", "flere_skal_med", "psychiatric", "trial"]


def _facts(case_id, *, age_days, programme="standard", caseworker_id=1, strain=0.0, closed_after=None, waited=0):
    opened = TODAY - datetime.timedelta(days=age_days)
    closed = opened + datetime.timedelta(days=closed_after) if closed_after is not None else None
    return CaseFacts(
        case_id=case_id,
        caseworker_id=caseworker_id,
        programme=programme,
        opened_on=opened,
        assigned_on=opened + datetime.timedelta(days=waited),
        closed_on=closed if closed and closed < TODAY else None,
        strain=strain,
    )


def _plan(meetings, facts, rule=DEFAULT_RULE):
    held = [m.starts_at.date() for m in meetings if m.status == MeetingStatus.HELD and m.kind == MeetingKind.JOBSAMTALE]
    return next_due(
        rule=rule, opened_on=facts.opened_on, held=len(held), last_held_on=max(held, default=None), closed=False
    )


def test_the_same_seed_gives_the_same_history():
    cases = [_facts(i, age_days=40 + 7 * i, programme=PROGRAMMES[i % 4]) for i in range(30)]

    def run(seed):
        diary, rng = Diary(TZ), random.Random(seed)
        return [contact_history(c, rule=DEFAULT_RULE, diary=diary, rng=rng, today=TODAY) for c in cases]

    assert run(5) == run(5)
    assert run(5) != run(6)


@settings(max_examples=60, deadline=None)
@given(
    ages=st.lists(st.integers(min_value=0, max_value=730), min_size=1, max_size=60),
    seed=st.integers(min_value=0, max_value=2**32),
    strain=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_one_caseworker_is_never_booked_twice_and_only_on_working_days(ages, seed, strain):
    diary, rng = Diary(TZ), random.Random(seed)
    meetings = []
    for i, age in enumerate(ages):
        facts = _facts(i, age_days=age, programme=PROGRAMMES[i % 4], strain=strain, waited=i % 3)
        history = contact_history(facts, rule=DEFAULT_RULE, diary=diary, rng=rng, today=TODAY)
        assert history == sorted(history, key=lambda m: m.starts_at)
        assert all(m.starts_at.date() > facts.assigned_on for m in history)  # nobody meets before someone holds it
        planned = [m for m in history if m.status == MeetingStatus.PLANNED]
        assert len(planned) <= 1 and all(m.starts_at.date() >= TODAY for m in planned)
        assert all(m.starts_at.date() < TODAY for m in history if m.status != MeetingStatus.PLANNED)
        meetings += history
    meetings.sort(key=lambda m: m.starts_at)
    for earlier, later in zip(meetings, meetings[1:], strict=False):
        assert earlier.ends_at <= later.starts_at
    assert all(m.starts_at.weekday() < 5 and m.minutes <= SLOT_MINUTES for m in meetings)


@settings(max_examples=80, deadline=None)
@given(
    age=st.integers(min_value=0, max_value=730),
    seed=st.integers(min_value=0, max_value=2**32),
    programme=st.sampled_from(PROGRAMMES),
    rule=st.builds(
        Rule,
        first_within_days=st.integers(0, 14),
        first_period_days=st.integers(30, 200),
        first_period_meetings=st.integers(1, 6),
        then_every_days=st.one_of(st.none(), st.integers(30, 120)),
    ),
)
def test_what_is_kept_on_record_gives_the_same_contact_plan(age, seed, programme, rule):
    facts = _facts(1, age_days=age, programme=programme)
    history = contact_history(facts, rule=rule, diary=Diary(TZ), rng=random.Random(seed), today=TODAY)
    kept = kept_on_record(history, rule=rule, since=TODAY - datetime.timedelta(days=365), tz=TZ)
    assert set(kept) <= set(history)
    assert _plan(kept, facts, rule) == _plan(history, facts, rule)


def test_a_caseworker_who_cannot_keep_up_leaves_cases_overdue():
    rng = random.Random(3)
    strained = [_facts(i, age_days=60 + 5 * i, strain=1.0) for i in range(100)]
    steady = [_facts(i, age_days=60 + 5 * i, caseworker_id=2) for i in range(100)]
    diary = Diary(TZ)

    def overdue(cases):
        return sum(
            _plan(contact_history(c, rule=DEFAULT_RULE, diary=diary, rng=rng, today=TODAY), c) < TODAY for c in cases
        )

    assert overdue(strained) == 100
    assert overdue(steady) <= 15  # a no-show now and then


def test_closed_cases_have_no_meeting_from_the_day_they_closed():
    rng, diary = random.Random(1), Diary(TZ)
    for i in range(50):
        facts = _facts(i, age_days=400, closed_after=30 + 5 * i)
        assert facts.closed_on is not None
        history = contact_history(facts, rule=DEFAULT_RULE, diary=diary, rng=rng, today=TODAY)
        assert all(m.starts_at.date() < facts.closed_on for m in history)
        assert all(m.status != MeetingStatus.PLANNED for m in history)


def test_the_low_caseload_unit_meets_its_citizens_more_often():
    rng, diary = random.Random(2), Diary(TZ)

    def held(programme):
        cases = [_facts(i, age_days=365, programme=programme, caseworker_id=len(programme)) for i in range(40)]
        return sum(
            m.status == MeetingStatus.HELD
            for c in cases
            for m in contact_history(c, rule=DEFAULT_RULE, diary=diary, rng=rng, today=TODAY)
        )

    assert held("trial") > 1.5 * held("standard")


def test_notes_are_written_in_order_before_now_and_corrections_point_back():
    rng, diary = random.Random(4), Diary(TZ)
    now = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=TZ)
    kinds, corrections = set(), 0
    for i in range(200):
        facts = _facts(i, age_days=20 + 3 * i, programme=PROGRAMMES[i % 4], closed_after=300 if i % 5 == 0 else None)
        history = contact_history(facts, rule=DEFAULT_RULE, diary=diary, rng=rng, today=TODAY)
        assigned = datetime.datetime.combine(facts.assigned_on, datetime.time(9), tzinfo=TZ)
        closed = datetime.datetime.combine(facts.closed_on, datetime.time(11), tzinfo=TZ) if facts.closed_on else None
        story = CaseStory(facts.programme, "aktivitetsparat", "job" if closed else "", assigned, closed)
        notes = journal_notes(story, history, rng=rng, now=now)
        assert notes[0].kind == "decision" and notes[0].text.startswith("Borger er visiteret som aktivitetsparat.")
        for note in notes:
            assert assigned <= note.written_at < now and note.text.strip()
            if note.corrects is not None:
                corrections += 1
                original = notes[note.corrects]
                assert original.corrects is None and original.written_at < note.written_at
                assert note.text.startswith("Rettelse")
        kinds |= {n.kind for n in notes}
    assert kinds == {"decision", "meeting", "phone", "letter", "note"}
    assert corrections > 0


def test_a_case_given_on_the_night_summer_time_ends_has_its_notes_after_it():
    # 2025-10-26 02.00 CET, the second 02.00 of that night (CI once seeded such a case: the
    # opening decision, 20 minutes later by the wall clock, was read as summer time).
    assigned = datetime.datetime(2025, 10, 26, 1, 0, tzinfo=datetime.UTC).astimezone(TZ)
    now = datetime.datetime(2025, 10, 27, 12, tzinfo=TZ)
    for seed in range(100):
        story = CaseStory("standard", "aktivitetsparat", "", assigned, None)
        notes = journal_notes(story, [], rng=random.Random(seed), now=now)
        # compared in UTC: two datetimes in one zone compare by their wall clocks
        utc = [note.written_at.astimezone(datetime.UTC) for note in notes]
        assert notes and all(assigned.astimezone(datetime.UTC) < moment < now for moment in utc)
