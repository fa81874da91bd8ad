"""Migrations expand before they contract, so that the running version serves while they run.

During an upgrade the old code keeps serving while `migrate` runs, and on several instances
for a while after (docs/operations.md, "Upgrades"). A NOT NULL column added to an existing
table must therefore carry a database default (`db_default`): the old code's INSERTs do not
name the column, and a default that only Python knows (`default=`) is dropped from the
column once the migration has filled the existing rows. Without any default the migration
cannot even fill them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]

# Added before the rule was written down, and applied everywhere since; the old version of
# those releases could not create these rows until the new one was up, which the compose
# stack (migrate, then gunicorn, in one instance) never showed. Kept so that the rule holds
# for everything after them.
ALLOWED = {
    # Caseworkers are created by administrators only (admin, API): none was created by the
    # old version during the migration of that release.
    ("staff", "0003_caseworker_email_choices", "caseworker", "meeting_reminders"),
    ("staff", "0003_caseworker_email_choices", "caseworker", "notify_new_cases"),
    # Caseload policies are one row per role, created by a data migration: no insert at all.
    ("staff", "0004_caseload_weight", "caseloadpolicy", "new_hire_months"),
    ("staff", "0004_caseload_weight", "caseloadpolicy", "new_hire_share"),
    ("staff", "0004_caseload_weight", "caseloadpolicy", "weight_complex"),
    ("staff", "0004_caseload_weight", "caseloadpolicy", "weight_simple"),
    ("staff", "0004_caseload_weight", "caseloadpolicy", "weight_very_complex"),
}


def _project_migrations() -> dict:
    """Ours, not those of Django and the libraries (which live in .venv, below ROOT too)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {}
    for key, migration in loader.disk_migrations.items():
        path = Path(sys.modules[migration.__module__].__file__).resolve()
        if path.is_relative_to(ROOT) and ".venv" not in path.relative_to(ROOT).parts:
            ours[key] = migration
    return ours


def not_null_columns_without_db_default(app_label: str, name: str, migration) -> list[tuple[str, str, str, str, str]]:
    """(app, migration, model, field, why) for every NOT NULL column this migration adds to a
    table that an earlier migration created."""
    created_here = {op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)}
    found = []
    for op in migration.operations:
        if not isinstance(op, migrations.AddField) or op.model_name_lower in created_here:
            continue
        field = op.field
        if field.many_to_many or field.null or field.has_db_default():
            continue
        why = "a default only Python knows" if field.has_default() and op.preserve_default else "no default at all"
        found.append((app_label, name, op.model_name_lower, op.name, why))
    return found


def test_no_migration_adds_a_not_null_column_that_the_running_version_cannot_insert():
    found = [
        problem
        for (app_label, name), migration in sorted(_project_migrations().items())
        for problem in not_null_columns_without_db_default(app_label, name, migration)
    ]
    offending = [problem for problem in found if problem[:4] not in ALLOWED]
    assert offending == [], (
        "add these NOT NULL columns with db_default= (or null=True, backfill, then constrain "
        f"in a later release): {offending}"
    )
    # the allow-list names only what is still there and still breaks the rule
    assert {problem[:4] for problem in found} == ALLOWED


def test_the_walk_sees_the_project_migrations_and_only_them():
    keys = set(_project_migrations())
    assert ("staff", "0004_caseload_weight") in keys and ("cases", "0006_caseload_weight") in keys
    assert not any(app in {"auth", "axes", "knox", "otp_totp", "sessions"} for app, _ in keys)


def test_the_rule_catches_what_it_must():
    def addfield(field, preserve_default=True):
        migration = migrations.Migration("0099_example", "cases")
        migration.operations = [
            migrations.AddField("case", "example", field, preserve_default=preserve_default),
            migrations.CreateModel("Fresh", [("id", models.BigAutoField(primary_key=True))]),
            migrations.AddField("fresh", "example", models.IntegerField()),  # a new table: fine
        ]
        return [why for *_, why in not_null_columns_without_db_default("cases", "0099_example", migration)]

    assert addfield(models.IntegerField()) == ["no default at all"]
    assert addfield(models.IntegerField(default=0), preserve_default=False) == ["no default at all"]
    assert addfield(models.IntegerField(default=0)) == ["a default only Python knows"]
    assert addfield(models.IntegerField(default=0, db_default=0)) == []
    assert addfield(models.IntegerField(null=True)) == []
