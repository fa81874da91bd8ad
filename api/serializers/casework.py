"""The journal, meetings, contact rules, the contact plan and a caseworker's day."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from access.scopes import journal_entries_visible_to
from casework import contact_plan
from casework.models import (
    DURATION_MINUTES_DEFAULT,
    DURATION_MINUTES_MAX,
    DURATION_MINUTES_MIN,
    EARLIEST_DAY,
    LATEST_DAY,
    TEXT_MAX_LENGTH,
    Channel,
    ContactRule,
    JournalEntry,
    JournalKind,
    Meeting,
    MeetingKind,
)

from .base import StrictSerializer
from .cases import CaseSerializer
from .visible import VisibleRelatedField

_MAX_ID = 9_223_372_036_854_775_807
# Rule figures above a hundred years are typing errors, and a due date that far on would
# leave the calendar that dates are computed in.
MAX_RULE_DAYS = 36_500

CONTACT_STATUS_CHOICES = [
    (contact_plan.OVERDUE, _("Overdue")),
    (contact_plan.DUE_SOON, _("Due soon")),
    (contact_plan.ON_TRACK, _("On track")),
    (contact_plan.NONE, _("No due date")),
]


class JournalEntrySerializer(serializers.ModelSerializer):
    written_by = serializers.PrimaryKeyRelatedField(read_only=True, help_text="User id of the author.")
    corrects = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The earlier entry of the same case that this one corrects."
    )

    class Meta:
        model = JournalEntry
        fields = ["id", "case", "kind", "text", "written_by", "written_at", "corrects"]
        read_only_fields = fields


class JournalEntryCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=JournalKind.choices)
    # Trimmed before the length is checked, and stored trimmed (casework.services.journal_write).
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH, help_text="1–20,000 characters once trimmed.")
    corrects = VisibleRelatedField(
        scope=journal_entries_visible_to,
        required=False,
        allow_null=True,
        help_text="An earlier entry of the same case that this one corrects.",
    )


class MeetingSerializer(serializers.ModelSerializer):
    held_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was recorded as held; null unless held."
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "case",
            "caseworker",
            "starts_at",
            "ends_at",
            "kind",
            "channel",
            "location",
            "status",
            "held_at",
        ]
        read_only_fields = fields


class MeetingCreateSerializer(StrictSerializer):
    # A plain id, not a VisibleRelatedField: the contract answers a case the user may not see
    # with 404 (the case's door), where other ids in a body answer 400.
    case = serializers.IntegerField(min_value=1, max_value=_MAX_ID, help_text="Case id.")
    starts_at = serializers.DateTimeField(
        help_text=f"May lie in the past (a meeting recorded afterwards); between {EARLIEST_DAY} and {LATEST_DAY}."
    )
    duration_minutes = serializers.IntegerField(
        min_value=DURATION_MINUTES_MIN, max_value=DURATION_MINUTES_MAX, default=DURATION_MINUTES_DEFAULT
    )
    kind = serializers.ChoiceField(choices=MeetingKind.choices, help_text="`jobsamtale` counts for the contact plan.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ContactRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactRule
        fields = ["programme", "first_within_days", "first_period_days", "first_period_meetings", "then_every_days"]
        read_only_fields = fields


class ContactRuleUpdateSerializer(StrictSerializer):
    first_within_days = serializers.IntegerField(min_value=0, max_value=MAX_RULE_DAYS, required=False)
    first_period_days = serializers.IntegerField(min_value=1, max_value=MAX_RULE_DAYS, required=False)
    first_period_meetings = serializers.IntegerField(min_value=1, max_value=MAX_RULE_DAYS, required=False)
    then_every_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_RULE_DAYS,
        required=False,
        allow_null=True,
        help_text="null: agreed individually, no due date after the first period.",
    )


class ContactPlanSerializer(serializers.Serializer):
    next_due = serializers.DateField(allow_null=True, help_text="Null for a closed case, or when agreed individually.")
    status = serializers.ChoiceField(choices=CONTACT_STATUS_CHOICES)
    held = serializers.IntegerField(help_text="Held jobsamtaler of the case.")
    last_held_on = serializers.DateField(allow_null=True, help_text="Copenhagen date of the latest one held.")


class AgendaQuerySerializer(StrictSerializer):
    date = serializers.DateField(required=False, help_text="Default: today.")

    def validate_date(self, value):
        if not EARLIEST_DAY <= value <= LATEST_DAY:
            raise serializers.ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
            )
        return value


class AgendaSerializer(serializers.Serializer):
    date = serializers.DateField()
    meetings = MeetingSerializer(many=True, help_text="The day's meetings that are not cancelled, earliest first.")
    overdue = CaseSerializer(many=True, help_text="Open cases overdue for contact today, most overdue first.")
    due_soon = CaseSerializer(many=True, help_text="Open cases whose contact is due within 7 days.")
    new_cases = CaseSerializer(many=True, help_text="Open cases that came to the caseworker in the 14 days up to date.")
