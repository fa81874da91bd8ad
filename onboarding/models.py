"""An import run: the file, its dry run row by row, and what the confirmed run wrote."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from staff.models import TimeStamped


class ImportKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation (jobcenters, teams, caseworkers)")
    CASELOAD = "caseload", _("Caseloads (citizens and open cases)")
    MEETINGS = "meetings", _("Meetings held and booked (of imported cases)")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the dry run")
    PLANNING = "planning", _("Dry run running")
    PLANNED = "planned", _("Dry run done: waiting for confirmation")
    COMMITTING = "committing", _("Import running")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportRun(TimeStamped):
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    # The file itself, kept until the run is confirmed: the confirmed run reads the same
    # bytes the administrator saw the dry run of. It holds CPR numbers, so the admin never
    # shows it and the run drops it once done.
    content = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    # {"create": n, "update": n, "unchanged": n, "refuse": n}
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # One entry per row that is not unchanged: {"row", "action", "subject", "reasons", "notes"};
    # the subject never holds a full CPR number.
    report = models.JSONField(_("row by row"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def progress_percent(self) -> int:
        return 100 * self.rows_done // self.rows_total if self.rows_total else 0
