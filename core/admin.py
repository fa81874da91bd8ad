"""The admin's one translation of application errors into messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError

RACE_MESSAGE = _("Nothing was saved: the data changed meanwhile. Please check it and try again.")


def error_text(error: Exception) -> str:
    """An application error's message in the user's language; a race's general sentence."""
    if isinstance(error, ApplicationError):
        return error.text
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(RACE_MESSAGE)


class ServiceErrorsMixin:
    """A rule broken between form validation and the service call becomes a message.

    Every form checks the rules first (by calling the service's own validation); what is
    left is a race (two administrators, a double submit), which the service refuses with an
    application error or the database with a constraint. That must not be a 500.
    """

    service_errors: tuple[type[Exception], ...] = (ApplicationError, ValidationError, IntegrityError)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.service_errors as error:
            messages.error(request, error_text(error))
            return redirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except self.service_errors as error:
            messages.error(request, error_text(error))
            return redirect(request.get_full_path())
