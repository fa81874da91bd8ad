"""Retention: how long each kind of record is kept, the deletion lists proposed from those
rules, and the record of what was deleted (counts, never the data).

Nothing is proposed for a kind until an administrator sets its rule: the rules are created
blank by the migration, and a blank rule keeps everything.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    CLOSED_CASE = "closed_case", _("Closed case with its journal and meetings")
    CITIZEN = "citizen", _("Citizen with no open case")
    ACCESS_LOG = "access_log", _("Citizen access log")


class RetentionRule(models.Model):
    """Years a kind of record is kept: from the day a case closed (a citizen: their last case
    closed, or they were registered), for the access log from the day a row was written."""

    kind = models.CharField(_("kind of record"), max_length=32, choices=RecordKind.choices, unique=True)
    years = models.PositiveSmallIntegerField(
        _("kept for (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Empty: nothing of this kind is deleted."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(years__isnull=True) | Q(years__gte=1, years__lte=100), name="retention_rule_years_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class DeletionList(models.Model):
    """What one run of the daily proposal found due; its items are reviewed and approved here."""

    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("deletion list")
        verbose_name_plural = _("deletion lists")

    def __str__(self) -> str:
        return str(_("Deletion list #%(number)s") % {"number": self.pk})


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    HELD = "held", _("Held")
    DELETED = "deleted", _("Deleted")
    NO_LONGER_DUE = "no_longer_due", _("No longer due")


PENDING = (ItemStatus.PROPOSED, ItemStatus.HELD)


class DeletionItem(models.Model):
    """One record due for deletion: its kind and id (never a name), since when, and the rule.
    An item stays pending (proposed or held) until it is deleted or found no longer due, and
    a kind and object have at most one pending item, so that a re-run adds nothing twice."""

    deletion_list = models.ForeignKey(
        DeletionList, on_delete=models.PROTECT, related_name="items", verbose_name=_("deletion list")
    )
    kind = models.CharField(_("kind of record"), max_length=32, choices=RecordKind.choices)
    # A case's id (closed_case) or a citizen's (citizen, access_log); not a foreign key, as
    # the row it names is meant to go.
    object_id = models.PositiveBigIntegerField(_("object"))
    due_since = models.DateField(_("due since"))
    rule_years = models.PositiveSmallIntegerField(_("rule (years)"))
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.PROPOSED)
    held_reason = models.CharField(_("reason for holding"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["deletion_list_id", "kind", "object_id"]
        verbose_name = _("deletion item")
        verbose_name_plural = _("deletion items")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=Q(status__in=["proposed", "held"]),
                name="deletion_item_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status="held", held_reason__gt="") | ~Q(status="held"),
                name="deletion_item_held_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id}"


class DeletionRecord(models.Model):
    """What an approval deleted: how many of a kind, under which rule, by whom and when."""

    deletion_list = models.ForeignKey(
        DeletionList, on_delete=models.PROTECT, related_name="records", verbose_name=_("deletion list")
    )
    kind = models.CharField(_("kind of record"), max_length=32, choices=RecordKind.choices)
    count = models.PositiveIntegerField(_("deleted"))
    rule_years = models.PositiveSmallIntegerField(_("rule (years)"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved"))

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("deletion record")
        verbose_name_plural = _("deletion records")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.count}"
