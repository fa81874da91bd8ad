"""Liveness and readiness for the container orchestrator and load balancer.

`/healthz`: the process answers (no database, nothing else). `/readyz`: the database
answers, no migration is left unapplied, the cache and the Celery broker answer. Both say
only `{"status": "ok"}` (200) or `{"status": "unavailable"}` (503): no versions, no
component names, no errors to anonymous clients; what failed is logged (a warning line).

Neither reads the session or the user (SecondFactorMiddleware lets them through), so a
probe costs no session row and works while the database is away.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)
_PROBE_KEY = "health:probe"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations() -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")


def _cache() -> None:
    cache.set(_PROBE_KEY, "1", timeout=10)
    if cache.get(_PROBE_KEY) != "1":
        raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    """Redis, or kombu's filesystem transport (its folders) without REDIS_URL."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=1, transport_options=options) as broker:
        broker.ensure_connection(max_retries=0, timeout=1)
        broker.channel().close()  # Redis answers; the filesystem transport has its folders


CHECKS = {"database": _database, "migrations": _migrations, "cache": _cache, "broker": _broker}


def _answer(ok: bool) -> JsonResponse:
    response = JsonResponse({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)
    if not ok:
        response["Retry-After"] = "10"
        response._has_been_logged = True  # the warning below is the log line, not a 5xx error
    return response


@never_cache
@require_safe
def healthz(request):
    return _answer(True)


@never_cache
@require_safe
def readyz(request):
    failed = []
    for name, check in CHECKS.items():
        if name == "migrations" and "database" in failed:
            continue
        try:
            check()
        except Exception as error:  # any failure is "not ready", never a 500
            failed.append(name)
            logger.warning("Not ready: %s (%s)", name, type(error).__name__)
    return _answer(not failed)
