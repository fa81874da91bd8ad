"""The record of a citizen's own copy (GDPR art. 15): who produced it, when, in which form."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Citizen


class CopyFormat(models.TextChoices):
    PDF = "pdf", _("PDF, for the citizen")
    JSON = "json", _("JSON, for machines")


class SubjectAccessRequest(models.Model):
    """One copy produced. The access log has its own row (action `export`, purpose "art. 15");
    this one keeps what the log has no column for: the form and what was included."""

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="subject_access_requests", verbose_name=_("citizen")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    format = models.CharField(_("format"), max_length=8, choices=CopyFormat.choices)
    included_employees = models.BooleanField(_("employees' names included"), default=False)
    included_old_cpr = models.BooleanField(_("former CPR numbers included"), default=False)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("citizen's own copy")
        verbose_name_plural = _("citizens' own copies")

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.format} {self.created_at:%Y-%m-%d}"
