"""The one family of application errors.

Every rule a service enforces fails with a subclass of `ApplicationError`, defined by the
app that owns the rule (`staff.errors`, `cases.errors`, `allocation.errors`):

- `code`: stable, for machines (the API sends it beside the message);
- `message`: translatable, with `%(name)s` placeholders filled from `data`;
- `data`: what the error is about (ids, names, figures);
- `field`: the input the error is about, when it is about one.

Each interface translates errors in exactly one place, in the user's language: the API's
exception handler (`api.exceptions`), `web.views.common.report_error` for the pages, and
`core.admin.ServiceErrorsMixin` for Django admin.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "error"
    default_message = _("The change could not be made.")
    # When set, the error is about that input (the API answers 400 with it); otherwise it is
    # a conflict with the state of the data (409).
    field: str | None = None

    def __init__(self, message=None, /, **data):
        self.message = message if message is not None else self.default_message
        self.data = data
        super().__init__(self.code)

    @property
    def text(self) -> str:
        """The message in the active language, its placeholders filled in."""
        text = str(self.message)
        if not self.data:
            return text
        try:
            return text % self.data
        except (KeyError, ValueError, TypeError):
            return text

    def __str__(self) -> str:
        return self.text
