"""Onboarding at Copenhagen's scale: the dry run and the commit of a caseload import.

    python bench/import_scale.py [--citizens 44000] [--cases 28000] [--caseworkers 300]
                                 [--database-url postgres://postgres@127.0.0.1:5432/jc_import]

Recreates the database named in the URL (it must be yours), migrates it, generates an
organisation file (teams of 15 in the four unit types) and a caseload file (synthetic CPR
numbers; `--cases` of the citizens with an open case, spread over the caseworkers, some
over cap), imports the organisation, then times the caseload's dry run and its commit
through the same services the admin's worker runs, and prints rows/s for each. Finally it
checks that no counter drifted and that re-running the file changes nothing.

Exit status 1 when a counter drifted, a row was refused, or the re-run changed something.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.allocation import recreate_database, setup_django  # noqa: E402

UNITS = ["standard", "flere_skal_med", "psychiatric", "trial"]


def organisation_rows(caseworkers: int) -> list[dict]:
    rows = []
    for i in range(caseworkers):
        unit = UNITS[i % len(UNITS)]
        rows.append(
            {
                "municipality_code": "101",
                "jobcenter": "Jobcenter København",
                "team": f"{unit} {i // 60 + 1}",
                "unit_type": unit,
                "username": f"cw{i:04d}",
                "full_name": f"Sagsbehandler {i}",
                "email": f"cw{i:04d}@kk.example",
                "role": unit,
                "fte": "0.5" if i % 10 == 0 else "1",
                "leader": "",
            }
        )
    return rows


def caseload_rows(citizens: int, cases: int, caseworkers: int, rng: random.Random) -> list[dict]:
    used: set[str] = set()
    rows = []
    for i in range(citizens):
        while True:
            day = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 60 * 365))
            number = f"{day:%d%m%y}-{rng.randrange(0, 4)}{rng.randrange(0, 1000):03d}"
            if number not in used:
                used.add(number)
                break
        row = {"cpr": number, "name": f"Borger {i}", "municipality_code": "101"}
        if i < cases:
            cw = rng.randrange(caseworkers)
            row |= {
                "programme": UNITS[cw % len(UNITS)],
                "target_group": rng.choice(["jobparat", "aktivitetsparat"]),
                "complexity": rng.choice(["simple", "complex", "complex", "very_complex"]),
                "caseworker": f"cw{cw:04d}",
                "opened_on": (datetime.date(2024, 1, 1) - datetime.timedelta(days=rng.randrange(0, 1500))).isoformat(),
            }
        rows.append(row)
    return rows


def meetings_rows(caseload: list[dict], today: datetime.date) -> list[dict]:
    """Per open case: two jobsamtaler held after it opened, and one booked in the coming
    weeks in a free hour of its caseworker's (eight a day)."""
    rows, booked = [], {}
    for row in caseload:
        if not row.get("programme"):
            continue
        opened = datetime.date.fromisoformat(row["opened_on"])
        for days in (10, 100):
            held = {"starts_at": f"{opened + datetime.timedelta(days=days)} 10:00", "status": "held"}
            rows.append({"cpr": row["cpr"], "municipality_code": "101", "kind": "jobsamtale", **held})
        n = booked[row["caseworker"]] = booked.get(row["caseworker"], -1) + 1
        day = today + datetime.timedelta(days=1 + n // 8)
        rows.append(
            {
                "cpr": row["cpr"],
                "municipality_code": "101",
                "kind": "jobsamtale",
                "starts_at": f"{day} {8 + n % 8:02d}:00",
                "status": "planned",
                "place": "Lokale 2",
            }
        )
    return rows


def as_csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode()


def three_runs(kind: str, content: bytes, rows: int, *, admin) -> bool:
    """The file's dry run, dry run + commit, and a re-run; printed. True when no row was
    refused and the re-run found every row unchanged."""
    from onboarding import services

    ok = True
    for label in ("dry run", "commit", "re-run (dry)"):
        run = services.import_run_create(kind=kind, file_name=f"{kind}.csv", content=content, by=admin)
        started = time.perf_counter()
        run = services.import_run_plan(run=run)
        if label == "commit":
            run = services.import_run_commit(run=services.import_run_confirm(run=run, by=admin))
        seconds = time.perf_counter() - started
        print(f"{label:>13}: {seconds:6.1f} s, {rows / seconds:7.0f} rows/s, {run.counts}")
        ok &= run.counts.get("refuse", 0) == 0
        if label == "re-run (dry)":
            ok &= run.counts.get("unchanged") == rows
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=44_000)
    parser.add_argument("--cases", type=int, default=None, help="default: 28/44 of the citizens")
    parser.add_argument("--caseworkers", type=int, default=300)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jc_import")
    )
    args = parser.parse_args()
    cases = args.cases if args.cases is not None else args.citizens * 28 // 44
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from allocation.reconcile import caseload_drift
    from onboarding import caseload, organisation, services
    from onboarding.models import ImportKind

    admin = get_user_model().objects.create_superuser("bench-admin", "admin@example.dk", None)
    org = as_csv(organisation.COLUMNS, organisation_rows(args.caseworkers))
    run = services.import_run_create(kind=ImportKind.ORGANISATION, file_name="org.csv", content=org, by=admin)
    started = time.perf_counter()
    services.import_run_commit(run=services.import_run_confirm(run=services.import_run_plan(run=run), by=admin))
    print(f"organisation: {args.caseworkers} caseworkers, dry run + commit {time.perf_counter() - started:.1f} s")

    from django.utils import timezone

    from onboarding import meetings

    rows = caseload_rows(args.citizens, cases, args.caseworkers, random.Random(17))
    content = as_csv(caseload.COLUMNS, rows)
    print(f"caseload file: {args.citizens} citizens, {cases} open cases, {len(content) / 1e6:.1f} MB")
    failed = not three_runs(ImportKind.CASELOAD, content, len(rows), admin=admin)
    meeting_rows = meetings_rows(rows, timezone.localdate())
    content = as_csv(meetings.COLUMNS, meeting_rows)
    print(
        f"meetings file: {len(meeting_rows)} meetings (two held, one booked per open case), {len(content) / 1e6:.1f} MB"
    )
    failed |= not three_runs(ImportKind.MEETINGS, content, len(meeting_rows), admin=admin)
    drift = caseload_drift()
    if drift:
        print("DRIFT:", *(d.describe() for d in drift[:10]), sep="\n  ")
    return 1 if failed or drift else 0


if __name__ == "__main__":
    sys.exit(main())
