"""Suite-wide wiring: backend-dependent tests skip visibly locally and fail in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_ALL = os.environ.get("JOBCENTER_REQUIRE_ALL_BACKENDS") == "1"
# axe-core for the accessibility checks: from npm (package.json), installed by `make test`.
AXE_CORE_JS = Path(os.environ.get("AXE_CORE_JS", Path(__file__).resolve().parent / "node_modules/axe-core/axe.min.js"))
_skipped_backend_tests: list[str] = []


def _database_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))


def _missing_backend(item) -> str | None:
    if item.get_closest_marker("postgres") and not _database_is_postgres():
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)"
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "needs Redis: set REDIS_URL=redis://... (.ci/run does)"
    if item.get_closest_marker("browser") and not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        return "needs Chromium at /usr/bin/chromium (apt-get install chromium)"
    if item.get_closest_marker("axe") and not AXE_CORE_JS.is_file():
        return f"needs axe-core at {AXE_CORE_JS} (npm ci; `make test` runs it where npm is installed)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = _missing_backend(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_logreport(report):
    if report.skipped and report.when == "setup" and "needs " in str(report.longrepr):
        _skipped_backend_tests.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_ALL and _skipped_backend_tests:
        print(f"\n{len(_skipped_backend_tests)} backend test(s) were skipped in CI; that is a failure:")
        for nodeid in _skipped_backend_tests:
            print(f"  {nodeid}")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def axe_core_source() -> str:
    """The text of axe.min.js, for tests marked `axe` (they skip, or fail in CI, without it)."""
    return AXE_CORE_JS.read_text(encoding="utf-8")


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    return bool(
        (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or {"transactional_db", "live_server"} & fixtures
    )


@pytest.fixture(autouse=True)
def _rows_from_data_migrations(request):
    """Transactional tests flush the database, data migrations' rows included; put them back.

    (serialized_rollback would, but it collides with the content types that the flush's
    post_migrate signal recreates.)
    """
    if _is_transactional(request):
        request.getfixturevalue("transactional_db")
        from staff.models import DEFAULT_POLICY_CAPS, CaseloadPolicy

        for role, cap in DEFAULT_POLICY_CAPS.items():
            CaseloadPolicy.objects.get_or_create(role=role, defaults={"cap": cap})


@pytest.fixture(autouse=True)
def _celery_may_join_results():
    """Celery keeps "inside a task, joining a result would block" in one process-wide flag,
    set and restored around every eager task. Eager tasks run at once in several threads (the
    concurrency tests: each intake sends its digest) can restore it in the wrong order and
    leave it set, and every later `.get()` in the process then refuses. Start each test clear."""
    from celery import _state

    _state._set_task_join_will_block(False)
