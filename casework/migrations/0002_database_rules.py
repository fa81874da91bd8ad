"""What the database itself enforces for casework, and the default contact rules.

- The journal is append-only: UPDATE of an entry fails on both backends, and DELETE on
  PostgreSQL except in a reviewed retention deletion (triggers).
- PostgreSQL: no two planned meetings of one caseworker overlap (an exclusion constraint
  over the caseworker and the meeting's time range, with btree_gist), however many bookings
  race; a meeting that came with a reassigned case onto booked time is exempt.
- Every programme gets the contract's default rule (7, 183, 4, 91).
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE casework_meeting ADD CONSTRAINT meeting_no_double_booking
       EXCLUDE USING gist (caseworker_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
       WHERE (status = 'planned' AND NOT moved_onto_booked_time)""",
    # A DELETE passes only inside a transaction that says it is a reviewed retention
    # deletion (SET LOCAL casework.retention_deletion = 'on'); an UPDATE never does.
    """CREATE FUNCTION casework_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND current_setting('casework.retention_deletion', true) = 'on' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'the journal is append-only: correct an entry with a new one'
           USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'journal_append_only';
       END $$""",
    """CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON casework_journalentry
       FOR EACH ROW EXECUTE FUNCTION casework_journal_append_only()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS journal_append_only ON casework_journalentry",
    "DROP FUNCTION IF EXISTS casework_journal_append_only()",
    "ALTER TABLE casework_meeting DROP CONSTRAINT IF EXISTS meeting_no_double_booking",
]
# SQLite (the demo and a newcomer's tests) refuses updates; its DELETE stays open because
# Django empties tables with DELETE between transactional tests (PostgreSQL uses TRUNCATE,
# which no row trigger sees). The model refuses a delete on every backend.
SQLITE_FORWARD = [
    """CREATE TRIGGER journal_append_only_update BEFORE UPDATE ON casework_journalentry
       BEGIN SELECT RAISE(ABORT, 'journal_append_only: the journal is append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS journal_append_only_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def default_rules(apps, schema_editor):
    ContactRule = apps.get_model("casework", "ContactRule")
    for programme in ("standard", "flere_skal_med", "psychiatric", "trial"):
        ContactRule.objects.get_or_create(
            programme=programme,
            defaults={"first_within_days": 7, "first_period_days": 183, "first_period_meetings": 4, "then_every_days": 91},
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
        migrations.RunPython(default_rules, migrations.RunPython.noop),
    ]
