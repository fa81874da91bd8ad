from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from staff.models import Caseworker, Team, TimeStamped


class AssignmentReason(models.TextChoices):
    INTAKE = "intake", _("Intake")
    CONTINUITY = "continuity", _("Continuity (earlier caseworker)")
    REASSIGNMENT = "reassignment", _("Reassignment")
    REBALANCE = "rebalance", _("Rebalancing")
    QUEUE = "queue", _("From the queue")
    IMPORTED = "imported", _("Imported from an earlier system")


class CaseAssignment(TimeStamped):
    # No index of its own: assignment_case_time begins with it.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("case"), db_index=False
    )
    caseworker = models.ForeignKey(
        Caseworker, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("caseworker")
    )
    assigned_at = models.DateTimeField(_("assigned"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=AssignmentReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # When the caseworker was told (the new-cases digest, `allocation.new_cases`); rows from
    # before the digest existed were marked by the migration that added it.
    notified_at = models.DateTimeField(_("caseworker notified"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="assignment_one_current_per_case"
            )
        ]
        indexes = [
            models.Index(fields=["case", "assigned_at"], name="assignment_case_time"),
            # What the digest has still to tell: a handful of rows, whatever the history.
            models.Index(fields=["caseworker"], condition=Q(notified_at__isnull=True), name="assignment_unnotified"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.caseworker_id} ({self.reason})"


class AlertKind(models.TextChoices):
    CASEWORKER_OVER_CAP = "caseworker_over_cap", _("Caseworker over cap")
    TEAM_OVER_CAPACITY = "team_over_capacity", _("Team over capacity")
    QUEUE_WAITING = "queue_waiting", _("Cases waiting in the queue")
    CONTACTS_OVERDUE = "contacts_overdue", _("Contacts overdue")


class Alert(TimeStamped):
    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("team"))
    caseworker = models.ForeignKey(
        Caseworker, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("caseworker")
    )
    # What the alert is about within (team, kind): "" for the team itself, or the
    # caseworker's id. Part of the "one open alert" constraint, which NULLs would defeat.
    subject = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(_("message"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    notified_at = models.DateTimeField(_("leaders notified"), null=True, blank=True)
    # The last daily reminder to the leaders while the alert stays open.
    reminded_at = models.DateTimeField(_("leaders reminded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_subject",
            )
        ]

    def __str__(self) -> str:
        return self.message


class CaseloadSnapshot(TimeStamped):
    date = models.DateField(_("date"))
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("team"))
    caseworker = models.ForeignKey(
        Caseworker,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="snapshots",
        verbose_name=_("caseworker"),
    )
    open_cases = models.PositiveIntegerField(_("open cases"))
    # The load beside the count (staff.models.HUNDREDTHS): what the open cases weigh. Rows
    # recorded before weights were snapshotted were backfilled as the count × 100 (every
    # case weighed 1 then); the database default only covers a writer that leaves it out.
    load_hundredths = models.PositiveIntegerField(_("load (hundredths)"), default=0, db_default=0)
    cap = models.PositiveIntegerField(_("cap"))
    fte = models.DecimalField(_("FTE"), max_digits=7, decimal_places=2, default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)

    class Meta:
        ordering = ["date", "team_id", "caseworker_id"]
        verbose_name = _("caseload snapshot")
        verbose_name_plural = _("caseload snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "caseworker"], condition=Q(caseworker__isnull=False), name="snapshot_caseworker_day"
            ),
            models.UniqueConstraint(
                fields=["date", "team"], condition=Q(caseworker__isnull=True), name="snapshot_team_day"
            ),
        ]
