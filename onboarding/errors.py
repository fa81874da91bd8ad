"""Onboarding's application errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class OnboardingError(ApplicationError):
    code = "onboarding"


class UnreadableFile(OnboardingError):
    code = "unreadable_file"
    field = "file"
    default_message = _("The file could not be read.")


class MissingColumns(OnboardingError):
    code = "missing_columns"
    field = "file"
    default_message = _("The file lacks the columns: %(columns)s.")


class RunNotConfirmable(OnboardingError):
    code = "run_not_confirmable"
    default_message = _("Only a finished dry run can be confirmed.")
