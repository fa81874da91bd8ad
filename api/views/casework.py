"""A case's journal, meetings, the contact rules, and a caseworker's day.

Every read writes the citizens it shows to the access log first, like a case read: a
journal entry, a meeting and a contact plan are all data about the case's citizen.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from access import doors, rules, scopes
from access.viewer import viewer_of
from allocation.selectors import with_case_team
from cases.models import AccessAction, Case, Programme
from casework import selectors as casework_selectors
from casework import services as casework_services
from casework.models import JournalEntry

from ..filters import MeetingFilter
from ..permissions import AdminWrites
from ..schema import errors
from ..serializers.casework import (
    AgendaQuerySerializer,
    AgendaSerializer,
    ContactRuleSerializer,
    ContactRuleUpdateSerializer,
    JournalEntryCreateSerializer,
    JournalEntrySerializer,
    MeetingCreateSerializer,
    MeetingSerializer,
)
from .base import ThroughTheDoor, describing_the_schema, log_citizen_access, validated
from .cases import AccessLoggedReads

_NOT_YOURS = "Only someone who may see the case may do this."

# --- The journal -----------------------------------------------------------------------------

_CASE_ID = OpenApiParameter("case_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Case id.")


@extend_schema_view(
    list=extend_schema(
        parameters=[_CASE_ID],
        responses={200: JournalEntrySerializer(many=True), **errors(404)},
        description="The case's journal, newest first.",
    ),
    retrieve=extend_schema(parameters=[_CASE_ID], responses={200: JournalEntrySerializer, **errors(404)}),
    create=extend_schema(
        parameters=[_CASE_ID],
        request=JournalEntryCreateSerializer,
        responses={201: JournalEntrySerializer, **errors(400, 404)},
        description="Append an entry; closed cases take entries too. The journal is append-only: a mistake "
        "is corrected by a new entry whose `corrects` names the old one.",
    ),
)
class CaseJournalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = JournalEntrySerializer
    filter_backends = []

    def case(self) -> Case:
        """The case of the URL, through its door (a 404 unless the user may see it)."""
        if not hasattr(self, "_case"):
            self._case = doors.access_case(self.request.user, self.kwargs["case_id"])
        return self._case

    def get_queryset(self):
        if describing_the_schema(self):  # no case in the URL then
            return JournalEntry.objects.none()
        return casework_selectors.journal_of_case(self.case())

    def get_object(self):
        return doors.access_journal_entry(self.request.user, self.case(), self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        # Logged even for an empty page: that the journal is empty is news about the case too.
        log_citizen_access(request, citizen_ids=[self.case().citizen_id], action=AccessAction.LIST)
        return self.get_paginated_response(JournalEntrySerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        entry = self.get_object()
        log_citizen_access(request, citizen_ids=[self.case().citizen_id], action=AccessAction.VIEW)
        return Response(JournalEntrySerializer(entry).data)

    def create(self, request, *args, **kwargs):
        case = self.case()
        if not rules.may_do_casework(request.user, case=case):
            raise PermissionDenied(_NOT_YOURS)
        data = validated(JournalEntryCreateSerializer, request)
        entry = casework_services.journal_write(
            case=case, kind=data["kind"], text=data["text"], corrects=data.get("corrects"), by=request.user
        )
        return Response(JournalEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


# --- Meetings ----------------------------------------------------------------------------------


def _mark_schema(what: str):
    return extend_schema(
        request=None,
        responses={200: MeetingSerializer, **errors(404, 409)},
        description=f"Mark a planned meeting {what}; 409 when it is not planned"
        + (", or has not started yet." if what != "cancelled" else "."),
    )


@extend_schema_view(
    list=extend_schema(
        responses={200: MeetingSerializer(many=True), **errors(400)},
        description="The meetings of the cases the user may see, earliest first.",
    ),
    retrieve=extend_schema(responses={200: MeetingSerializer, **errors(404)}),
    create=extend_schema(
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer, **errors(400, 404, 409)},
        description="Book a meeting with the case's current caseworker. A case the user may not see is a 404 "
        "(unlike other ids in a body); a case that is not open, or a planned meeting of the same caseworker "
        "that overlaps, is a 409.",
    ),
)
class MeetingViewSet(
    ThroughTheDoor,
    AccessLoggedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    door = staticmethod(doors.access_meeting)
    door_options = {"select_related": ("case__caseworker",)}

    def get_queryset(self):
        return scopes.meetings_visible_to(self.request.user).select_related("case")

    def citizen_id_of(self, meeting) -> int:
        return meeting.case.citizen_id

    def create(self, request, *args, **kwargs):
        data = validated(MeetingCreateSerializer, request)
        case = doors.access_case(request.user, data["case"], select_related=("caseworker",))
        if not rules.may_do_casework(request.user, case=case):
            raise PermissionDenied(_NOT_YOURS)
        meeting = casework_services.meeting_book(
            case=case,
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            kind=data["kind"],
            channel=data["channel"],
            location=data["location"],
            by=request.user,
        )
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    def _mark(self, request, change) -> Response:
        meeting = self.get_object()
        if not rules.may_do_casework(request.user, case=meeting.case):
            raise PermissionDenied(_NOT_YOURS)
        return Response(MeetingSerializer(change(meeting=meeting, by=request.user)).data)

    @_mark_schema("held")
    @action(detail=True, methods=["post"], filter_backends=[])
    def held(self, request, pk=None):
        return self._mark(request, casework_services.meeting_held)

    @_mark_schema("a no-show (udeblivelse)")
    @action(detail=True, methods=["post"], url_path="no-show", url_name="no-show", filter_backends=[])
    def no_show(self, request, pk=None):
        return self._mark(request, casework_services.meeting_no_show)

    @_mark_schema("cancelled")
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        return self._mark(request, casework_services.meeting_cancel)


# --- Contact rules -------------------------------------------------------------------------------

_PROGRAMME = OpenApiParameter("programme", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Programme.values)


@extend_schema_view(
    list=extend_schema(responses={200: ContactRuleSerializer(many=True), **errors()}),
    retrieve=extend_schema(parameters=[_PROGRAMME], responses={200: ContactRuleSerializer, **errors(404)}),
    partial_update=extend_schema(
        parameters=[_PROGRAMME],
        request=ContactRuleUpdateSerializer,
        responses={200: ContactRuleSerializer, **errors(400, 404)},
        description="Administrators only. Whole days: first_within_days ≥ 0, first_period_days ≥ 1, "
        "first_period_meetings ≥ 1, then_every_days ≥ 1 or null (agreed individually); each at most 36,500.",
    ),
)
class ContactRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ContactRuleSerializer
    permission_classes = [IsAuthenticated, AdminWrites]
    lookup_field = "programme"
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        return scopes.contact_rules_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(casework_selectors.contact_rule_rows(self.get_queryset()))
        return self.get_paginated_response(ContactRuleSerializer(page, many=True).data)

    def get_object(self):
        # Only a known programme reaches the database; one without a row has the default rule.
        programme = self.kwargs.get(self.lookup_field)
        if programme not in Programme.values:
            raise Http404("No such programme.")
        rows = casework_selectors.contact_rule_rows(self.get_queryset().filter(programme=programme))
        rule = next(row for row in rows if row.programme == programme)
        self.check_object_permissions(self.request, rule)
        return rule

    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        changes = validated(ContactRuleUpdateSerializer, request, partial=True)
        rule = casework_services.contact_rule_update(rule=rule, **changes)
        return Response(ContactRuleSerializer(rule).data)


# --- A caseworker's day ---------------------------------------------------------------------------


class AgendaView(APIView):
    @extend_schema(
        parameters=[AgendaQuerySerializer],
        responses={200: AgendaSerializer, **errors(400)},
        description="The requesting caseworker's day: that day's meetings that are not cancelled; their open "
        "cases overdue for contact or due soon, as of today; their open cases that came to them in the 14 days "
        "up to `date`. A user who is not a caseworker gets empty lists.",
    )
    def get(self, request):
        query = AgendaQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        cases = with_case_team(scopes.cases_visible_to(request.user))  # agenda adds the contact plan
        found = casework_selectors.agenda(cases=cases, caseworker_id=viewer_of(request.user).caseworker_id, day=day)
        shown = {key: list(found[key]) for key in ("meetings", "overdue", "due_soon", "new_cases")}
        citizens = [meeting.case.citizen_id for meeting in shown["meetings"]]
        citizens += [case.citizen_id for key in ("overdue", "due_soon", "new_cases") for case in shown[key]]
        log_citizen_access(request, citizen_ids=citizens, action=AccessAction.LIST)
        return Response(AgendaSerializer({"date": day, **shown}).data)
