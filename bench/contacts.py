"""Benchmark: the contacts report at Copenhagen scale on PostgreSQL (target: each within a second).

    .venv/bin/python bench/contacts.py              # builds jobcenter_bench_contacts, then times
    .venv/bin/python bench/contacts.py --reuse      # times again on the database already built
    .venv/bin/python bench/contacts.py --citizens=300 --database=…   # a tiny run (the smoke test)

Scale (default): one jobcentre with 44,000 citizens in an open case (Copenhagen, 2017), about
1,000 caseworkers in 49 teams, 14,666 cases closed over the past year, and their meetings: a
jobsamtale about every 50 days from a few days after opening until today or the closing day
(one in seven a no-show, one in 23 cancelled, one in 11 of another kind) — about 480,000
meetings. A trial draws the past year's cases of the standard and trial units. The report
walks every case in scope with its meetings; the national benchmark (`bench/reports.py`) has
no meetings.
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
CASES_PER_CASEWORKER, CASEWORKERS_PER_TEAM = 44, 20
OUTCOMES = "ARRAY['job','education','early_retirement','resource_course','flex_job','moved','other']"


def build_sql(citizens: int) -> list[str]:
    caseworkers = max(citizens // CASES_PER_CASEWORKER, 1)
    teams = max(caseworkers // CASEWORKERS_PER_TEAM, 2)
    closed = citizens // 3
    return [
        """INSERT INTO staff_jobcenter (id, name, municipality_code, created_at, updated_at)
           VALUES (1, 'Jobcenter København', '101', now(), now())""",
        f"""INSERT INTO staff_team (id, name, unit_type, jobcenter_id, created_at, updated_at)
            SELECT t, 'Team ' || t,
                   CASE WHEN t % 20 < 16 THEN 'standard' WHEN t % 20 < 18 THEN 'flere_skal_med'
                        WHEN t % 20 = 18 THEN 'psychiatric' ELSE 'trial' END, 1, now(), now()
            FROM generate_series(1, {teams}) t""",
        f"""INSERT INTO auth_user (id, username, password, email, first_name, last_name, is_superuser, is_staff,
                                   is_active, date_joined)
            SELECT g, 'user' || g, '!', 'user' || g || '@bench.dk', '', '', g = 1, g = 1, true, now()
            FROM generate_series(1, {caseworkers + teams + 1}) g""",
        f"""INSERT INTO staff_team_leaders (team_id, user_id)
            SELECT t, {caseworkers + 1} + t FROM generate_series(1, {teams}) t""",
        f"""INSERT INTO staff_caseworker (id, user_id, full_name, team_id, role, fte, status, accepting_new_cases,
                                          cap, open_cases, notify_new_cases, meeting_reminders, created_at, updated_at)
            SELECT g, g + 1, 'Caseworker ' || g, t.id, t.unit_type, 1.00, 'active', true, 50, 0, true, true,
                   now(), now()
            FROM generate_series(1, {caseworkers}) g JOIN staff_team t ON t.id = (g - 1) % {teams} + 1""",
        f"""INSERT INTO cases_citizen (id, jobcenter_id, name, cpr, cpr_digest, birth_date, created_at, updated_at)
            SELECT g, 1, 'Borger ' || g, 'bench-placeholder', md5(g::text), date '1960-01-01' + (g % 15000)::int,
                   now(), now()
            FROM generate_series(1, {citizens + closed}) g""",
        f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                                   opened_at, assigned_at, outcome, created_at, updated_at)
            SELECT n, n, 1, t.unit_type, CASE WHEN n % 3 = 0 THEN 'jobparat' ELSE 'aktivitetsparat' END, 'open',
                   cw.id, now() - ((n * 37 % 700) || ' days')::interval, now() - ((n * 37 % 700) || ' days')::interval,
                   '', now(), now()
            FROM generate_series(1, {citizens}) n
            JOIN staff_caseworker cw ON cw.id = (n - 1) % {caseworkers} + 1
            JOIN staff_team t ON t.id = cw.team_id""",
        f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                                   opened_at, assigned_at, closed_at, outcome, created_at, updated_at)
            SELECT {citizens} + g, {citizens} + g, 1, t.unit_type,
                   CASE WHEN g % 3 = 0 THEN 'jobparat' ELSE 'aktivitetsparat' END, 'closed', cw.id,
                   s.closed - ((g * 7 % 500 + 14) || ' days')::interval,
                   s.closed - ((g * 7 % 500 + 14) || ' days')::interval, s.closed, ({OUTCOMES})[g % 7 + 1],
                   now(), now()
            FROM (SELECT g, now() - ((g % 365) || ' days')::interval AS closed
                  FROM generate_series(1, {closed}) g) s
            JOIN staff_caseworker cw ON cw.id = (s.g - 1) % {caseworkers} + 1
            JOIN staff_team t ON t.id = cw.team_id""",
        """UPDATE staff_caseworker cw SET open_cases = o.n, load_hundredths = o.n * 100
           FROM (SELECT caseworker_id, count(*) AS n FROM cases_case WHERE status = 'open' GROUP BY 1) o
           WHERE o.caseworker_id = cw.id""",
        """INSERT INTO casework_meeting (case_id, caseworker_id, starts_at, ends_at, kind, channel, location, status,
                                         held_at, moved_onto_booked_time, created_at, updated_at)
           SELECT c.id, c.caseworker_id, s.at, s.at + interval '45 minutes',
                  CASE WHEN (c.id + s.n) % 11 = 0 THEN 'other' ELSE 'jobsamtale' END, 'in_person', '', s.status,
                  CASE WHEN s.status = 'held' THEN s.at END, false, now(), now()
           FROM cases_case c,
                LATERAL (SELECT n,
                                date_trunc('day', c.opened_at) + ((4 + n * 50 + c.id % 9) || ' days')::interval
                                    + ((9 + c.id % 7) || ' hours')::interval AS at,
                                CASE WHEN (c.id + n) % 7 = 0 THEN 'no_show' WHEN (c.id + n) % 23 = 0 THEN 'cancelled'
                                     ELSE 'held' END AS status
                         FROM generate_series(0, 15) n) s
           WHERE s.at < least(coalesce(c.closed_at, now()), now())""",
        """INSERT INTO cases_trial (id, name, hypothesis, jobcenter_id, starts_on, programme, target_group, seed,
                                    created_at, updated_at)
           VALUES (1, 'Lærkevej (bench)', '', 1, current_date - 365, 'standard', '', 'bench', now(), now())""",
        """INSERT INTO cases_trialarm (id, trial_id, name, ratio, created_at, updated_at)
           VALUES (1, 1, 'Ordinary', 1, now(), now()), (2, 1, 'Low caseload', 1, now(), now())""",
        """INSERT INTO cases_trialarm_teams (trialarm_id, team_id)
           SELECT CASE WHEN unit_type = 'standard' THEN 1 ELSE 2 END, id
           FROM staff_team WHERE unit_type IN ('standard', 'trial')""",
        """INSERT INTO cases_trialenrolment (trial_id, case_id, arm_id, draw, excluded, drawn_at, created_at)
           SELECT 1, c.id, CASE WHEN t.unit_type = 'standard' THEN 1 ELSE 2 END, random(), '', c.opened_at, now()
           FROM cases_case c JOIN staff_caseworker cw ON cw.id = c.caseworker_id JOIN staff_team t ON t.id = cw.team_id
           WHERE t.unit_type IN ('standard', 'trial') AND c.opened_at >= now() - interval '365 days'""",
    ]


SEQUENCES = ["staff_jobcenter", "staff_team", "auth_user", "staff_caseworker", "cases_citizen", "cases_case"]
SEQUENCES += ["casework_meeting", "cases_trial", "cases_trialarm", "cases_trialenrolment"]


def scale() -> dict:
    return counts(
        [
            ("teams", "SELECT count(*) FROM staff_team"),
            ("caseworkers", "SELECT count(*) FROM staff_caseworker"),
            ("open cases", "SELECT count(*) FROM cases_case WHERE status = 'open'"),
            ("closed cases", "SELECT count(*) FROM cases_case WHERE status = 'closed'"),
            ("meetings", "SELECT count(*) FROM casework_meeting"),
            ("trial enrolments", "SELECT count(*) FROM cases_trialenrolment"),
        ]
    )


def report_calls(caseworkers: int):
    """(label, callable) for every contacts figure behind a page or an endpoint."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from reports import presenters
    from reports.figures.contacts import contact_report
    from reports.figures.trial import trial_report
    from reports.scope import ReportFilter, report_scope
    from trials.models import Trial

    today = timezone.localdate()
    year = ReportFilter(date_from=today - datetime.timedelta(days=364), date_to=today)
    users = get_user_model().objects
    admin = report_scope(users.get(pk=1))
    leader = report_scope(users.get(username=f"user{caseworkers + 2}"))
    trial = Trial.objects.get(pk=1)
    enrolled = trial.enrolments.count()
    return [
        ("admin: contacts per unit type, a year", lambda: contact_report(scope=admin, filters=year)),
        ("admin: contacts per team, a year", lambda: contact_report(scope=admin, filters=year, group_by="team")),
        ("admin: contacts per trial arm, a year", lambda: contact_report(scope=admin, filters=year, group_by="arm")),
        ("leader: contacts per team, a year", lambda: contact_report(scope=leader, filters=year, group_by="team")),
        (
            "admin: contacts page (all its figures)",
            lambda: presenters.contacts_page(scope=admin, filters=year, group_by="unit_type"),
        ),
        (f"admin: trial report with contacts ({enrolled:,} enrolments)", lambda: trial_report(trial=trial)),
    ]


def measure(calls, repeat: int) -> list[tuple[str, float]]:
    results = []
    for label, call in calls:
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
    parser.add_argument("--citizens", type=int, default=44_000, help="Citizens with an open case.")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "jobcenter_bench_contacts"))
    args = parser.parse_args()

    fresh = create_database(server=SERVER, database=args.database, reuse=args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{args.database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "jobcenter.settings.test"
    import django

    django.setup()
    print(f"database {args.database}")
    if fresh:
        print("build:")
        timed("build, total", build, statements=build_sql(args.citizens), sequences=SEQUENCES)
    figures = scale()
    print("scale:", ", ".join(f"{value:,} {label}" for label, value in figures.items()))
    print("timings (median of --repeat runs, warm):")
    results = measure(report_calls(figures["caseworkers"]), args.repeat)
    slow = [label for label, seconds in results if seconds > 1]
    print(f"{len(results) - len(slow)} of {len(results)} within a second")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
