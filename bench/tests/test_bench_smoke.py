"""Tiny runs of the benchmarks that have a size of their own, so that they cannot rot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _sibling_database(url: str, suffix: str) -> str:
    """A database of the benchmark's own next to the test database, dropped afterwards."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


@pytest.mark.postgres
def test_the_benchmark_runs_and_finds_no_violation():
    url = _sibling_database(os.environ["DATABASE_URL"], "benchsmoke")
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "allocation.py"),
            "--workers=2",
            "--cases=50",
            "--history=40",
            "--returning=20",
            "--threads",
            "--profile=20",
            "--pgbench-seconds=1",
            f"--database-url={url}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    try:
        output = completed.stdout
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "a history of 40 closed cases, 50 intakes" in output and "10 returning citizens" in output
        # each kind of run without weights and with the realistic mix of complexities
        for label in ("processes", "threads"):
            for weights in ("unweighted", "weighted"):
                assert f"[{label}, {weights}] 50 intakes by 2 workers" in output
                assert f"[{label}, {weights}] open 50, queued 0, cap violations: 0, drift: 0, errors: 0" in output
            assert f"[compare] {label}: weighted ÷ unweighted" in output
        assert "[profile]" in output and "SQL statements per intake" in output
        assert "[pgbench] TPC-B" in output
        assert "[ratio] processes, unweighted:" in output and "[ratio] processes, weighted:" in output
        assert output.rstrip().endswith("OK")
    finally:
        _drop(url)
        _drop(_sibling_database(url, "pgbench"))


def _drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {parts.path.lstrip('/')} WITH (FORCE)")


@pytest.mark.postgres
def test_the_casework_benchmark_runs_with_constant_queries():
    url = _sibling_database(os.environ["DATABASE_URL"], "benchcasework")
    parts = urlsplit(url)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "casework.py"), "--citizens=600", "--repeat=2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={
            **os.environ,
            "BENCH_POSTGRES": urlunsplit(parts._replace(path="")),
            "BENCH_DATABASE": parts.path.lstrip("/"),
        },
    )
    try:
        output = completed.stdout
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "7 teams, 14 caseworkers" in output and "journal entries" in output
        for operation in ("Min dag: agenda", "case page:", "board:", "overview:", "alert:"):
            assert operation in output
        assert output.count("slowest query's plan:") == 7
        assert "QUERIES DEPEND ON SIZE" not in output
        assert output.rstrip().endswith("queries independent of size: yes")
    finally:
        _drop(url)


@pytest.mark.postgres
def test_the_contacts_benchmark_runs():
    url = _sibling_database(os.environ["DATABASE_URL"], "contactsmoke")
    parts = urlsplit(url)
    server = urlunsplit(parts._replace(path=""))
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "contacts.py"),
            "--citizens=300",
            "--repeat=1",
            f"--database={parts.path.lstrip('/')}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "BENCH_POSTGRES": server},
    )
    try:
        output = completed.stdout
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "scale: 2 teams, 6 caseworkers, 300 open cases, 100 closed cases" in output
        assert "admin: trial report with contacts" in output and "6 of 6 within a second" in output
    finally:
        _drop(url)


@pytest.mark.postgres
@pytest.mark.redis
def test_the_request_cost_benchmark_runs_against_its_floor():
    if shutil.which("wrk") is None and os.environ.get("JOBCENTER_REQUIRE_ALL_BACKENDS") != "1":
        pytest.skip("needs wrk (apt-get install wrk; .ci/run installs it)")
    url = _sibling_database(os.environ["DATABASE_URL"], "requestsmoke")
    parts = urlsplit(url)
    redis = urlsplit(os.environ["REDIS_URL"])
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "request_cost.py"),
            "--citizens=600",
            "--duration=1",
            "--connections=4",
            "--workers=2",
            "--think-ms=100",
            "--intake-citizens=3000",
        ],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=ROOT,
        env={
            **os.environ,
            "BENCH_POSTGRES": urlunsplit(parts._replace(path="")),
            "BENCH_DATABASE": parts.path.lstrip("/"),
            # a Redis database of its own beside the test run's
            "BENCH_REDIS": urlunsplit(redis._replace(path="/13")),
        },
    )
    try:
        output = completed.stdout
        assert completed.returncode == 0, completed.stdout + completed.stderr
        for label in ("GET /me/ (startproject middleware)", "GET /api/v1/me/", "POST /api/v1/cases/", "Min dag"):
            assert label in output
        assert "/api/v1/me/ ÷ floor" in output and "intake ÷ floor" in output
        assert "FAILED" not in output
        assert output.rstrip().endswith("caseworkers newly over cap after the intakes: 0")
    finally:
        _drop(url)
        _drop(_sibling_database(url, "floor"))  # the bare service's database
