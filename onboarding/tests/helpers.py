from __future__ import annotations

import csv
import io

from cases.tests.factories import synthetic_cpr
from onboarding import caseload, organisation, services
from onboarding.models import ImportKind, ImportRun


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode()


def organisation_file(rows: list[dict]) -> bytes:
    return csv_bytes(organisation.COLUMNS, rows)


def caseload_file(rows: list[dict]) -> bytes:
    return csv_bytes(caseload.COLUMNS, rows)


def person(username, team="Team A", unit_type="flere_skal_med", **extra) -> dict:
    return {
        "municipality_code": "101",
        "jobcenter": "Jobcenter København",
        "team": team,
        "unit_type": unit_type,
        "username": username,
        "full_name": f"{username.title()} Hansen",
        "email": f"{username}@kk.dk",
        "role": unit_type,
        "fte": "1",
        **extra,
    }


def citizen_row(caseworker="anna", programme="flere_skal_med", cpr=None, **extra) -> dict:
    return {
        "cpr": cpr or synthetic_cpr(),
        "name": "Borger Jensen",
        "municipality_code": "101",
        "programme": programme,
        "target_group": "aktivitetsparat",
        "complexity": "complex",
        "caseworker": caseworker,
        "opened_on": "2023-03-01",
        **extra,
    }


def run_import(*, kind: str, content: bytes, by, commit: bool, name: str = "file.csv") -> ImportRun:
    run = services.import_run_create(kind=kind, file_name=name, content=content, by=by)
    run = services.import_run_plan(run=run)
    if commit:
        run = services.import_run_confirm(run=run, by=by)
        run = services.import_run_commit(run=run)
    return run


def import_organisation(rows, by, commit=True):
    return run_import(kind=ImportKind.ORGANISATION, content=organisation_file(rows), by=by, commit=commit)


def import_caseload(rows, by, commit=True):
    return run_import(kind=ImportKind.CASELOAD, content=caseload_file(rows), by=by, commit=commit)


def meetings_file(rows: list[dict]) -> bytes:
    from onboarding import meetings

    return csv_bytes(meetings.COLUMNS, rows)


def meeting_row(cpr: str, starts_at: str, **extra) -> dict:
    return {"cpr": cpr, "municipality_code": "101", "starts_at": starts_at, "kind": "jobsamtale", **extra}


def import_meetings(rows, by, commit=True):
    return run_import(kind=ImportKind.MEETINGS, content=meetings_file(rows), by=by, commit=commit)
