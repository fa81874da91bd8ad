"""The request id: one per request, in every log line of it and of the tasks it starts.

An incoming `X-Request-ID` is kept when it is sane (a proxy or load balancer in front
usually sets one, and then its log and ours share the id); otherwise a new one is made. The
id is echoed in the response's `X-Request-ID`, carried into Celery tasks started during the
request in the task's headers, and set again in the worker while the task runs.

`RequestIdMiddleware` also writes the one access line per request (logger `jobcenter.access`):
method, path without its query string (which may carry a CPR number), view name, status,
duration, user id (never the username).
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import time

from django.utils.functional import SimpleLazyObject, empty

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# Letters, digits and - _ . : from 8 to 64 characters: a UUID, a hex trace id, an AWS/GCP id.
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Six digits in a row could begin a CPR number, which every log handler masks: such an id
# would be logged mangled (or carry a number a client put there), so it is replaced.
_CPR_SHAPED = re.compile(r"[0-9]{6}")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
access_log = logging.getLogger("jobcenter.access")


def current() -> str:
    return _current.get()


def new_id() -> str:
    """22 URL-safe random characters (128 bits), never six digits in a row."""
    while True:
        value = secrets.token_urlsafe(16)
        if not _CPR_SHAPED.search(value):
            return value


def sane_or_new(value: str | None) -> str:
    return value if value and _SANE.match(value) and not _CPR_SHAPED.search(value) else new_id()


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _current.get()
        return True


class RequestIdMiddleware:
    """First in MIDDLEWARE: the id is set before anything else logs, and the access line
    measures the whole stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_or_new(request.headers.get(HEADER))
        token = _current.set(request_id)
        request.request_id = request_id
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            _log_access(request, response.status_code, time.monotonic() - started)
            return response
        finally:
            _current.reset(token)


def _log_access(request, status: int, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    user_id = _loaded_user_id(request)
    access_log.info(
        "%s %s %s %.1fms",
        request.method,
        request.path,
        status,
        seconds * 1000,
        extra={
            "method": request.method,
            "path": request.path,
            "view": match.view_name if match else "",
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": user_id,
        },
    )


def _loaded_user_id(request) -> int | None:
    """The user's id if the request has loaded the user: the access line never reads the
    session itself (a health check must not, and neither must a request that met an outage)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return getattr(user, "pk", None)


# --- Celery: the id travels in the task's headers ------------------------------------------


def add_to_task_headers(headers: dict | None = None, **kwargs) -> None:
    """before_task_publish: the publishing request's id goes with the message."""
    request_id = _current.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def set_from_task(task=None, **kwargs) -> None:
    """task_prerun: the worker's log lines for this task carry the id it was sent with."""
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    task._request_id_token = _current.set(request_id or "")


def reset_after_task(task=None, **kwargs) -> None:
    """task_postrun: the next task on this worker starts without the id."""
    token = getattr(task, "_request_id_token", None)
    if token is not None:
        _current.reset(token)
        task._request_id_token = None
