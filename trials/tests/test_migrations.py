"""The move of the trial models from `cases` into this app changed no table.

A database migrated when the models were the cases app's migrates forward with its rows,
its tables and its content types (and so permissions and admin history) intact.
"""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases import cpr
from cases.tests.factories import synthetic_cpr
from staff.tests.factories import TeamFactory
from trials.models import Trial, TrialArm, TrialEnrolment

# casework came later and depends on cases: going back to before the move unapplies it too.
BEFORE_THE_MOVE = [("cases", "0004_drop_indexes_led_by_another"), ("trials", None), ("casework", None)]
# tables of later migrations, which migrating forward rightly creates again
LATER_APPS = ("casework_", "cases_cprchange", "subject_access_", "retention_", "onboarding_")
MODELS = ["trial", "trialarm", "trialenrolment"]


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_migrates_forward_without_touching_tables():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    executor.loader.build_graph()
    # given a trial written by the old layout, and the content types Django made for it then
    old = executor.loader.project_state(BEFORE_THE_MOVE[:1]).apps
    team = TeamFactory(unit_type="standard")
    old_trial = old.get_model("cases", "Trial").objects.create(
        name="Lærkevej", jobcenter_id=team.jobcenter_id, programme="standard", starts_on="2026-01-01", seed="s"
    )
    arm = old.get_model("cases", "TrialArm").objects.create(trial=old_trial, name="Ordinary")
    arm.teams.add(team.pk)
    # (the citizen as the old layout had it too: today's services read tables of later migrations)
    number = synthetic_cpr()
    citizen = old.get_model("cases", "Citizen").objects.create(
        jobcenter_id=team.jobcenter_id,
        name="Borger",
        cpr=number,
        cpr_digest=cpr.digest(number),
        birth_date=cpr.parse(number).birth_date,
    )
    # (the case as the old layout had it: later migrations of cases, e.g. the complexity, are not applied)
    case = old.get_model("cases", "Case").objects.create(
        citizen_id=citizen.pk,
        jobcenter_id=team.jobcenter_id,
        programme="standard",
        status="queued",
        opened_at=timezone.now(),
    )
    old.get_model("cases", "TrialEnrolment").objects.create(
        trial=old_trial, case_id=case.pk, arm=arm, draw=0.5, drawn_at=case.opened_at
    )
    # (migrating back gave the content types back to cases, as they were before the move)
    old_types = {ct.model: ct.pk for ct in ContentType.objects.filter(app_label="cases", model__in=MODELS)}
    assert len(old_types) == 3 and not ContentType.objects.filter(app_label="trials").exists()
    permission = Permission.objects.get(content_type_id=old_types["trial"], codename="change_trial")
    tables = set(connection.introspection.table_names())
    # when it migrates forward
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then no table of the move was created, renamed or dropped, and the row is the new model's
    after = {t for t in connection.introspection.table_names() if not t.startswith(LATER_APPS)}
    assert after == {t for t in tables if not t.startswith(LATER_APPS)}
    assert Trial.objects.get().pk == old_trial.pk
    assert list(TrialArm.objects.get(pk=arm.pk).teams.all()) == [team]
    assert TrialEnrolment.objects.get(case_id=case.pk).arm_id == arm.pk
    assert {ct.model: ct.pk for ct in ContentType.objects.filter(app_label="trials")} == old_types
    assert not ContentType.objects.filter(app_label="cases", model__in=MODELS).exists()
    ContentType.objects.clear_cache()
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "trials"
