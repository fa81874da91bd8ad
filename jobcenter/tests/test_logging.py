"""No CPR number in any log: Django's, Celery's and gunicorn's handlers all mask them.

Each test configures logging the way the process it stands for does (Django's LOGGING,
the Celery worker's set-up, gunicorn.conf.py), points every handler at a buffer, runs
something that carries a CPR number into the logs (a 404, a server error with the number
in its exception, a failing task), and reads the formatted output.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import logging.config
import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from cases.cpr import CprMaskingFilter
from jobcenter.celery import app as celery_app
from jobcenter.settings.base import logging_config
from staff.tests.factories import AdminFactory, JobcenterFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
CPR = "010190-1234"
CPR_PLAIN = "0101901234"
CPR_SHAPED = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")


def _all_loggers() -> list[logging.Logger]:
    manager = logging.Logger.manager
    return [logging.getLogger()] + [lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger)]


def _ours(handler: logging.Handler) -> bool:
    # pytest's own capturing handlers are not part of any deployment
    return not type(handler).__module__.startswith("_pytest")


def _unmasked_handlers() -> list[str]:
    return [
        f"{logger.name}: {handler!r}"
        for logger in _all_loggers()
        for handler in logger.handlers
        if _ours(handler)
        and not isinstance(handler, logging.NullHandler)  # writes nothing anywhere
        and not any(isinstance(f, CprMaskingFilter) for f in handler.filters)
    ]


def _buffer_every_handler() -> io.StringIO:
    buffer = io.StringIO()
    for logger in _all_loggers():
        for handler in logger.handlers:
            if _ours(handler) and isinstance(handler, logging.StreamHandler):
                handler.setStream(buffer)
    return buffer


def _assert_no_cpr(output: str) -> None:
    assert output.strip(), "nothing was logged: the test proves nothing"
    leaks = CPR_SHAPED.findall(output.replace("010190-XXXX", ""))
    assert not leaks, f"CPR-shaped numbers in the log: {leaks}\n{output}"


@pytest.fixture(params=["text", "json"])
def django_logging(request):
    """Django's LOGGING as a server process applies it, in either LOG_FORMAT; restored afterwards."""
    logging.config.dictConfig(logging_config(request.param))
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_every_handler_of_django_logging_masks(django_logging):
    assert _unmasked_handlers() == []
    # Django's default handlers ("django" console, mail to admins, runserver's access log)
    # are gone: their records go to the root's masked handler
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.server").handlers == []


def test_a_full_request_cycle_logs_no_cpr(django_logging):
    buffer = _buffer_every_handler()
    logging.getLogger().setLevel(logging.DEBUG)
    admin = AdminFactory()
    jobcenter = JobcenterFactory()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(admin)

    # a 404 whose URL carries the number (django.request logs the path)
    assert client.get(f"/cases/{CPR}/").status_code == 404
    assert client.get(f"/api/v1/citizens/{CPR_PLAIN}/").status_code == 404
    # a registration, with every SQL statement logged (django.db.backends, DEBUG)
    logging.getLogger("django.db.backends").setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        body = {"cpr": CPR, "name": "Test Borger", "jobcenter": jobcenter.pk}
        assert client.post("/api/v1/citizens/", body, format="json").status_code == 201
        # the same number again: a logged 400 (django.request, "Bad Request")
        assert client.post("/api/v1/citizens/", body, format="json").status_code == 400
        # a server error whose exception message and traceback carry the number
        with mock.patch("cases.services.citizen_create", side_effect=RuntimeError(f"cannot register {CPR}")):
            body["cpr"] = "020290-2345"
            assert client.post("/api/v1/citizens/", body, format="json").status_code == 500
    finally:
        connection.force_debug_cursor = False
        logging.getLogger("django.db.backends").setLevel(logging.NOTSET)

    output = buffer.getvalue()
    assert "Not Found: /cases/010190-XXXX/" in output
    assert "Internal Server Error: /api/v1/citizens/" in output and "Traceback" in output
    assert "RuntimeError: cannot register 010190-XXXX" in output
    assert "INSERT INTO" in output  # the SQL was logged, and it holds no plain number either
    _assert_no_cpr(output)


# --- Celery ------------------------------------------------------------------------------

# As the project's tasks log (allocation/tasks.py): a module logger, through the root's handler.
task_logger = logging.getLogger(__name__)


@celery_app.task(name="jobcenter.tests.leaky_task")
def leaky_task(cpr: str) -> None:
    task_logger.warning("looking for the citizen with CPR %s", cpr)
    raise LookupError(f"no citizen with CPR {cpr}")


@pytest.fixture
def worker_logging(django_logging):
    """Logging as `celery worker` sets it up inside a Django process (signals included)."""
    log = celery_app.log
    previous = log.already_setup
    log.already_setup = False
    try:
        log.setup_logging_subsystem(loglevel="INFO")
        yield
    finally:
        log.already_setup = previous
        logging.getLogger("celery.task").handlers.clear()


def test_the_worker_keeps_djangos_handlers_and_masks_the_ones_it_adds(worker_logging):
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False
    assert any(isinstance(f, CprMaskingFilter) for h in logging.getLogger().handlers for f in h.filters)
    assert logging.getLogger("celery.task").handlers, "celery added its task handler"
    assert _unmasked_handlers() == []


def test_a_failing_task_logs_no_cpr(worker_logging):
    buffer = _buffer_every_handler()
    # as a worker runs it: the failure is logged (celery.app.trace), not raised to a caller
    result = leaky_task.apply(args=[CPR], throw=False)
    assert result.failed()
    output = buffer.getvalue()
    assert "looking for the citizen with CPR 010190-XXXX" in output
    assert "no citizen with CPR 010190-XXXX" in output and "Traceback" in output
    _assert_no_cpr(output)


# --- gunicorn ----------------------------------------------------------------------------


def test_gunicorn_masks_its_access_and_error_logs():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    config = Config()
    for name in ("logconfig_dict", "errorlog"):
        config.set(name, getattr(conf, name))
    config.set("accesslog", "-")  # off by default (Django logs each request); masked when on
    try:
        Logger(config)
        for name in ("gunicorn.error", "gunicorn.access"):
            handlers = logging.getLogger(name).handlers
            assert handlers and all(any(isinstance(f, CprMaskingFilter) for f in h.filters) for h in handlers), name
        buffer = _buffer_every_handler()
        logging.getLogger("gunicorn.access").info('"GET /admin/cases/citizen/?q=%s HTTP/1.1" 302', CPR_PLAIN)
        logging.getLogger("gunicorn.error").error("worker failed on %s", CPR)
        output = buffer.getvalue()
        assert "q=010190-XXXX" in output
        _assert_no_cpr(output)
    finally:
        logging.config.dictConfig(settings.LOGGING)


# --- Journal text ------------------------------------------------------------------------

JOURNAL_TEXT = "Borgeren fortalte om sin misbrugsbehandling"


def test_journal_text_is_in_no_log(django_logging):
    """A journal note is personal data that no log may hold: not the request logging of a 400
    or a 500, not the answer to a database conflict (PostgreSQL's "Failing row contains (…)"
    would quote it), not the SQL statements."""
    from django.db import IntegrityError

    from allocation.tests.factories import open_case

    buffer = _buffer_every_handler()
    logging.getLogger().setLevel(logging.DEBUG)
    case = open_case()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(AdminFactory())
    url = f"/api/v1/cases/{case.pk}/journal/"
    try:
        assert client.post(url, {"kind": "note", "text": JOURNAL_TEXT}, format="json").status_code == 201
        assert client.get(url).status_code == 200
        # a 400 (django.request logs "Bad Request"), with the text beside the bad field
        assert client.post(url, {"kind": "diary", "text": JOURNAL_TEXT}, format="json").status_code == 400
        failing_row = IntegrityError(f'DETAIL:  Failing row contains (1, note, "{JOURNAL_TEXT}").')
        with mock.patch("casework.services.journal_write", side_effect=failing_row):
            assert client.post(url, {"kind": "note", "text": JOURNAL_TEXT}, format="json").status_code == 409
        with mock.patch("casework.services.journal_write", side_effect=RuntimeError("the journal broke")):
            assert client.post(url, {"kind": "note", "text": JOURNAL_TEXT}, format="json").status_code == 500
    finally:
        logging.getLogger().setLevel(logging.INFO)

    output = buffer.getvalue()
    assert "Internal Server Error: /api/v1/cases/" in output and "the journal broke" in output
    assert "integrity error answered with 409: IntegrityError" in output
    assert JOURNAL_TEXT not in output
    # and SQL, whose parameters carry the text, is never logged, whatever DJANGO_LOG_LEVEL says
    assert not logging.getLogger("django.db.backends").isEnabledFor(logging.DEBUG)
