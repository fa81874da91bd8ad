"""The casework of a case: its journal, its meetings (samtaler) and the contact rules that
set when the next conversation is due.

The journal is append-only in the database (triggers on both backends, migration 0002): a
mistake is corrected by a new entry that points back. On PostgreSQL an exclusion constraint
forbids two planned meetings of one caseworker that overlap, whatever the concurrency; the
service checks first so that the ordinary answer is a clear 409, and the constraint makes
it hold when two bookings race.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Programme
from staff.models import Caseworker, TimeStamped

from .errors import JournalAppendOnly

TEXT_MAX_LENGTH = 20_000


class JournalKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    NOTE = "note", _("Note")
    DECISION = "decision", _("Decision")


class JournalEntry(models.Model):
    """A journal note (journalnotat; notatpligt, offentlighedsloven § 13). Its text is
    personal data: every read is access-logged, and it never goes into a log or an e-mail."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="journal", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=JournalKind.choices)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written"))
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["case", "-written_at", "-id"], name="journal_case_newest")]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="journal_text_not_empty"),
            models.CheckConstraint(condition=~Q(corrects=models.F("id")), name="journal_not_self_correcting"),
        ]

    def __str__(self) -> str:
        # Never the text: this is what admin, logs and error messages show.
        return f"#{self.pk} {self.get_kind_display()} ({self.case_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise JournalAppendOnly()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalAppendOnly()


class MeetingKind(models.TextChoices):
    JOBSAMTALE = "jobsamtale", _("Job interview (jobsamtale)")
    OTHER = "other", _("Other meeting")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("No-show (udeblivelse)")
    CANCELLED = "cancelled", _("Cancelled")


DURATION_MINUTES_DEFAULT, DURATION_MINUTES_MIN, DURATION_MINUTES_MAX = 45, 5, 480
# The calendar a meeting may lie in (and the agenda's days): wide enough for any meeting
# carried over from an earlier system, narrow enough that nothing computed from one (its
# end, a due date a hundred years on, a day's bounds in UTC) falls off Python's calendar.
EARLIEST_DAY, LATEST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


class Meeting(TimeStamped):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("case"))
    # The case's caseworker: booked with the holder, and moved with the case on reassignment.
    caseworker = models.ForeignKey(
        Caseworker, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("caseworker"), db_index=False
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    location = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    held_at = models.DateTimeField(_("recorded as held"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A planned meeting that came with a reassigned case onto a time the new caseworker had
    # already booked: the citizen keeps the appointment, the caseworker sees the clash, and
    # the no-double-booking constraint (which governs bookings) lets this one through.
    moved_onto_booked_time = models.BooleanField(default=False, editable=False)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [
            models.Index(fields=["caseworker", "starts_at"], name="meeting_caseworker_time"),
            models.Index(fields=["case", "kind", "status"], name="meeting_case_kind_status"),
            # The contact plan's read (selectors.with_contact_plan): per case, how many
            # jobsamtaler were held and the latest, from the index alone. A list of cases
            # probes it a few times per case; over a whole jobcenter of Copenhagen's size
            # (bench/casework.py) it halves the time of the alert's query.
            models.Index(
                fields=["case", "starts_at", "id"],
                name="meeting_held_jobsamtale",
                condition=Q(kind="jobsamtale", status="held"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status="held", held_at__isnull=False) | (~Q(status="held") & Q(held_at__isnull=True)),
                name="meeting_held_at_when_held",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.case_id})"


class ContactRule(TimeStamped):
    """How often a case of a programme must have a conversation (kontaktforløb)."""

    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices, unique=True)
    first_within_days = models.PositiveIntegerField(
        _("first conversation within (days)"), default=7, help_text=_("Counted from the day the case opened.")
    )
    first_period_days = models.PositiveIntegerField(
        _("first period (days)"), default=183, validators=[MinValueValidator(1)]
    )
    first_period_meetings = models.PositiveIntegerField(
        _("job interviews in the first period"), default=4, validators=[MinValueValidator(1)]
    )
    then_every_days = models.PositiveIntegerField(
        _("then one every (days)"),
        default=91,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36_500)],
        help_text=_("Empty: agreed individually, no due date after the first period."),
    )

    class Meta:
        ordering = ["programme"]
        verbose_name = _("contact rule")
        verbose_name_plural = _("contact rules")
        constraints = [
            models.CheckConstraint(condition=Q(first_period_days__gte=1), name="contact_rule_period_positive"),
            models.CheckConstraint(condition=Q(first_period_meetings__gte=1), name="contact_rule_meetings_positive"),
            models.CheckConstraint(
                condition=Q(then_every_days__isnull=True) | Q(then_every_days__gte=1), name="contact_rule_then_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_programme_display())


class CalendarFeed(models.Model):
    """A caseworker's secret calendar address. Only its digest is stored; revoking deletes
    it, and a new address is a new secret."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
