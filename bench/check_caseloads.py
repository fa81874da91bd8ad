"""Benchmark: the caseload check and the nightly snapshot at national scale, on PostgreSQL.

    .venv/bin/python bench/check_caseloads.py            # builds jobcenter_bench_alerts, then times
    .venv/bin/python bench/check_caseloads.py --reuse    # times again on the database already built

Scale: 98 jobcenters, 20,000 caseworkers (about 2,000 teams of four unit types), about
1,000,000 open cases, about 2% of the caseworkers over their cap, and 5,000 queued cases
(half of them queued too long) in the psychiatric pools of 49 jobcenters that are full.
The data goes in with INSERT … SELECT generate_series: the build takes about two minutes.
Citizens carry a placeholder instead of an encrypted CPR number: neither the check nor the
snapshot reads it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulk import build, counts, create_database, timed  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "jobcenter_bench_alerts")
JOBCENTERS, CASEWORKERS, TEAMS_PER_JOBCENTER, QUEUED, FULL_JOBCENTERS = 98, 20_000, 20, 5_000, 49
LOAD = 0.653  # open cases per unit of cap: 20,000 caseworkers' caps hold about 1,000,000 cases at this load

BUILD_SQL = [
    f"""INSERT INTO staff_jobcenter (id, name, municipality_code, created_at, updated_at)
        SELECT g, 'Jobcenter ' || g, lpad((100 + g)::text, 3, '0'), now(), now()
        FROM generate_series(1, {JOBCENTERS}) g""",
    f"""INSERT INTO staff_team (id, name, unit_type, jobcenter_id, created_at, updated_at)
        SELECT t, 'Team ' || t,
               CASE WHEN t % 10 < 6 THEN 'standard' WHEN t % 10 < 8 THEN 'flere_skal_med'
                    WHEN t % 10 = 8 THEN 'psychiatric' ELSE 'trial' END,
               (t - 1) / {TEAMS_PER_JOBCENTER} + 1, now(), now()
        FROM generate_series(1, {JOBCENTERS * TEAMS_PER_JOBCENTER}) t""",
    f"""INSERT INTO auth_user (id, username, password, email, first_name, last_name, is_superuser, is_staff,
                               is_active, date_joined)
        SELECT g, 'user' || g, '!', 'user' || g || '@bench.dk', '', '', false, false, true, now()
        FROM generate_series(1, {CASEWORKERS + JOBCENTERS * TEAMS_PER_JOBCENTER}) g""",
    f"""INSERT INTO staff_team_leaders (team_id, user_id)
        SELECT t, {CASEWORKERS} + t FROM generate_series(1, {JOBCENTERS * TEAMS_PER_JOBCENTER}) t""",
    f"""INSERT INTO staff_caseworker (id, user_id, full_name, team_id, role, fte, status, accepting_new_cases,
                                      notify_new_cases, meeting_reminders, cap, open_cases, created_at, updated_at)
        SELECT g, g, 'Caseworker ' || g, t.id, t.unit_type, 1.00, 'active', true, true, true, p.cap, 0, now(), now()
        FROM generate_series(1, {CASEWORKERS}) g
        JOIN staff_team t ON t.id = (g - 1) % {JOBCENTERS * TEAMS_PER_JOBCENTER} + 1
        JOIN staff_caseloadpolicy p ON p.role = t.unit_type""",
    # How many cases each caseworker holds: about LOAD of the cap; every fiftieth is over it;
    # the psychiatric units of the first FULL_JOBCENTERS jobcenters are full, which is why
    # their pools have a queue (a queue beside free capacity would be drained at once).
    f"""UPDATE staff_caseworker cw SET open_cases =
          CASE WHEN cw.id % 50 = 0 THEN cw.cap + 1 + cw.id % 3
               WHEN t.unit_type = 'psychiatric' AND t.jobcenter_id <= {FULL_JOBCENTERS} THEN cw.cap
               ELSE round(cw.cap * {LOAD} + (cw.id % 7) - 3)::int END
        FROM staff_team t WHERE t.id = cw.team_id""",
    # every case weighs 1 (the defaults): the load is the count, in hundredths
    "UPDATE staff_caseworker SET load_hundredths = open_cases * 100",
    f"""INSERT INTO cases_citizen (id, jobcenter_id, name, cpr, cpr_digest, birth_date, created_at, updated_at)
        SELECT g, (g % {JOBCENTERS}) + 1, 'Borger ' || g, 'bench-placeholder', md5(g::text),
               date '1970-01-01' + (g % 15000)::int, now(), now()
        FROM generate_series(1, (SELECT sum(open_cases) FROM staff_caseworker) + {QUEUED}) g""",
    """INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, caseworker_id,
                               opened_at, assigned_at, outcome, created_at, updated_at)
        SELECT rn, rn, jobcenter_id, unit_type, 'aktivitetsparat', 'open', caseworker_id, at, at, '', now(), now()
        FROM (SELECT row_number() OVER () AS rn, t.jobcenter_id, t.unit_type, cw.id AS caseworker_id,
                     now() - (n || ' hours')::interval AS at
              FROM staff_caseworker cw JOIN staff_team t ON t.id = cw.team_id,
                   generate_series(1, cw.open_cases) n) numbered""",
    f"""INSERT INTO cases_case (id, citizen_id, jobcenter_id, programme, target_group, status, opened_at,
                               queued_at, outcome, created_at, updated_at)
        SELECT m + q, m + q, (q % {FULL_JOBCENTERS}) + 1, 'psychiatric', 'jobparat', 'queued',
               now() - interval '100 hours', now() - ((q % 96) || ' hours')::interval, '', now(), now()
        FROM (SELECT max(id) AS m FROM cases_case) last, generate_series(1, {QUEUED}) q""",
]

# A bench build leaves every table it fills with its sequence behind; move them on.
SEQUENCES = [
    "staff_jobcenter",
    "staff_team",
    "auth_user",
    "staff_team_leaders",
    "staff_caseworker",
    "cases_citizen",
    "cases_case",
]


def scale() -> dict:
    return counts(
        [
            ("jobcenters", "SELECT count(*) FROM staff_jobcenter"),
            ("teams", "SELECT count(*) FROM staff_team"),
            ("caseworkers", "SELECT count(*) FROM staff_caseworker"),
            ("open cases", "SELECT count(*) FROM cases_case WHERE status = 'open'"),
            ("queued cases", "SELECT count(*) FROM cases_case WHERE status = 'queued'"),
            ("caseworkers over cap", "SELECT count(*) FROM staff_caseworker WHERE open_cases > cap"),
        ]
    )


def measure() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allocation import alerts, notifications, services, snapshots
    from allocation.models import Alert, CaseloadSnapshot

    Alert.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        result = timed("check, first run (opens every alert)", alerts.caseloads_check)
    print(f"    {result.as_dict()} in {len(queries)} queries")
    with CaptureQueriesContext(connection) as queries:
        result = timed("check, steady state (nothing changed)", alerts.caseloads_check)
    print(f"    {result.as_dict()} in {len(queries)} queries")
    sample = list(Alert.objects.filter(resolved_at__isnull=True).values_list("team_id", flat=True)[:1])
    timed("prompt check of one team", alerts.caseloads_check, team_ids=sample)
    sent = timed("e-mail leaders about the new alerts (locmem)", notifications.alerts_notify)
    print(f"    {sent} e-mails")
    sweep = timed("queue sweep alone (49 full pools)", services.queue_drain_all)
    print(f"    {sweep} cases placed")
    result = timed("periodic run: sweep + check + notify", alerts.caseloads_run)
    print(f"    {result.as_dict()}")
    result = timed("snapshot, first run", snapshots.caseloads_snapshot)
    timed("snapshot, re-run of the same date (replaces)", snapshots.caseloads_snapshot)
    print(f"    {result.as_dict()}; rows stored: {CaseloadSnapshot.objects.count()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="Time again on an existing bench database.")
    args = parser.parse_args()

    fresh = create_database(server=SERVER, database=DATABASE, reuse=args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "jobcenter.settings.test"  # locmem e-mail, no broker
    import django

    django.setup()
    print(f"database {DATABASE}")
    if fresh:
        print("build:")
        timed("build, total", build, statements=BUILD_SQL, sequences=SEQUENCES)
    print("scale:", ", ".join(f"{value:,} {label}" for label, value in scale().items()))
    print("timings:")
    measure()


if __name__ == "__main__":
    main()
