"""The password-reset form, throttled per client address and per e-mail address.

Django's form sends a reset link to whatever registered address anybody types in. Without a
limit, anyone could make us send a colleague hundreds of e-mails, and spend our mail
server's reputation doing it. Every POST counts against a limit per client address
(someone trying many addresses) and, within that, against a limit per address asked for
(many clients after one person), in the shared cache (CACHES in jobcenter/settings/base.py).
Over either, the request gets a 429 page and no e-mail is sent.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from web.tasks import send_password_reset

logger = logging.getLogger(__name__)


def _email_asked_for(request: HttpRequest) -> str:
    # Normalised as the form compares addresses (NFKC, casefolded), so that no way of writing
    # an address that still reaches its owner escapes the address's count.
    return unicodedata.normalize("NFKC", request.POST.get("email", "").strip()).casefold()


def _email_key(group: str, request: HttpRequest) -> str:
    return _email_asked_for(request)


def _limits(request: HttpRequest) -> Iterator[tuple]:
    yield "client address", "password-reset:client", "ip", settings.PASSWORD_RESET_RATE_PER_CLIENT
    if _email_asked_for(request):  # an empty form only gets its error back, and asks for nobody
        yield "e-mail address", "password-reset:email", _email_key, settings.PASSWORD_RESET_RATE_PER_EMAIL


def _seconds_until_allowed(request: HttpRequest) -> int | None:
    """Count this POST against the limits in turn; None if it is within them, else how long to wait.

    An address's count goes up only for requests that their client's own limit lets through:
    otherwise a client over its limit could use up a colleague's count without a single
    e-mail reaching her, and leave her without a link for the rest of the hour.
    """
    for per, group, key, rate in _limits(request):
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
        if usage is not None and usage["should_limit"]:
            logger.warning("Password-reset request refused: the limit per %s is reached.", per)
            # At least a minute: time_left is -1 when the cache could not count (refused all the
            # same), and can be 0 in the window's last second.
            return max(usage["time_left"], 60)
    return None


def _link_lifetime() -> str:
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds % (24 * 3600) == 0:
        days = seconds // (24 * 3600)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, math.ceil(seconds / 3600))
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


class BackgroundPasswordResetForm(PasswordResetForm):
    """Django's form, but the e-mail is made and sent by the worker (web/tasks.py): a
    registered address then answers as fast as an unknown one."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        arguments = {
            "domain": context["domain"],
            "protocol": context["protocol"],
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            "extra": {"link_lifetime": str(context.get("link_lifetime", ""))},
        }
        try:
            send_password_reset.apply_async(args=[context["user"].pk], kwargs=arguments)
        except (KombuError, OSError):
            # Without a broker the link is still sent, in the request: an outage of the
            # worker must not lock anybody out of their account.
            logger.warning("Broker unreachable; sending the password-reset e-mail in the request")
            send_password_reset(context["user"].pk, **arguments)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password-reset form (templates in registration/), behind the two limits."""

    form_class = BackgroundPasswordResetForm

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            wait = _seconds_until_allowed(request)
        except RedisError:
            # No count, no e-mail: refused until the cache answers again, never a 500.
            logger.exception("Password-reset request refused: the rate-limit cache is unavailable.")
            response = render(request, "registration/password_reset_limited.html", {"unavailable": True}, status=503)
            response["Retry-After"] = "60"
            return response
        if wait is not None:
            minutes = math.ceil(wait / 60)
            response = render(request, "registration/password_reset_limited.html", {"minutes": minutes}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    @property
    def extra_email_context(self) -> dict:
        # Read while the request's language is active, so the e-mail says it in that language.
        return {"link_lifetime": _link_lifetime()}
