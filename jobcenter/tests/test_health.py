"""/healthz and /readyz: 200 or 503 with nothing but a status, never a 500, no session.

The last test is the real thing: a private PostgreSQL cluster (test_outage's helper, never
the shared server), first without the schema, then migrated, then stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from staff.tests.factories import AdminFactory

from .test_outage import ROOT, database_gone, private_cluster  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("no-store") or "no-cache" in response["Cache-Control"]


def test_readyz_is_200_when_everything_answers_and_says_nothing_more():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_readyz_is_503_when_the_database_is_gone(database_gone):  # noqa: F811
    database_gone()
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
    assert response["Retry-After"].isdigit()


def test_healthz_stays_200_when_the_database_is_gone(database_gone):  # noqa: F811
    database_gone()
    assert Client().get("/healthz").status_code == 200


def test_readyz_is_503_while_a_migration_is_unapplied():
    MigrationRecorder.Migration.objects.filter(app="allocation").order_by("-id").first().delete()
    assert Client().get("/readyz").status_code == 503


def test_readyz_is_503_when_the_broker_does_not_answer(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    assert Client().get("/readyz").status_code == 503


def test_readyz_is_503_when_the_cache_does_not_answer(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    assert Client().get("/readyz").status_code == 503


def test_the_probes_pass_the_second_factor_wall_and_need_no_csrf(settings):
    settings.ADMIN_REQUIRE_OTP = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(AdminFactory())  # an administrator without the second factor
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 302  # while every page sends them to the login


def test_the_probes_take_only_safe_methods():
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/readyz").status_code == 405


def test_readyz_on_a_real_database_unmigrated_migrated_and_stopped(private_cluster):  # noqa: F811
    url, start, stop = private_cluster
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test"}
    env.pop("REDIS_URL", None)

    def probe() -> tuple[int, dict]:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
        )
        status, body = done.stdout.strip().splitlines()[-1].split(" ", 1)
        return int(status), json.loads(body)

    assert probe() == (503, {"status": "unavailable"})  # an empty database: nothing migrated
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=300
    )
    assert probe() == (200, {"status": "ok"})
    stop()
    assert probe() == (503, {"status": "unavailable"})
    start()


_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
for path in ("/healthz", "/readyz"):
    response = Client().get(path)
print(response.status_code, response.content.decode())
"""
