"""Benchmark: every report at national scale on PostgreSQL (target: each within a second).

    .venv/bin/python bench/reports.py            # builds jobcenter_bench_reports, then times
    .venv/bin/python bench/reports.py --reuse    # times again on the database already built

Scale: 98 jobcenters, 1,960 teams, 10,000 caseworkers, about 1,000,000 cases (about 620,000
open, 20,000 queued, 380,000 closed over the past year), a year of daily snapshots (about
3.65 million caseworker rows and 715,000 team rows), and a trial with 20,000 enrolments. The
data goes in with INSERT … SELECT generate_series; citizens carry a placeholder instead of
an encrypted CPR number, which no report reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.bulk import build, counts, create_database, timed  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "jobcenter_bench_reports")
JOBCENTERS, TEAMS_PER_JOBCENTER, CASEWORKERS = 98, 20, 10_000
TEAMS = JOBCENTERS * TEAMS_PER_JOBCENTER
CLOSED, QUEUED, DAYS, ENROLMENTS = 380_000, 20_000, 365, 20_000
OUTCOMES = "ARRAY['job','education','early_retirement','resource_course','flex_job','moved','other']"

BUILD_SQL = [
    f"""INSERT INTO staff_jobcenter (id, name, municipality_code, created_at, updated_at)
        SELECT g, 'Jobcenter ' || g, lpad((100 + g)::text, 3, '0'), now(), now()
        FROM generate_series(1, {JOBCENTERS}) g""",
    f"""INSERT INTO staff_team (id, name, unit_type, jobcenter_id, created_at, updated_at)
        SELECT t, 'Team ' || t,
               CASE WHEN t % 10 < 6 THEN 'standard' WHEN t % 10 < 8 THEN 'flere_skal_med'
                    WHEN t % 10 = 8 THEN 'psychiatric' ELSE 'trial' END,
               (t - 1) / {TEAMS_PER_JOBCENTER} + 1, now(), now()
        FROM generate_series(1, {TEAMS}) t""",
    f"""INSERT INTO auth_user (id, username, password, email, first_name, last_name, is_superuser, is_staff,
                               is_active, date_joined)
        SELECT g, 'user' || g, '!', 'user' || g || '@bench.dk', '', '', false, g = 1, true, now()
        FROM generate_series(1, {CASEWORKERS + TEAMS + 1}) g""",
    f"""INSERT INTO staff_team_leaders (team_id, user_id)
        SELECT t, {CASEWORKERS + 1} + t FROM generate_series(1, {TEAMS}) t""",
    f"""INSERT INTO staff_caseworker (id, user_id, full_name, team_id, role, fte, status, accepting_new_cases,
                                      notify_new_cases, meeting_reminders, cap, open_cases, created_at, updated_at)
        SELECT g, g + 1, 'Caseworker ' || g, t.id, t.unit_type, CASE WHEN g % 5 = 0 THEN 0.50 ELSE 1.00 END,
               'active', true, true, true, floor(p.cap * CASE WHEN g % 5 = 0 THEN 0.5 ELSE 1 END), 0, now(), now()
        FROM generate_series(1, {CASEWORKERS}) g
        JOIN staff_team t ON t.id = (g - 1) % {TEAMS} + 1
        JOIN staff_caseloadpolicy p ON p.role = t.unit_type""",
    """UPDATE staff_caseworker SET open_cases = greatest(0, CASE WHEN id % 40 = 0 THEN cap + 2
                                                    ELSE round(cap * 0.9 + (id % 7) - 3)::int END)""",
    "UPDATE staff_caseworker SET load_hundredths = open_cases * 100",
    f"""INSERT INTO cases_citizen (id, jobcenter_id, name, cpr, cpr_digest, birth_date, created_at, updated_at)
        SELECT g, (g % {JOBCENTERS}) + 1, 'Borger ' || g, 'bench-placeholder', md5(g::text),
               date '1960-01-01' + (g % 15000)::int, now(), now()
        FROM generate_series(1, (SELECT sum(open_cases) FROM staff_caseworker) + {QUEUED + CLOSED}) g""",
    """INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                               opened_at, assigned_at, outcome, created_at, updated_at)
        SELECT rn, rn, jobcenter_id, unit_type, CASE WHEN rn % 3 = 0 THEN 'jobparat' ELSE 'aktivitetsparat' END,
               'open', caseworker_id, at, at, '', now(), now()
        FROM (SELECT row_number() OVER () AS rn, t.jobcenter_id, t.unit_type, cw.id AS caseworker_id,
                     now() - ((n * 37 % 700) || ' days')::interval AS at
              FROM staff_caseworker cw JOIN staff_team t ON t.id = cw.team_id,
                   generate_series(1, cw.open_cases) n) numbered""",
    f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                               opened_at, assigned_at, closed_at, outcome, created_at, updated_at)
        SELECT m + g, m + g, t.jobcenter_id, t.unit_type,
               CASE WHEN g % 3 = 0 THEN 'jobparat' ELSE 'aktivitetsparat' END, 'closed', cw.id,
               closed - ((g * 7 % 500 + 14) || ' days')::interval,
               closed - ((g * 7 % 500 + 14) || ' days')::interval, closed,
               ({OUTCOMES})[g % 7 + 1], now(), now()
        FROM (SELECT max(id) AS m FROM cases_case) last,
             LATERAL (SELECT g, now() - ((g % {DAYS}) || ' days')::interval - ((g % 24) || ' hours')::interval AS closed
                      FROM generate_series(1, {CLOSED}) g) s
        JOIN staff_caseworker cw ON cw.id = s.g % {CASEWORKERS} + 1
        JOIN staff_team t ON t.id = cw.team_id""",
    f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, opened_at,
                               queued_at, outcome, created_at, updated_at)
        SELECT m + q, m + q, (q % {JOBCENTERS}) + 1, 'psychiatric', 'aktivitetsparat', 'queued',
               now() - ((q % 96) || ' hours')::interval, now() - ((q % 96) || ' hours')::interval, '', now(), now()
        FROM (SELECT max(id) AS m FROM cases_case) last, generate_series(1, {QUEUED}) q""",
    # Every eighth closed case waited in the queue before its caseworker took it.
    """INSERT INTO allocation_caseassignment (case_id, caseworker_id, assigned_at, ended_at, reason, note,
                                              created_at, updated_at)
        SELECT id, caseworker_id, opened_at + ((id % 100) || ' hours')::interval, closed_at,
               CASE WHEN id % 8 = 0 THEN 'queue' ELSE 'intake' END, '', now(), now()
        FROM cases_case WHERE status = 'closed'""",
    f"""INSERT INTO allocation_caseloadsnapshot (date, team_id, caseworker_id, open_cases, cap, fte, queued,
                                                created_at, updated_at)
        SELECT current_date - d, cw.team_id, cw.id,
               round(cw.open_cases * (1 + 0.3 * d / {DAYS}.0) * (0.95 + (cw.id * d % 11) / 100.0))::int,
               cw.cap, cw.fte, 0, now(), now()
        FROM staff_caseworker cw, generate_series(1, {DAYS}) d""",
    """INSERT INTO allocation_caseloadsnapshot (date, team_id, caseworker_id, open_cases, cap, fte, queued,
                                                created_at, updated_at)
        SELECT s.date, s.team_id, NULL, sum(s.open_cases), sum(s.cap), sum(s.fte),
               CASE WHEN t.unit_type = 'psychiatric' THEN 200 ELSE 0 END, now(), now()
        FROM allocation_caseloadsnapshot s JOIN staff_team t ON t.id = s.team_id
        WHERE s.caseworker_id IS NOT NULL GROUP BY s.date, s.team_id, t.unit_type""",
    """INSERT INTO cases_trial (id, name, hypothesis, jobcenter_id, starts_on, programme, target_group, seed,
                                created_at, updated_at)
        VALUES (1, 'Bench trial', '', 1, current_date - 365, 'standard', '', 'bench', now(), now())""",
    """INSERT INTO cases_trialarm (id, trial_id, name, ratio, created_at, updated_at)
        VALUES (1, 1, 'Ordinary', 1, now(), now()), (2, 1, 'Low caseload', 1, now(), now())""",
    """INSERT INTO cases_trialarm_teams (trialarm_id, team_id)
        SELECT CASE WHEN unit_type = 'standard' THEN 1 ELSE 2 END, id
        FROM staff_team WHERE jobcenter_id = 1 AND unit_type IN ('standard', 'trial')""",
    f"""INSERT INTO cases_trialenrolment (trial_id, case_id, arm_id, draw, excluded, drawn_at, created_at)
        SELECT 1, c.id, CASE WHEN t.unit_type = 'standard' THEN 1 ELSE 2 END, random(), '', c.opened_at, now()
        FROM cases_case c JOIN staff_caseworker cw ON cw.id = c.caseworker_id JOIN staff_team t ON t.id = cw.team_id
        WHERE c.jobcenter_id = 1 AND t.unit_type IN ('standard', 'trial')
        ORDER BY c.id LIMIT {ENROLMENTS}""",
]

SEQUENCES = [
    "staff_jobcenter",
    "staff_team",
    "auth_user",
    "staff_caseworker",
    "cases_citizen",
    "cases_case",
    "cases_trial",
    "cases_trialarm",
]


def scale() -> dict:
    return counts(
        [
            ("teams", "SELECT count(*) FROM staff_team"),
            ("caseworkers", "SELECT count(*) FROM staff_caseworker"),
            ("cases", "SELECT count(*) FROM cases_case"),
            ("closed cases", "SELECT count(*) FROM cases_case WHERE status = 'closed'"),
            ("snapshot rows", "SELECT count(*) FROM allocation_caseloadsnapshot"),
            ("trial enrolments", "SELECT count(*) FROM cases_trialenrolment"),
        ]
    )


def report_calls():
    """(label, callable) for every figure behind a page or an endpoint, as admin and as a leader."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from reports import presenters
    from reports.figures.capacity import capacity_plan
    from reports.figures.caseloads import caseload_trend, queue_now, queue_waiting
    from reports.figures.exits import exit_pattern, time_to_exit
    from reports.figures.keyfigures import key_figures
    from reports.figures.trial import trial_report
    from reports.scope import ReportFilter, report_scope
    from trials.models import Trial

    today = timezone.localdate()
    year = ReportFilter(date_from=today - datetime.timedelta(days=364), date_to=today)
    one_jobcenter = ReportFilter(date_from=year.date_from, date_to=today, jobcenter_id=1)
    quarter = ReportFilter(date_from=today - datetime.timedelta(days=90), date_to=today)
    users = get_user_model().objects
    admin = report_scope(users.get(pk=1))
    leader = report_scope(users.get(username=f"user{CASEWORKERS + 2}"))
    trial = Trial.objects.get(pk=1)
    calls = []
    for who, scope in (("admin", admin), ("leader", leader)):
        calls += [
            (f"{who}: caseloads per unit type, year (weekly)", lambda s=scope: caseload_trend(scope=s, filters=year)),
            (
                f"{who}: caseloads per unit type, 91 days (daily)",
                lambda s=scope: caseload_trend(scope=s, filters=quarter),
            ),
            (
                f"{who}: caseloads per jobcenter, year",
                lambda s=scope: caseload_trend(scope=s, filters=year, group_by="jobcenter"),
            ),
            (
                f"{who}: caseloads per team of a jobcenter, year",
                lambda s=scope: caseload_trend(scope=s, filters=one_jobcenter, group_by="team"),
            ),
            (f"{who}: queue waiting per month, year", lambda s=scope: queue_waiting(scope=s, filters=year)),
            (f"{who}: queue now", lambda s=scope: queue_now(scope=s, filters=year)),
            (f"{who}: exit pattern per unit type, year", lambda s=scope: exit_pattern(scope=s, filters=year)),
            (
                f"{who}: exit pattern per team of a jobcenter",
                lambda s=scope: exit_pattern(scope=s, filters=one_jobcenter, group_by="team"),
            ),
            (f"{who}: time to exit per unit type", lambda s=scope: time_to_exit(scope=s, filters=year)),
            (f"{who}: key figures per quarter", lambda s=scope: key_figures(scope=s, filters=year)),
            (f"{who}: capacity plan", lambda s=scope: capacity_plan(scope=s, filters=year, caps={"standard": 55})),
            (
                f"{who}: caseloads page (all its figures)",
                lambda s=scope: presenters.caseloads_page(scope=s, filters=year, group_by="unit_type"),
            ),
            (
                f"{who}: exits page (all its figures)",
                lambda s=scope: presenters.exits_page(scope=s, filters=year, group_by="unit_type"),
            ),
        ]
    enrolled = trial.enrolments.count()
    calls.append((f"admin: trial report ({enrolled:,} enrolments)", lambda: trial_report(trial=trial)))
    return calls


def measure(repeat: int) -> list[tuple[str, float]]:
    results = []
    for label, call in report_calls():
        call()  # warm the cache as a page in use would find it
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        results.append((label, median))
        print(f"  {label:<60} {median:8.3f} s{'   OVER 1 s' if median > 1 else ''}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="Time again on an existing bench database.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per report; the median is printed.")
    args = parser.parse_args()

    fresh = create_database(server=SERVER, database=DATABASE, reuse=args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "jobcenter.settings.test"
    import django

    django.setup()
    print(f"database {DATABASE}")
    if fresh:
        print("build:")
        timed("build, total", build, statements=BUILD_SQL, sequences=SEQUENCES)
    print("scale:", ", ".join(f"{value:,} {label}" for label, value in scale().items()))
    print("timings (median of --repeat runs, warm):")
    results = measure(args.repeat)
    slow = [label for label, seconds in results if seconds > 1]
    print(f"{len(results) - len(slow)} of {len(results)} within a second")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
