"""Thin tasks: a run's id in, one service call. Safe to run twice: each acts only on a run in
the status it expects (a dry run only while pending, a commit only once confirmed)."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from allocation import broker
from core.reliability import RELIABLE

from . import services
from .models import ImportRun, ImportStatus

# A Copenhagen caseload takes minutes, not the 4 minutes every other task is given.
LONG = {**RELIABLE, "autoretry_for": (), "soft_time_limit": 1800, "time_limit": 1900}


@shared_task(name="onboarding.plan_import", **LONG)
def plan_import(run_id: int) -> str:
    run = ImportRun.objects.filter(pk=run_id, status=ImportStatus.PENDING).first()
    if run is None:
        return "skipped"
    return services.import_run_plan(run=run).status


@shared_task(name="onboarding.commit_import", **LONG)
def commit_import(run_id: int) -> str:
    run = ImportRun.objects.filter(pk=run_id, status=ImportStatus.COMMITTING).first()
    if run is None:
        return "skipped"
    return services.import_run_commit(run=run).status


def after_commit(task, run: ImportRun) -> None:
    """Send the run to the worker once its row has committed (`broker.publish`: never raises,
    never hangs; a run left pending is started again from its admin page)."""
    transaction.on_commit(lambda: broker.publish(task, kwargs={"run_id": run.pk}, what=task.name))
