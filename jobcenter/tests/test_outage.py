"""While the database is away, clients get 503 with Retry-After, not 500 — and service returns.

The first tests break the database connection inside the test process (every query raises
what psycopg raises for a lost server). The last one is the real thing: its own PostgreSQL
cluster (never the shared one), a real gunicorn, the cluster stopped hard while the server
runs, then started again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from core.outage import OutageLogFilter, is_outage
from staff.tests.factories import AdminFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_gone(monkeypatch):
    """From now on every query fails as it does when the server has gone away."""

    def unreachable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    def start():
        for name in ("execute", "executemany"):
            monkeypatch.setattr(CursorWrapper, name, unreachable)

    return start


@pytest.mark.django_db
def test_an_api_request_that_meets_no_database_is_a_json_503_with_retry_after(database_gone, caplog):
    client = Client()
    client.force_login(AdminFactory())
    database_gone()

    with caplog.at_level(logging.INFO):
        response = client.get("/api/v1/cases/")

    assert response.status_code == 503
    assert response["Retry-After"].isdigit() and response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no error storm


@pytest.mark.django_db
def test_a_page_that_meets_no_database_is_the_sites_503_page(database_gone):
    client = Client()
    client.force_login(AdminFactory())
    database_gone()

    response = client.get("/")

    assert response.status_code == 503 and response["Retry-After"]
    assert "<html" in response.text and "prøv igen" in response.text.lower()  # Danish, the default


def test_the_log_filter_turns_an_outage_into_one_warning_line():
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
        )
    OutageLogFilter().filter(record)
    assert (record.levelno, record.exc_info) == (logging.WARNING, None)
    assert is_outage(OperationalError()) and not is_outage(ValueError())


# --- The real thing: a private cluster, stopped while gunicorn serves -----------------------

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*command: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)


def _get(url: str, token: str | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - localhost
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def private_cluster():
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("needs PostgreSQL's server binaries (initdb) for a private cluster")
    folder = Path(tempfile.mkdtemp(prefix="jobcenter-outage-"))
    shutil.chown(folder, "postgres") if os.geteuid() == 0 else None
    data, port = folder / "data", _free_port()
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start():
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start")

    def stop():
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")

    start()
    _as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "outage")
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/outage", start, stop
    finally:
        subprocess.run(
            [
                *(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []),
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_a_database_crash_is_503_while_it_lasts_and_service_comes_back_by_itself(private_cluster):
    url, start, stop = private_cluster
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DJANGO_CONN_MAX_AGE": "60",  # a persistent connection, as production keeps
        "GUNICORN_WORKERS": "1",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT, timeout=300)
    token = (
        subprocess.run(
            [*manage, "shell", "--no-imports", "-c", _MAKE_ADMIN_TOKEN],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "jobcenter.wsgi"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base)
        assert _get(f"{base}/api/v1/cases/", token)[0] == 200

        stop()  # the server's connection to the database dies under it
        outage = [
            _get(f"{base}/api/v1/cases/", token),
            _get(f"{base}/api/v1/me/", token),
            _get(f"{base}/accounts/login/"),
        ]

        start()
        back = _get(f"{base}/api/v1/cases/", token)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    for status, headers, body in outage[:2]:
        assert status == 503 and headers["Retry-After"].isdigit(), (status, body)
        assert "detail" in json.loads(body)
    assert outage[2][0] in (200, 503)  # the login page needs no database unless a session exists
    assert back[0] == 200, back
    assert "Traceback" not in output and " ERROR " not in output, output


_MAKE_ADMIN_TOKEN = """
from django.contrib.auth import get_user_model
from knox.models import AuthToken
user = get_user_model().objects.create_superuser("root", "root@example.dk", "Outage-Test-2026")
print(AuthToken.objects.create(user=user)[1])
"""


def _wait_until_serving(base: str) -> None:
    for _ in range(100):
        try:
            _get(f"{base}/accounts/login/")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")
