"""While the database or Redis is away: a plain 503 with Retry-After, never a 500.

A request that meets an unreachable database (or a Redis it needs) cannot be served, and
the client should be told so in a way it can act on: `503 Service Unavailable` with
`Retry-After`, JSON under /api/ and the site's own page elsewhere. Nothing acknowledged is
lost (the transaction never committed), so retrying later is the right advice.

Two ways in, one answer:
- `ServiceUnavailableMiddleware.process_exception`: an outage raised by a view (the usual
  case: the first query of the request);
- `outage_response`, which the project's 500 handler asks first: an outage raised inside
  another middleware (the session saved on the way out).
`OutageLogFilter` turns Django's "Internal Server Error" record with a traceback into one
warning line, so that an outage of five seconds is not hundreds of error reports.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
)


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGE_ERRORS)


def service_unavailable(request) -> HttpResponse:
    """The 503 itself; renders without touching the database (no user, no session)."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": _message()}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged once, as a warning, by whoever answers; Django would log every 5xx as an error.
    response._has_been_logged = True
    return response


def _message() -> str:
    return translation.gettext("The service is unavailable for a moment. Please try again shortly.")


def outage_response(request) -> HttpResponse | None:
    """For the 500 handler: the 503, when the exception being handled is an outage."""
    return service_unavailable(request) if is_outage(sys.exc_info()[1]) else None


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        logger.warning("Service unavailable (%s) for %s %s", type(exception).__name__, request.method, request.path)
        _leave_the_session_alone(request)
        return service_unavailable(request)


def _leave_the_session_alone(request) -> None:
    """The session could not be read, so it must not be written on the way out either (the
    session middleware would try, and fail a second time). Its cookie stays as it is: the
    user is still signed in once the database is back."""
    session = getattr(request, "session", None)
    if session is not None:
        session._session_cache = {}
        session.accessed = session.modified = False


class OutageLogFilter(logging.Filter):
    """One warning line instead of an error with a traceback for a request that met an outage."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if is_outage(error):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = (
                "Service unavailable (%s): %s",
                (type(error).__name__, getattr(record, "request", "")),
            )
            record.exc_info, record.exc_text = None, None
        return True
