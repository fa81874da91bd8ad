"""Benchmark: the casework reads at Copenhagen scale on PostgreSQL (constant queries, fast).

    .venv/bin/python bench/casework.py              # builds jobcenter_bench_casework, then times
    .venv/bin/python bench/casework.py --reuse      # times again on the database already built
    .venv/bin/python bench/casework.py --citizens 600 --repeat 3    # a tiny run (the smoke test)

Scale (the default, Copenhagen in 2017, docs/domain.md): one jobcenter of 50 teams and 500
caseworkers (the units of bench/allocation.py), 44,000 citizens: about 33,000 open cases,
10,000 closed over the past year and 220 queued (some for longer than the first
conversation's week); a year of meetings, about two jobsamtaler per open case per quarter
(7 % no-shows, 4 % cancelled, a tenth of another kind), with planned ones from today on,
none overlapping; and the notes: one per meeting held or missed, a phone note after every
third, each case's opening decision, and a correction now and then. One team (the first)
is over its capacity and has held no conversation for four months, so overdue contacts
exist where the board and the alert look for them. The data goes in with INSERT … SELECT
generate_series; citizens carry a placeholder instead of an encrypted CPR number.

Per operation it prints the queries, and the median and 95th percentile in ms, for a small
and a large subject (a caseworker with few cases and with many, a case with a short and a
long journal, a small and a large team, one team and the whole jobcenter): the queries must
be the same for both, whatever the size (exit status 1 otherwise). Then the plan of the
large subject's slowest query (EXPLAIN ANALYZE): its time, the indexes it uses, and any
sequential scan of a big table.

The pages and endpoints that read these (Min dag, the case page, the board, the alert) are
built on other branches; this times the selectors they call, through the access scopes, as
a request would, with the user's Viewer read once beforehand (one query per request).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Run as a script, sys.path[0] is bench/, where this very file would shadow the `casework`
# app; the project root must come first.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.allocation import UNITS  # noqa: E402
from bench.bulk import build, counts, create_database, timed  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "jobcenter_bench_casework")
COPENHAGEN = 44_000
CLOSED_SHARE, QUEUED_SHARE = 10 / 44, 0.005
PAGE = 50
OUTCOMES = "ARRAY['job','education','early_retirement','resource_course','flex_job','moved','other']"
BIG_TABLES = {"cases_case", "casework_meeting", "casework_journalentry", "cases_citizen"}

NOTES = [
    "Jobsamtale afholdt ved personligt fremmøde. Vi talte om jobsøgning og ansøgninger siden sidst. "
    "Aftalt: borger søger mindst to job om ugen. Næste samtale om ca. 6 uger.",
    "Jobsamtale afholdt telefonisk. Vi talte om mulighed for virksomhedspraktik. "
    "Aftalt: jobcentret kontakter en virksomhed om praktik. Vi ses igen om 7 uger.",
    "Jobsamtale afholdt som videomøde. Vi talte om hvad borger kan holde til helbredsmæssigt. "
    "Aftalt: borger taler med egen læge inden næste samtale.",
    "Netværksmøde med borger og mentor. Aftalt: mentor kontaktes om et fast ugentligt møde.",
]
MISSED = "Borger udeblev fra jobsamtalen. Forsøgt kontakt telefonisk uden svar. Ny indkaldelse sendt."
PHONE = "Borger ringede om sin indkaldelse. Spørgsmålet er besvaret."
DECISION = "Borger er visiteret som aktivitetsparat. Kontaktforløbet er startet."
CORRECTION = "Rettelse til notatet: samtalen foregik telefonisk, ikke ved fremmøde."


@dataclass(frozen=True)
class Scale:
    citizens: int
    teams: list[tuple[str, int]]  # (unit type, teams)
    per_team: int

    @classmethod
    def of(cls, citizens: int) -> Scale:
        # Copenhagen's units at 44,000 citizens; smaller runs shrink teams and team size alike.
        shrink = min(1.0, citizens / COPENHAGEN) ** 0.5
        teams = [(unit, max(1, round(n * shrink))) for unit, n, _ in UNITS]
        return cls(citizens, teams, max(2, round(UNITS[0][2] * shrink)))

    @property
    def team_count(self) -> int:
        return sum(n for _, n in self.teams)

    @property
    def caseworkers(self) -> int:
        return self.team_count * self.per_team

    @property
    def closed(self) -> int:
        return round(self.citizens * CLOSED_SHARE)

    @property
    def queued(self) -> int:
        return max(5, round(self.citizens * QUEUED_SHARE))


def _text_array(texts: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + t.replace("'", "''") + "'" for t in texts) + "]"


def build_sql(scale: Scale) -> list[str]:
    teams = [unit for unit, n in scale.teams for _ in range(n)]
    team_rows = ", ".join(f"({i}, '{unit} {i}', '{unit}', 1, now(), now())" for i, unit in enumerate(teams, 1))
    caps = {"standard": 100, "flere_skal_med": 45, "psychiatric": 25, "trial": 50}
    capacity = sum(caps[unit] * scale.per_team for unit in teams)
    load = min(0.95, (scale.citizens - scale.closed - scale.queued) / capacity)
    cws, leaders_from = scale.caseworkers, scale.caseworkers + 2
    meeting_columns = """case_id, caseworker_id, starts_at, ends_at, kind, channel, location, status, held_at,
                         booked_by_id, status_changed_at, status_changed_by_id, moved_onto_booked_time,
                         created_at, updated_at"""
    return [
        """INSERT INTO staff_jobcenter (id, name, municipality_code, created_at, updated_at)
           VALUES (1, 'Jobcenter København', '101', now(), now())""",
        f"INSERT INTO staff_team (id, name, unit_type, jobcenter_id, created_at, updated_at) VALUES {team_rows}",
        # user 1 the administrator, then the caseworkers, then one leader per team
        f"""INSERT INTO auth_user (id, username, password, email, first_name, last_name, is_superuser, is_staff,
                                   is_active, date_joined)
            SELECT g, 'user' || g, '!', 'user' || g || '@bench.dk', '', '', g = 1, g = 1, true, now()
            FROM generate_series(1, {cws + len(teams) + 1}) g""",
        f"""INSERT INTO staff_team_leaders (team_id, user_id)
            SELECT t, {leaders_from - 1} + t FROM generate_series(1, {len(teams)}) t""",
        # team 1 is over its capacity: everyone in it holds two cases over their cap
        f"""INSERT INTO staff_caseworker (id, user_id, full_name, team_id, role, fte, status, accepting_new_cases,
                                          notify_new_cases, meeting_reminders, cap, open_cases, created_at,
                                          updated_at)
            SELECT g, g + 1, 'Sagsbehandler ' || g, t.id, t.unit_type, 1.00, 'active', true, true, true, p.cap,
                   CASE WHEN t.id = 1 THEN p.cap + 2 ELSE greatest(1, round(p.cap * {load} + (g % 7) - 3))::int END,
                   now(), now()
            FROM generate_series(1, {cws}) g
            JOIN staff_team t ON t.id = (g - 1) / {scale.per_team} + 1
            JOIN staff_caseloadpolicy p ON p.role = t.unit_type""",
        # every case weighs 1 (the defaults): the load is the count, in hundredths
        "UPDATE staff_caseworker SET load_hundredths = open_cases * 100",
        f"""INSERT INTO cases_citizen (id, jobcenter_id, name, cpr, cpr_digest, birth_date, created_at, updated_at)
            SELECT g, 1, 'Borger ' || g, 'bench-placeholder', md5(g::text), date '1960-01-01' + (g % 15000)::int,
                   now(), now()
            FROM generate_series(1, (SELECT sum(open_cases) FROM staff_caseworker) + {scale.closed + scale.queued})
                 g""",
        """INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                                   opened_at, assigned_at, outcome, created_at, updated_at)
           SELECT rn, rn, 1, unit_type, CASE WHEN rn % 3 = 0 THEN 'jobparat' ELSE 'aktivitetsparat' END, 'open',
                  caseworker_id, at, at, '', now(), now()
           FROM (SELECT row_number() OVER (ORDER BY cw.id, n) AS rn, t.unit_type, cw.id AS caseworker_id,
                        now() - ((n * 37 % 700) || ' days')::interval - ((n % 9) || ' hours')::interval AS at
                 FROM staff_caseworker cw JOIN staff_team t ON t.id = cw.team_id,
                      generate_series(1, cw.open_cases) n) numbered""",
        f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                                   opened_at, assigned_at, closed_at, outcome, created_at, updated_at)
            SELECT m + g, m + g, 1, t.unit_type, 'aktivitetsparat', 'closed', cw.id,
                   closed - ((g * 7 % 500 + 14) || ' days')::interval,
                   closed - ((g * 7 % 500 + 14) || ' days')::interval, closed,
                   ({OUTCOMES})[g % 7 + 1], now(), now()
            FROM (SELECT max(id) AS m FROM cases_case) last,
                 LATERAL (SELECT g, now() - ((g % 365) || ' days')::interval - ((g % 24) || ' hours')::interval
                                 AS closed
                          FROM generate_series(1, {scale.closed}) g) s
            JOIN staff_caseworker cw ON cw.id = s.g % {cws} + 1
            JOIN staff_team t ON t.id = cw.team_id""",
        # the queue of the psychiatric pool, some of it waiting for longer than a week
        f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, opened_at,
                                   queued_at, outcome, created_at, updated_at)
            SELECT m + q, m + q, 1, 'psychiatric', 'aktivitetsparat', 'queued',
                   now() - ((q * 7 % 240) || ' hours')::interval, now() - ((q * 7 % 240) || ' hours')::interval,
                   '', now(), now()
            FROM (SELECT max(id) AS m FROM cases_case) last, generate_series(1, {scale.queued}) q""",
        # A year of meetings of each open case: the k-th meeting of a caseworker with n cases
        # goes to their case k mod n, 365·k/(8n) days ago; none before the case opened, and
        # none in the past four months in team 1.
        f"""INSERT INTO casework_meeting ({meeting_columns})
            SELECT case_id, caseworker_id, starts_at, starts_at + interval '45 minutes', kind, channel, '', status,
                   CASE WHEN status = 'held' THEN starts_at + interval '50 minutes' END, user_id,
                   starts_at + interval '50 minutes', user_id, false, now(), now()
            FROM (SELECT c.id AS case_id, c.caseworker_id, cw.user_id,
                         date_trunc('day', now()) - ((1 + k * 365 / (8 * c.n)) || ' days')::interval
                           + ((7 + k % 8) || ' hours')::interval AS starts_at,
                         CASE WHEN k % 10 = 9 THEN 'other' ELSE 'jobsamtale' END AS kind,
                         (ARRAY['in_person','in_person','in_person','phone','video'])[(k % 5)::int + 1] AS channel,
                         CASE WHEN k % 14 = 3 THEN 'no_show' WHEN k % 25 = 7 THEN 'cancelled' ELSE 'held' END
                           AS status,
                         c.opened_at, cw.team_id
                  FROM (SELECT id, caseworker_id, opened_at,
                               row_number() OVER (PARTITION BY caseworker_id ORDER BY id) - 1 AS r,
                               count(*) OVER (PARTITION BY caseworker_id) AS n
                        FROM cases_case WHERE status = 'open') c
                  JOIN staff_caseworker cw ON cw.id = c.caseworker_id,
                       LATERAL generate_series(c.r, 8 * c.n - 1, c.n) k) m
            WHERE starts_at > opened_at AND NOT (team_id = 1 AND starts_at > now() - interval '120 days')""",
        f"""INSERT INTO casework_meeting ({meeting_columns})
            SELECT c.id, c.caseworker_id, at, at + interval '45 minutes', 'jobsamtale', 'in_person', '',
                   'held', at + interval '50 minutes', cw.user_id, at + interval '50 minutes', cw.user_id, false,
                   now(), now()
            FROM cases_case c JOIN staff_caseworker cw ON cw.id = c.caseworker_id,
                 LATERAL (SELECT c.closed_at - ((j * 45 + 3) || ' days')::interval AS at
                          FROM generate_series(0, 3) j) m
            WHERE c.status = 'closed' AND at > c.opened_at""",
        # Planned: seven of 70 % of the open cases per working hour, from today on; the s-th
        # planned meeting of a caseworker is in hour s mod 7 of day s / 7, so none overlap.
        f"""INSERT INTO casework_meeting ({meeting_columns})
            SELECT id, caseworker_id, at, at + interval '45 minutes', 'jobsamtale', 'in_person', 'Mødelokale 1',
                   'planned', NULL, user_id, NULL, NULL, false, now(), now()
            FROM (SELECT c.id, c.caseworker_id, cw.user_id,
                         date_trunc('day', now()) + ((s / 7) || ' days')::interval
                           + ((7 + s % 7) || ' hours')::interval AS at
                  FROM (SELECT id, caseworker_id,
                               row_number() OVER (PARTITION BY caseworker_id ORDER BY id) - 1 AS s
                        FROM cases_case WHERE status = 'open' AND id % 10 >= 3) c
                  JOIN staff_caseworker cw ON cw.id = c.caseworker_id) planned""",
        f"""INSERT INTO casework_journalentry (case_id, kind, text, written_by_id, written_at)
            SELECT c.id, 'decision', '{DECISION}', cw.user_id, c.opened_at + interval '1 hour'
            FROM cases_case c JOIN staff_caseworker cw ON cw.id = c.caseworker_id
            WHERE c.status <> 'queued'""",
        f"""INSERT INTO casework_journalentry (case_id, kind, text, written_by_id, written_at)
            SELECT case_id, CASE WHEN status = 'held' THEN 'meeting' ELSE 'note' END,
                   CASE WHEN status = 'held' THEN ({_text_array(NOTES)})[(id % {len(NOTES)})::int + 1]
                        ELSE '{MISSED}' END,
                   booked_by_id, ends_at + interval '20 minutes'
            FROM casework_meeting WHERE status IN ('held', 'no_show')""",
        f"""INSERT INTO casework_journalentry (case_id, kind, text, written_by_id, written_at)
            SELECT case_id, 'phone', '{PHONE}', booked_by_id, ends_at + interval '2 days'
            FROM casework_meeting
            WHERE status = 'held' AND id % 3 = 0 AND ends_at + interval '2 days' < now()""",
        f"""INSERT INTO casework_journalentry (case_id, kind, text, written_by_id, written_at, corrects_id)
            SELECT case_id, kind, '{CORRECTION}', written_by_id, written_at + interval '3 hours', id
            FROM casework_journalentry WHERE kind = 'meeting' AND id % 40 = 0""",
    ]


SEQUENCES = ["staff_jobcenter", "staff_team", "auth_user", "staff_caseworker", "cases_citizen", "cases_case"]


def scale_figures() -> dict:
    return counts(
        [
            ("teams", "SELECT count(*) FROM staff_team"),
            ("caseworkers", "SELECT count(*) FROM staff_caseworker"),
            ("citizens", "SELECT count(*) FROM cases_citizen"),
            ("open cases", "SELECT count(*) FROM cases_case WHERE status = 'open'"),
            ("closed cases", "SELECT count(*) FROM cases_case WHERE status = 'closed'"),
            ("queued cases", "SELECT count(*) FROM cases_case WHERE status = 'queued'"),
            ("meetings", "SELECT count(*) FROM casework_meeting"),
            ("planned", "SELECT count(*) FROM casework_meeting WHERE status = 'planned'"),
            ("journal entries", "SELECT count(*) FROM casework_journalentry"),
        ]
    )


# --- The operations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    label: str
    call: object  # () -> anything; evaluates what a page would show


def operations():
    """(name, small subject, large subject) for every read the casework pages make."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, F, Q
    from django.utils import timezone

    from access.doors import access_case
    from access.scopes import cases_visible_to, caseworkers_visible_to, teams_visible_to
    from access.viewer import viewer_of
    from cases.models import Case, CaseStatus
    from casework import contact_plan
    from casework.models import JournalEntry
    from casework.selectors import (
        agenda,
        contact_filter,
        contact_plan_of,
        contacts_overdue_count,
        journal_of_case,
        meetings_of_case,
        overdue_cases,
        with_contact_plan,
    )
    from staff.models import Caseworker, Team

    today = timezone.localdate()
    users = get_user_model().objects
    admin = viewer_of(users.get(pk=1))

    def viewer(user_id):
        return viewer_of(users.get(pk=user_id))

    def day_of(caseworker):
        me = viewer(caseworker.user_id)

        def run():
            day = agenda(cases=cases_visible_to(me), caseworker_id=caseworker.pk, day=today, today=today)
            return [list(day[part]) for part in ("meetings", "overdue", "due_soon", "new_cases")]

        return Subject(f"{caseworker.open_cases} open cases", run)

    def case_page(case_id, entries):
        me = viewer(Case.objects.get(pk=case_id).caseworker.user_id)

        def run():
            case = access_case(me, case_id)
            journal = journal_of_case(case)
            return list(journal[:PAGE]), journal.count(), list(meetings_of_case(case)), contact_plan_of(case)

        return Subject(f"{entries} journal entries", run)

    def team_cases(team, status):
        leader = viewer(team.leaders.get().pk)

        def run():
            cases = with_contact_plan(cases_visible_to(leader).filter(caseworker__team=team, status=CaseStatus.OPEN))
            if status:
                cases = contact_filter(cases, status, today=today)
            ordered = cases.select_related("citizen", "caseworker").order_by(
                F("next_contact_due").asc(nulls_last=True), "pk"
            )
            return list(ordered[:PAGE]), ordered.count()

        return Subject(f"{team.n} open cases", run)

    def board(team):
        leader = viewer(team.leaders.get().pk)

        def run():
            workers = caseworkers_visible_to(leader).filter(team=team)
            overdue = workers.annotate(contacts_overdue=contacts_overdue_count("caseworker", today=today))
            queue = cases_visible_to(leader).filter(
                status=CaseStatus.QUEUED, jobcenter_id=team.jobcenter_id, programme=team.unit_type
            )
            missed = contact_filter(with_contact_plan(queue), contact_plan.OVERDUE, today=today).count()
            return list(overdue), missed

        return Subject(f"{team.n} open cases", run)

    def overview(who, label):
        def run():
            teams = teams_visible_to(who).filter(jobcenter_id=1)
            return list(teams.annotate(contacts_overdue=contacts_overdue_count("caseworker__team", today=today)))

        return Subject(label, run)

    def alert(cases, label):
        def run():
            late = overdue_cases(cases, today=today, by_more_than_days=14)
            return list(late.order_by().values_list("caseworker__team_id", flat=True).distinct())

        return Subject(label, run)

    workers = Caseworker.objects.order_by("open_cases", "pk")
    teams = Team.objects.annotate(n=Count("caseworkers__cases", filter=Q(caseworkers__cases__status="open")))
    small_team, large_team = teams.order_by("n", "pk").first(), teams.order_by("-n", "pk").first()
    entries = (
        JournalEntry.objects.filter(case__status=CaseStatus.OPEN)
        .values("case_id")
        .annotate(n=Count("pk"))
        .order_by("n", "case_id")
    )
    few, many = entries.first(), entries.order_by("-n", "case_id").first()
    leader_of_large = viewer(large_team.leaders.get().pk)
    return [
        ("Min dag: agenda (meetings, overdue, due soon, new)", day_of(workers.first()), day_of(workers.last())),
        (
            "case page: journal page 1 + count, meetings, contact plan",
            case_page(few["case_id"], few["n"]),
            case_page(many["case_id"], many["n"]),
        ),
        ("team's cases with contact plan, page 1 + count", team_cases(small_team, None), team_cases(large_team, None)),
        (
            "team's cases, ?contact=overdue, page 1 + count",
            team_cases(small_team, contact_plan.OVERDUE),
            team_cases(large_team, contact_plan.OVERDUE),
        ),
        ("board: contacts_overdue per caseworker + queue missed", board(small_team), board(large_team)),
        (
            "overview: contacts_overdue per team",
            overview(leader_of_large, "a leader's team"),
            overview(admin, f"all {Team.objects.count()} teams"),
        ),
        (
            "alert: teams with a case > 14 days overdue",
            alert(Case.objects.filter(caseworker__team=large_team), "one team"),
            alert(Case.objects.filter(jobcenter_id=1), f"the jobcenter ({Case.objects.count():,} cases)"),
        ),
    ]


# --- Measuring --------------------------------------------------------------------------


def measure(subject: Subject, repeat: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subject.call()  # warm, as a page in use finds it
    with CaptureQueriesContext(connection) as captured:
        subject.call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subject.call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return len(captured), statistics.median(times), p95, captured.captured_queries


def explain(queries: list[dict]) -> str:
    """The plan of the slowest query (EXPLAIN ANALYZE of each): its time, the indexes used,
    and any sequential scan of a big table."""
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0]
            plans.append(plan[0] if isinstance(plan, list) else json.loads(plan)[0])
    plan = max(plans, key=lambda p: p["Execution Time"])
    indexes, seq = set(), set()

    def walk(node):
        if "Index Name" in node:
            indexes.add(node["Index Name"])
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
            seq.add(f"{node['Relation Name']} ({node.get('Actual Rows', 0) * node.get('Actual Loops', 1):,} rows)")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return (
        f"slowest query's plan: {plan['Execution Time']:.1f} ms; indexes: {', '.join(sorted(indexes)) or 'none'}; "
        f"seq scans of big tables: {', '.join(sorted(seq)) or 'none'}"
    )


def run(repeat: int) -> bool:
    constant = True
    print(f"  {'operation':<58} {'subject':<32} {'queries':>7} {'median':>9} {'p95':>9}")
    for name, small, large in operations():
        results = [(subject, measure(subject, repeat)) for subject in (small, large)]
        for i, (subject, (queries, median, p95, _)) in enumerate(results):
            print(f"  {name if i == 0 else '':<58} {subject.label:<32} {queries:>7} {median:>6.1f} ms {p95:>6.1f} ms")
        if results[0][1][0] != results[1][1][0]:
            constant = False
            print("    QUERIES DEPEND ON SIZE")
        print(f"    {explain(results[1][1][3])}")
    return constant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="Time again on an existing bench database.")
    parser.add_argument("--repeat", type=int, default=20, help="Runs per operation and subject (median, p95).")
    parser.add_argument("--citizens", type=int, default=COPENHAGEN, help="Size of the jobcenter (default Copenhagen).")
    args = parser.parse_args()

    fresh = create_database(server=SERVER, database=DATABASE, reuse=args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "jobcenter.settings.test"
    import django

    django.setup()
    print(f"database {DATABASE}")
    if fresh:
        print("build:")
        timed("build, total", build, statements=build_sql(Scale.of(args.citizens)), sequences=SEQUENCES)
    print("scale:", ", ".join(f"{value:,} {label}" for label, value in scale_figures().items()))
    print(f"timings (warm; {args.repeat} runs each):")
    constant = run(args.repeat)
    print("queries independent of size: " + ("yes" if constant else "NO"))
    sys.exit(0 if constant else 1)


if __name__ == "__main__":
    main()
