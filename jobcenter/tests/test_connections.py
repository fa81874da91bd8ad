"""Database connections are kept (issue 16): persistent by default on PostgreSQL, or
Django's psycopg pool with DATABASE_POOL; and a request then opens none of its own.

Settings are read once per process: each case imports them in a fresh interpreter."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connection
from django.test import Client

from .test_settings import _production, _run

PROBE_DB = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({k: db.get(k) for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'DISABLE_SERVER_SIDE_CURSORS')}"
    " | {'pool': db.get('OPTIONS', {}).get('pool')}))"
)


def _db(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def probe(monkeypatch):
    monkeypatch.setattr("jobcenter.tests.test_settings.PROBE", PROBE_DB)


def test_postgres_connections_are_persistent_and_checked_by_default(probe):
    db = _db(_production())
    assert db == {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True, "DISABLE_SERVER_SIDE_CURSORS": False, "pool": None}
    assert _db(_run("local", DATABASE_URL="postgres://u:p@h:5432/d"))["CONN_MAX_AGE"] == 60


def test_the_pool_replaces_persistent_connections(probe):
    db = _db(_production(DATABASE_POOL="true", DATABASE_POOL_MAX_SIZE="8"))
    assert db["CONN_MAX_AGE"] == 0  # Django refuses a pool beside persistent connections
    assert db["pool"] == {"min_size": 1, "max_size": 8, "timeout": 10.0}


def test_behind_pgbouncer_server_side_cursors_are_off(probe):
    db = _db(_production(DATABASE_PGBOUNCER="true", DJANGO_CONN_MAX_AGE="0"))
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is True and db["CONN_MAX_AGE"] == 0


def test_sqlite_keeps_no_connection_by_default(probe):
    assert _db(_run("local", DATABASE_URL="sqlite:////tmp/x.sqlite3"))["CONN_MAX_AGE"] == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pooled_connection_serves_queries_on_postgres():
    # A fresh interpreter with the pool on, against the test run's own server.
    code = (
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('SELECT 41 + 1'); print(cursor.fetchone()[0], "
        "type(connection.pool).__name__)"
    )
    import subprocess
    import sys

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_POOL": "true",
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.local",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["42", "ConnectionPool"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_is_reused_by_the_next_request(settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        client = Client()
        client.get("/accounts/login/")
        connection.ensure_connection()
        before = connection.connection
        client.get("/accounts/login/")
        assert connection.connection is before
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
