from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.models import HUNDREDTHS, Caseworker, Complexity, Jobcenter, TimeStamped, UnitType

from .cpr import EncryptedCprField, mask

Programme = UnitType


class TargetGroup(models.TextChoices):
    JOBPARAT = "jobparat", _("Job-ready (jobparat)")
    AKTIVITETSPARAT = "aktivitetsparat", _("Activity-ready (aktivitetsparat)")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    QUEUED = "queued", _("Queued")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    JOB = "job", _("Job")
    EDUCATION = "education", _("Education")
    EARLY_RETIREMENT = "early_retirement", _("Early-retirement pension (førtidspension)")
    RESOURCE_COURSE = "resource_course", _("Resource course (ressourceforløb)")
    FLEX_JOB = "flex_job", _("Flex job")
    MOVED = "moved", _("Moved away")
    OTHER = "other", _("Other")


class Citizen(TimeStamped):
    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.PROTECT, related_name="citizens", verbose_name=_("jobcenter")
    )
    name = models.CharField(_("name"), max_length=200)
    # Encrypted at rest; `cpr_digest` (keyed HMAC) is what uniqueness and look-up use.
    cpr = EncryptedCprField(_("CPR number"), max_length=11)
    cpr_digest = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("birth date"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return f"{self.name} ({self.cpr_masked})"

    @property
    def cpr_masked(self) -> str:
        return mask(self.cpr)


class Case(TimeStamped):
    # Empty only on a closed case whose personal data was deleted (retention): what remains is
    # the anonymous row the reports count.
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("citizen")
    )
    # The citizen's jobcenter at intake; the queue and eligibility are per jobcenter.
    # No index of its own: the queue index below begins with it (one index less to write
    # on every intake).
    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.PROTECT, related_name="cases", verbose_name=_("jobcenter"), db_index=False
    )
    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices)
    target_group = models.CharField(_("target group"), max_length=32, choices=TargetGroup.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices)
    caseworker = models.ForeignKey(
        Caseworker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("caseworker"),
        db_index=False,  # case_caseworker_status begins with it
    )
    opened_at = models.DateTimeField(_("opened"))
    queued_at = models.DateTimeField(_("queued since"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned to current caseworker"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complexity = models.CharField(
        _("complexity"), max_length=16, choices=Complexity.choices, default=Complexity.COMPLEX, db_default="complex"
    )
    # What the case counts in its caseworker's load, in hundredths: its complexity's weight
    # in the policy of the holder's role, fixed when it was assigned (and again when the
    # complexity or the weights change), so that taking it off the load is exact.
    weight_hundredths = models.PositiveIntegerField(default=HUNDREDTHS, db_default=HUNDREDTHS, editable=False)
    # When retention deleted the case's personal data (its citizen, journal, free text).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"],
                condition=~Q(status="closed"),
                name="case_one_unclosed_per_citizen",
                violation_error_message=_("This citizen already has a case that is not closed."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="open", caseworker__isnull=False, closed_at__isnull=True, outcome="")
                    | Q(status="queued", caseworker__isnull=True, closed_at__isnull=True, outcome="")
                    | (Q(status="closed", closed_at__isnull=False) & ~Q(outcome=""))
                ),
                name="case_status_consistent",
            ),
            models.CheckConstraint(
                condition=Q(citizen__isnull=False) | Q(status="closed", anonymised_at__isnull=False),
                name="case_citizen_unless_anonymised",
            ),
        ]
        indexes = [
            models.Index(fields=["jobcenter", "programme", "status", "queued_at"], name="case_queue"),
            models.Index(fields=["caseworker", "status"], name="case_caseworker_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_programme_display()}"

    @property
    def team_id(self):
        return self.caseworker.team_id if self.caseworker_id else None


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Search hit")
    EXPORT = "export", _("Exported")
    REVEAL = "reveal", _("Full CPR number revealed")
    CPR_CHANGE = "cpr_change", _("CPR number changed")
    IMPORT = "import", _("Imported")


class CitizenAccess(models.Model):
    """Who looked at whom, when, how and why (GDPR art. 15: a citizen may ask)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="accesses", verbose_name=_("citizen"))
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    route = models.CharField(_("route"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("citizen access")
        verbose_name_plural = _("citizen accesses")
        indexes = [models.Index(fields=["citizen", "created_at"], name="access_citizen_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.citizen_id}"


class CprChange(models.Model):
    """A citizen's CPR number was changed (rectification: identity misuse, a change of legal
    gender). The old number is kept encrypted, with who, when and why; its digest finds the
    citizen when someone looks them up by the old number."""

    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="cpr_changes", verbose_name=_("citizen")
    )
    old_cpr = EncryptedCprField(_("previous CPR number"), max_length=11)
    old_digest = models.CharField(max_length=64, db_index=True, editable=False)
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("CPR change")
        verbose_name_plural = _("CPR changes")

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.changed_at:%Y-%m-%d}"
