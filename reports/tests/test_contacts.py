"""The contacts report against hand-computed figures: deadlines met on time, jobsamtaler per
citizen-month, no-shows; suppression, scoping, the downloads, the API, the trial page.

The rule is the default (first within 7 days, 4 in the first 183 days, so 45 days apart,
then every 91). Team Alpha holds five copies of six cases, A1–A6 (worked out below); Bravo
three copies of one (too few to show); Psyk five copies of A6 and one case with no meeting.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework.contact_plan import DEFAULT_RULE, Rule
from casework.models import ContactRule, Meeting
from casework.selectors import contact_plan_of
from reports.figures.contacts import CITIZEN_MONTH_DAYS, contact_report, deadlines
from reports.figures.trial import trial_report
from reports.scope import ReportFilter, Scope, report_scope
from trials.models import Trial, TrialArm, TrialEnrolment

from .conftest import at, make_case
from .test_views import PERIOD, login, rows_of, sheet_of

pytestmark = pytest.mark.django_db

D = datetime.date
EVERYTHING = Scope(None)
HALF_YEAR = ReportFilter(date_from=D(2026, 1, 1), date_to=D(2026, 6, 30))
TODAY = D(2026, 7, 1)
AS_OF = timezone.make_aware(datetime.datetime(2026, 6, 30, 20))  # Copenhagen: still 30 June

# (opened, closed, outcome, meetings: (day, status) or (day, status, kind))
A1 = (D(2026, 1, 5), None, "", [
    (D(2026, 1, 9), "held"),  # D0 = 12 Jan: met
    (D(2026, 2, 20), "held"),  # D1 = 9 Jan + 45 = 23 Feb: met
    (D(2026, 3, 30), "no_show"),
    (D(2026, 3, 31), "cancelled"),  # not counted
    (D(2026, 4, 10), "held"),  # D2 = 20 Feb + 45 = 6 Apr: missed (held 10 Apr)
    (D(2026, 4, 15), "held", "other"),  # not a jobsamtale: not counted
    (D(2026, 5, 20), "held"),  # D3 = 10 Apr + 45 = 25 May: met; D4 = 20 May + 91 = 19 Aug: after
])  # fmt: skip
A2 = (D(2026, 1, 5), None, "", [])  # D0 = 12 Jan missed; it stays the deadline
A3 = (D(2025, 12, 1), D(2026, 3, 5), "job", [
    (D(2025, 12, 5), "held"),  # D0 = 8 Dec (before the period): met
    (D(2026, 1, 19), "held"),  # D1 = 19 Jan: met on the day; D2 = 5 Mar, the closing day: not counted
])  # fmt: skip
A4 = (D(2026, 2, 10), D(2026, 6, 15), "education", [
    (D(2026, 2, 20), "held"),  # D0 = 17 Feb: missed
    (D(2026, 4, 1), "no_show"),
    (D(2026, 4, 3), "held"),  # D1 = 20 Feb + 45 = 6 Apr: met; D2 = 18 May: missed (closed 15 Jun)
])  # fmt: skip
A5 = (D(2026, 3, 25), None, "", [
    (D(2026, 3, 27), "held"),  # D0 = 1 Apr (Q2): met
    (D(2026, 5, 11), "held"),  # D1 = 11 May: met
    (D(2026, 6, 20), "no_show"),  # D2 = 25 Jun: missed
])  # fmt: skip
A6 = (D(2026, 4, 1), None, "", [
    (D(2026, 4, 8), "held"),  # D0 = 8 Apr: met
    (D(2026, 5, 23), "held"),  # D1 = 23 May: met; D2 = 7 Jul: after
    (D(2026, 5, 30), "no_show", "other"),  # not a jobsamtale
])  # fmt: skip
B = (D(2026, 1, 5), None, "", [(D(2026, 1, 12), "held")])  # D0 met; D1 = 26 Feb missed
LATE = (D(2026, 4, 1), None, "", [])  # D0 = 8 Apr missed

# Per copy of A1…A6: days open in Q1 (1 Jan–31 Mar) and Q2 (1 Apr–30 Jun)
# A1 86 + 91, A2 86 + 91, A3 64 (1 Jan–5 Mar) + 0, A4 50 (10 Feb–31 Mar) + 76 (to 15 Jun),
# A5 7 + 91, A6 0 + 91  →  Q1 293, Q2 440
COPIES = 5


def build(caseworker, pattern):
    opened, closed, outcome, meetings = pattern
    case = make_case(
        caseworker=caseworker, opened=at(opened, 9), closed=at(closed, 15) if closed else None, outcome=outcome
    )
    for day, status, *kind in meetings:
        starts = at(day, 10)
        Meeting.objects.create(
            case=case,
            caseworker=caseworker,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=45),
            kind=kind[0] if kind else "jobsamtale",
            channel="in_person",
            status=status,
            held_at=starts if status == "held" else None,
        )
    return case


@pytest.fixture
def contacts(world):
    world.alpha_cases = [build(world.a1, p) for p in (A1, A2, A3, A4, A5) for _ in range(COPIES)]
    world.alpha_cases += [build(world.a2, A6) for _ in range(COPIES)]
    world.bravo_cases = [build(world.b1, B) for _ in range(3)]
    from staff.tests.factories import CaseworkerFactory

    p1 = CaseworkerFactory(team=world.psych)
    world.psych_cases = [build(p1, A6) for _ in range(COPIES)] + [build(p1, LATE)]
    return world


def by(rows, quarter, label):
    return next(r for r in rows if r.quarter == quarter and r.label == label)


# --- The walk ------------------------------------------------------------------------------


def test_the_deadlines_of_a_case_by_hand():
    held = [d for d, s, *k in A1[3] if s == "held" and not k]
    assert list(deadlines(rule=DEFAULT_RULE, opened_on=A1[0], closed_on=None, held_on=held, today=TODAY)) == [
        (D(2026, 1, 12), True),
        (D(2026, 2, 23), True),
        (D(2026, 4, 6), False),
        (D(2026, 5, 25), True),
    ]
    # closed on its next deadline: that one is not counted
    assert list(
        deadlines(
            rule=DEFAULT_RULE, opened_on=A3[0], closed_on=A3[1], held_on=[D(2025, 12, 5), D(2026, 1, 19)], today=TODAY
        )
    ) == [(D(2025, 12, 8), True), (D(2026, 1, 19), True)]
    # not yet due: not counted; due yesterday: missed
    assert list(deadlines(rule=DEFAULT_RULE, opened_on=D(2026, 6, 24), closed_on=None, held_on=[], today=TODAY)) == []
    assert list(deadlines(rule=DEFAULT_RULE, opened_on=D(2026, 6, 23), closed_on=None, held_on=[], today=TODAY)) == [
        (D(2026, 6, 30), False)
    ]
    # after the first period, "agreed individually" (no then-every) gives no more deadlines
    individual = Rule(then_every_days=None)
    four = [D(2026, 1, 6), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
    assert (
        len(list(deadlines(rule=individual, opened_on=D(2026, 1, 5), closed_on=None, held_on=four, today=TODAY))) == 4
    )
    # a rule beyond the calendar never falls due (and is no 500)
    huge = Rule(first_within_days=2_000_000_000)
    assert list(deadlines(rule=huge, opened_on=D(2026, 1, 5), closed_on=None, held_on=[], today=TODAY)) == []


def test_the_walk_ends_where_the_contact_plan_stands(contacts):
    # A2 (no meeting) is overdue since 12 Jan; the plan of an open case says the same
    case = contacts.alpha_cases[COPIES]  # the first copy of A2
    assert contact_plan_of(case)["next_due"] == D(2026, 1, 12)
    a5 = contacts.alpha_cases[4 * COPIES]
    assert contact_plan_of(a5)["next_due"] == D(2026, 6, 25)


# --- The figures ---------------------------------------------------------------------------


def test_contacts_per_team_by_hand(contacts):
    rows = contact_report(scope=EVERYTHING, filters=HALF_YEAR, group_by="team", today=TODAY)
    q1, q2 = by(rows, "2026-Q1", "Alpha"), by(rows, "2026-Q2", "Alpha")
    # Q1: deadlines A1 12 Jan ✓ 23 Feb ✓, A2 12 Jan ✗, A3 19 Jan ✓, A4 17 Feb ✗ → 3 met, 2 missed, × 5
    assert (q1.cases, q1.deadlines, q1.met_on_time, q1.missed, q1.share_on_time) == (25, 25, 15, 10, 0.6)
    # held: A1 2, A3 1, A4 1, A5 1 → 5 × 5; no-shows: A1 1 × 5 → 5 / 30
    assert (q1.held, q1.no_shows, q1.no_show_rate) == (25, 5, pytest.approx(1 / 6))
    assert q1.citizen_months == round(5 * 293 / CITIZEN_MONTH_DAYS, 2) == 48.13
    assert q1.held_per_citizen_month == pytest.approx(25 / (5 * 293 / (365.25 / 12)))
    assert q1.held_per_citizen_month == pytest.approx(0.5194, abs=1e-4)
    # Q2: A1 6 Apr ✗ 25 May ✓, A4 6 Apr ✓ 18 May ✗, A5 1 Apr ✓ 11 May ✓ 25 Jun ✗, A6 8 Apr ✓ 23 May ✓
    assert (q2.cases, q2.deadlines, q2.met_on_time, q2.missed) == (25, 45, 30, 15)
    assert q2.share_on_time == pytest.approx(2 / 3)
    # held: A1 2, A4 1, A5 1, A6 2 → 30; no-shows A4 1, A5 1 → 10; 10 / 40
    assert (q2.held, q2.no_shows, q2.no_show_rate) == (30, 10, 0.25)
    assert q2.held_per_citizen_month == pytest.approx(30 / (5 * 440 / CITIZEN_MONTH_DAYS))
    assert q2.held_per_citizen_month == pytest.approx(0.4151, abs=1e-4)


def test_small_cells_are_suppressed(contacts):
    rows = contact_report(scope=EVERYTHING, filters=HALF_YEAR, group_by="team", today=TODAY)
    # Bravo: three cases. Nothing about them is shown.
    bravo = by(rows, "2026-Q1", "Bravo")
    assert [bravo.cases, bravo.deadlines, bravo.met_on_time, bravo.share_on_time, bravo.held] == [None] * 5
    assert (bravo.citizen_months, bravo.held_per_citizen_month, bravo.no_show_rate) == (None, None, None)
    # Psyk, Q2: six cases; 10 deadlines met, 1 missed (LATE's 8 Apr). The single miss is hidden,
    # and so are the met count and the share, which would give it back with the 11 deadlines.
    psych = by(rows, "2026-Q2", "Psyk")
    assert (psych.cases, psych.deadlines, psych.met_on_time, psych.missed, psych.share_on_time) == (
        6, 11, None, None, None
    )  # fmt: skip
    assert (psych.held, psych.no_shows, psych.no_show_rate) == (10, 0, 0.0)
    # Alpha, Q1: 5 no-shows shown; Alpha has no row of fewer than five cases
    assert by(rows, "2026-Q1", "Alpha").no_shows == 5


def test_contacts_per_unit_type_add_up_the_teams(contacts):
    rows = contact_report(scope=EVERYTHING, filters=HALF_YEAR, group_by="unit_type", today=TODAY)
    standard = by(rows, "2026-Q1", "Standard cash-benefit unit")
    # Alpha 15 met, 10 missed; Bravo 3 × (12 Jan met, 26 Feb missed); held 25 + 3; no-shows 5
    assert (standard.cases, standard.deadlines, standard.met_on_time, standard.missed) == (28, 31, 18, 13)
    assert standard.share_on_time == pytest.approx(18 / 31)
    assert (standard.held, standard.no_shows) == (28, 5)
    assert standard.no_show_rate == pytest.approx(5 / 33)
    assert standard.held_per_citizen_month == pytest.approx(28 / ((5 * 293 + 3 * 86) / CITIZEN_MONTH_DAYS))
    q2 = by(rows, "2026-Q2", "Standard cash-benefit unit")
    # Bravo's one deadline (26 Feb) stays missed; no new one, no meeting in Q2
    assert (q2.cases, q2.deadlines, q2.met_on_time, q2.missed, q2.held) == (28, 45, 30, 15, 30)
    assert [(r.quarter, r.label) for r in rows] == [
        ("2026-Q1", "Standard cash-benefit unit"),
        ("2026-Q2", "Psychiatric unit"),
        ("2026-Q2", "Standard cash-benefit unit"),
    ]


def test_a_leader_sees_only_their_teams(contacts):
    leader = report_scope(contacts.leader_a)
    rows = contact_report(scope=leader, filters=HALF_YEAR, group_by="team", today=TODAY)
    assert {r.label for r in rows} == {"Alpha"}
    by_unit = contact_report(scope=leader, filters=HALF_YEAR, group_by="unit_type", today=TODAY)
    assert [(r.quarter, r.cases, r.met_on_time) for r in by_unit] == [("2026-Q1", 25, 15), ("2026-Q2", 25, 30)]
    bravo = contact_report(scope=report_scope(contacts.leader_b), filters=HALF_YEAR, group_by="team", today=TODAY)
    assert {r.label for r in bravo} == {"Bravo"} and all(r.cases is None for r in bravo)


def test_the_period_and_the_rule_are_those_asked_for(contacts):
    q2_only = ReportFilter(date_from=D(2026, 4, 1), date_to=D(2026, 6, 30))
    rows = contact_report(scope=EVERYTHING, filters=q2_only, group_by="team", today=TODAY)
    assert {r.quarter for r in rows} == {"2026-Q2"}
    assert by(rows, "2026-Q2", "Alpha").met_on_time == 30
    # a quarter cut by the period: Alpha, 1 Jan – 15 Feb: deadlines A1 12 Jan ✓, A2 12 Jan ✗,
    # A3 19 Jan ✓ (A1's 23 Feb and A4's 17 Feb lie after); days A1 42, A2 42, A3 46, A4 6
    cut = ReportFilter(date_from=D(2026, 1, 1), date_to=D(2026, 2, 15))
    alpha = by(contact_report(scope=EVERYTHING, filters=cut, group_by="team", today=TODAY), "2026-Q1", "Alpha")
    assert (alpha.deadlines, alpha.met_on_time, alpha.missed, alpha.held) == (15, 10, 5, 10)
    assert alpha.citizen_months == round(5 * (42 + 42 + 46 + 6) / CITIZEN_MONTH_DAYS, 2)
    # another rule for the standard programme: first conversation within 3 days
    ContactRule.objects.filter(programme="standard").update(first_within_days=3)
    rows = contact_report(scope=EVERYTHING, filters=HALF_YEAR, group_by="team", today=TODAY)
    # Q1: A1 8 Jan ✗ (held 9 Jan) 23 Feb ✓, A2 8 Jan ✗, A3 19 Jan ✓, A4 13 Feb ✗, A5 28 Mar ✓
    q1 = by(rows, "2026-Q1", "Alpha")
    assert (q1.deadlines, q1.met_on_time, q1.missed) == (30, 15, 15)


def test_the_report_reads_in_a_constant_number_of_queries(contacts):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            contact_report(scope=EVERYTHING, filters=HALF_YEAR, group_by="team", today=TODAY)
        return len(captured.captured_queries)

    before = queries()
    for _ in range(3):
        for pattern in (A1, A4, A5):
            build(contacts.b1, pattern)
    assert queries() == before <= 10


# --- Trial arms ----------------------------------------------------------------------------


@pytest.fixture
def trial(contacts):
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=contacts.jobcenter, programme="standard", starts_on=D(2026, 1, 1)
    )
    ordinary = TrialArm.objects.create(trial=trial, name="Ordinary")
    ordinary.teams.set([contacts.team_a])
    low = TrialArm.objects.create(trial=trial, name="Low caseload")
    low.teams.set([contacts.psych])
    for arm, cases in ((ordinary, contacts.alpha_cases), (low, contacts.psych_cases)):
        for case in cases:
            TrialEnrolment.objects.create(trial=trial, case=case, arm=arm, draw=0.5, drawn_at=case.opened_at)
    return trial


def test_contacts_per_trial_arm(trial):
    rows = contact_report(scope=EVERYTHING, filters=HALF_YEAR, group_by="arm", today=TODAY)
    assert {r.label for r in rows} == {"Lærkevej: Ordinary", "Lærkevej: Low caseload"}  # Bravo is in no arm
    ordinary = by(rows, "2026-Q2", "Lærkevej: Ordinary")
    assert (ordinary.cases, ordinary.met_on_time, ordinary.missed, ordinary.held, ordinary.no_shows) == (
        25, 30, 15, 30, 10
    )  # fmt: skip


def test_the_trial_report_sets_contact_beside_exits(trial):
    report = trial_report(trial=trial, as_of=AS_OF)
    ordinary, low = report.arms
    # 30 included; A3 left for a job, A4 for education: 10 of 30
    assert ordinary.included == 30 and ordinary.job_or_education.share == pytest.approx(1 / 3)
    c = ordinary.contacts
    # from 1 Jan to 30 Jun: Q1 + Q2 (the 30 cases, once each)
    assert (c.cases, c.deadlines, c.met_on_time, c.missed) == (30, 70, 45, 25)
    assert c.share_on_time == pytest.approx(45 / 70)
    assert (c.held, c.no_shows, c.no_show_rate) == (55, 15, pytest.approx(15 / 70))
    assert c.held_per_citizen_month == pytest.approx(55 / (5 * (293 + 440) / CITIZEN_MONTH_DAYS))
    assert (low.included, low.contacts.cases, low.contacts.held, low.contacts.missed) == (6, 6, 10, None)
    quarters = [(r.quarter, r.label, r.met_on_time) for r in report.contacts_by_quarter]
    assert quarters == [("2026-Q1", "Ordinary", 15), ("2026-Q2", "Low caseload", None), ("2026-Q2", "Ordinary", 30)]


def test_the_trial_report_counts_contact_up_to_its_date(trial):
    # as of 31 March (Copenhagen), A1–A5 only; A5's first deadline (1 Apr) is not yet due
    march = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 30))
    ordinary = trial_report(trial=trial, as_of=march).arms[0]
    assert ordinary.included == 25
    assert (ordinary.contacts.deadlines, ordinary.contacts.met_on_time, ordinary.contacts.missed) == (25, 15, 10)


# --- Pages, downloads, API -----------------------------------------------------------------


def test_the_contacts_page_scoped_with_its_definitions(client, contacts):
    login(client, contacts.leader_a)
    response = client.get(reverse("reports:contacts"), PERIOD | {"group_by": "team"}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Alpha" in body and "Bravo" not in body and "60.0 %" in body
    assert "How the contact figures are counted" in body and "365.25 / 12" in body
    danish = client.get(reverse("reports:contacts"), PERIOD, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Sådan tælles kontakttallene" in danish and "Andel overholdt til tiden" in danish and "60,0 %" in danish
    # trial arms are for administrators, as trials are
    assert client.get(reverse("reports:contacts"), {"group_by": "arm"}).status_code == 400
    assert client.get(reverse("reports:contacts"), {"team": contacts.team_b.pk}).status_code == 400
    assert login(client, contacts.caseworker_user).get(reverse("reports:contacts")).status_code == 404


def test_csv_and_excel_of_the_contacts(client, contacts):
    login(client, contacts.admin)
    query = PERIOD | {"group_by": "team", "jobcenter": contacts.jobcenter.pk, "export": "contacts"}
    rows = rows_of(client.get(reverse("reports:contacts"), query))
    header = rows[0]
    assert header == [
        "quarter", "group", "cases", "deadlines", "met_on_time", "missed", "share_on_time", "held",
        "citizen_months", "held_per_citizen_month", "no_shows", "no_show_rate",
    ]  # fmt: skip
    alpha = next(r for r in rows[1:] if r[:2] == ["2026-Q1", "Alpha"])
    assert alpha[2:8] == ["25", "25", "15", "10", "0.6", "25"] and alpha[10] == "5"
    bravo = next(r for r in rows[1:] if r[:2] == ["2026-Q1", "Bravo"])
    assert bravo[2:] == [""] * 10  # suppressed: empty
    sheet = sheet_of(client.get(reverse("reports:contacts"), query | {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert len(sheet) == len(rows) and sheet[0][4] == "Met on time"
    alpha_xlsx = next(r for r in sheet[1:] if r[:2] == ["2026-Q1", "Alpha"])
    assert alpha_xlsx[4] == 15 and alpha_xlsx[6] == 0.6 and alpha_xlsx[8] == 48.13
    assert next(r for r in sheet[1:] if r[:2] == ["2026-Q1", "Bravo"])[2:] == [None] * 10


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_the_contacts_endpoint(contacts):
    body = api(contacts.leader_a).get("/api/v1/reports/contacts/", PERIOD | {"group_by": "team"}).json()
    q2 = next(r for r in body["results"] if r["quarter"] == "2026-Q2")
    assert {r["label"] for r in body["results"]} == {"Alpha"}
    assert q2 == {
        "quarter": "2026-Q2",
        "group": str(contacts.team_a.pk),
        "label": "Alpha",
        "cases": 25,
        "deadlines": 45,
        "met_on_time": 30,
        "missed": 15,
        "share_on_time": pytest.approx(2 / 3),
        "held": 30,
        "citizen_months": round(2200 / CITIZEN_MONTH_DAYS, 2),
        "held_per_citizen_month": pytest.approx(30 * CITIZEN_MONTH_DAYS / 2200),
        "no_shows": 10,
        "no_show_rate": 0.25,
    }
    assert api(contacts.leader_a).get("/api/v1/reports/contacts/", {"group_by": "arm"}).status_code == 400
    assert api(contacts.admin).get("/api/v1/reports/contacts/", {"group_by": "arm"}).status_code == 200
    assert api(contacts.caseworker_user).get("/api/v1/reports/contacts/").status_code == 404


def test_the_trial_page_and_endpoint_carry_the_contacts(client, contacts, trial):
    boss = contacts.admin
    url = reverse("reports:trial", args=[trial.pk])
    page = login(client, boss).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Contact and exits per arm" in page.content.decode()
    assert "Kontakt og afgange pr. arm" in client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    rows = rows_of(client.get(url, {"export": "contacts"}))
    header = rows[0]
    assert header[:4] == ["arm", "included", "share_job_or_education", "median_days_to_exit"]
    assert "share_on_time" in header and "held_per_citizen_month" in header
    assert [r[0] for r in rows[1:]] == ["Ordinary", "Low caseload"]
    assert rows_of(client.get(url, {"export": "contacts_by_quarter"}))[0][:2] == ["quarter", "arm"]
    body = api(boss).get(f"/api/v1/reports/trials/{trial.pk}/").json()
    assert set(body["arms"][0]["contacts"]) >= {"share_on_time", "held_per_citizen_month", "no_show_rate"}
    assert body["contacts_by_quarter"][0]["quarter"] == "2026-Q1"


def test_the_schema_documents_the_contacts_endpoint(world):
    response = api(world.admin).get("/api/schema/", {"format": "json"})
    path = response.json()["paths"]["/api/v1/reports/contacts/"]["get"]
    group_by = next(p for p in path["parameters"] if p["name"] == "group_by")
    assert set(group_by["schema"]["enum"]) == {"unit_type", "team", "jobcenter", "arm"}
    schema = path["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("ContactRowResults")
