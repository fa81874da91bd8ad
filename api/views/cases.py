"""Citizens, cases (intake, reassignment, closing, history) and alerts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from access import doors, rules, scopes
from allocation import services as allocation_services
from allocation.selectors import assignments_of_case, with_case_team
from cases import services as case_services
from cases.access_log import citizen_access_log, citizen_cpr_reveal
from cases.models import AccessAction
from cases.selectors import citizen_lookup_by_cpr
from casework.selectors import contact_plan_of, with_contact_plan

from ..filters import AlertFilter, CaseFilter
from ..permissions import LeadersCreate
from ..schema import errors
from ..serializers.cases import (
    AlertSerializer,
    AssignmentSerializer,
    CaseCloseSerializer,
    CaseCreateSerializer,
    CaseReassignSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    CitizenAccessSerializer,
    CitizenCreateSerializer,
    CitizenFindSerializer,
    CitizenFoundSerializer,
    CitizenSerializer,
    CprRevealedSerializer,
    CprRevealSerializer,
)
from ..serializers.casework import ContactPlanSerializer
from .base import ThroughTheDoor, describing_the_schema, log_citizen_access, validated


class AccessLoggedReads:
    """List and retrieve record the citizens they show (`log_citizen_access`) first."""

    citizen_id_attribute = "pk"  # where an object of the view names its citizen

    def citizen_id_of(self, obj) -> int:
        return getattr(obj, self.citizen_id_attribute)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        log_citizen_access(request, citizen_ids=[self.citizen_id_of(o) for o in page], action=AccessAction.LIST)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        log_citizen_access(request, citizen_ids=[self.citizen_id_of(instance)], action=AccessAction.VIEW)
        return Response(self.get_serializer(instance).data)


@extend_schema_view(
    list=extend_schema(responses={200: CitizenSerializer(many=True), **errors(400)}),
    retrieve=extend_schema(responses={200: CitizenSerializer, **errors(404)}),
    create=extend_schema(
        request=CitizenCreateSerializer,
        responses={201: CitizenSerializer, **errors(400)},
        description="Register a citizen. A CPR number already registered is a 400 with a `cpr` message: it "
        "names the citizen when the user may see them, and otherwise says only that the number cannot be "
        "registered here, never whether or where the person is registered.",
    ),
)
class CitizenViewSet(
    ThroughTheDoor,
    AccessLoggedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CitizenSerializer
    permission_classes = [IsAuthenticated, LeadersCreate]
    door = staticmethod(doors.access_citizen)

    def get_queryset(self):
        return scopes.citizens_visible_to(self.request.user)

    @extend_schema(
        request=CprRevealSerializer,
        responses={200: CprRevealedSerializer, **errors(400, 404)},
        description="The full CPR number, for a user who may see the citizen, with a purpose. "
        "The reveal and its purpose are recorded in the citizen's access log; everywhere else "
        "the number is masked.",
    )
    @action(detail=True, methods=["post"], url_path="reveal-cpr", url_name="reveal-cpr", filter_backends=[])
    def reveal_cpr(self, request, pk=None):
        citizen = self.get_object()
        purpose = validated(CprRevealSerializer, request)["purpose"]
        number = citizen_cpr_reveal(user=request.user, citizen=citizen, purpose=purpose, route=request.path)
        # Never kept by a browser or a proxy: the next look needs a new, logged reveal.
        return Response(CprRevealedSerializer({"cpr": number}).data, headers={"Cache-Control": "no-store"})

    @extend_schema(
        request=CitizenFindSerializer,
        responses={200: CitizenFoundSerializer, **errors(400, 404)},
        description="The citizen a full CPR number finds among those the user sees (a POST, so that the number "
        "is never in a URL). A former number (the citizen's CPR number was changed) finds them too: then "
        "`cpr_changed_at` says when and `notice` says so; `cpr` is always the current number, masked. "
        "Recorded in the citizen's access log as a search hit.",
    )
    @action(detail=False, methods=["post"], url_path="find-by-cpr", url_name="find-by-cpr", filter_backends=[])
    def find_by_cpr(self, request):
        number = validated(CitizenFindSerializer, request)["cpr"]
        found = citizen_lookup_by_cpr(cpr=number, within=self.get_queryset())
        if found is None:
            raise NotFound("No citizen you may see has this CPR number.")
        log_citizen_access(request, citizen_ids=[found.citizen.pk], action=AccessAction.SEARCH)
        found.citizen.cpr_changed_at, found.citizen.notice = found.changed_at, found.notice
        return Response(CitizenFoundSerializer(found.citizen).data)

    @extend_schema(
        responses={200: CitizenAccessSerializer(many=True), **errors(404)},
        description="Who has looked at this citizen's data, newest first: user, action, route, purpose and "
        "time (GDPR art. 15). For administrators only: anybody else gets 403 for a citizen they may see, "
        "404 for one they may not.",
    )
    @action(detail=True, methods=["get"], url_path="access-log", url_name="access-log", filter_backends=[])
    def access_log(self, request, pk=None):
        citizen = self.get_object()
        if not rules.may_read_access_log(request.user):
            raise PermissionDenied("Only an administrator may read a citizen's access log.")
        page = self.paginate_queryset(citizen_access_log(citizen_id=citizen.pk))
        # The log itself is data about the citizen: reading it is a look like any other.
        log_citizen_access(request, citizen_ids=[citizen.pk], action=AccessAction.VIEW)
        return self.get_paginated_response(CitizenAccessSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        data = validated(CitizenCreateSerializer, request)
        if not rules.may_create_citizen(request.user, jobcenter_id=data["jobcenter"].pk):
            raise PermissionDenied("You may register citizens only in a jobcenter where you lead a team.")
        citizen = case_services.citizen_create(
            cpr=data["cpr"],
            name=data["name"],
            jobcenter=data["jobcenter"],
            visible=scopes.citizens_visible_to(request.user),
        )
        return Response(CitizenSerializer(citizen).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: CaseSerializer(many=True), **errors(400)}),
    retrieve=extend_schema(responses={200: CaseSerializer, **errors(404)}),
    create=extend_schema(
        request=CaseCreateSerializer,
        responses={201: CaseSerializer, **errors(400, 409)},
        description="Open a case and allocate it at once: `open` with a caseworker, or `queued`. "
        "A citizen with a case that is not closed is a 409. `complexity` (default `complex`) decides "
        "what the case weighs, and so who has room for it.",
    ),
    partial_update=extend_schema(
        request=CaseUpdateSerializer,
        responses={200: CaseSerializer, **errors(400, 404, 409)},
        description="Set the case's `complexity`, the only field changed here (any other is a 400). For "
        "whoever may close the case, its team's leaders and admins; the caseworker's load follows at once "
        "and may pass the cap (an alert follows). A closed case is a 409.",
    ),
)
class CaseViewSet(
    ThroughTheDoor,
    AccessLoggedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CaseSerializer
    permission_classes = [IsAuthenticated, LeadersCreate]
    filterset_class = CaseFilter
    door = staticmethod(doors.access_case)
    door_options = {"select_related": ("caseworker",)}  # its team, and who may act on it

    def get_queryset(self):
        cases = with_case_team(scopes.cases_visible_to(self.request.user))
        return cases if describing_the_schema(self) else with_contact_plan(cases)

    # A case names its citizen only by id, but its programme (a psychiatric unit, say) and
    # outcome are personal data about that citizen: reading them is logged too.
    citizen_id_attribute = "citizen_id"

    def create(self, request, *args, **kwargs):
        data = validated(CaseCreateSerializer, request)
        citizen = data["citizen"]
        if not rules.may_open_case(request.user, jobcenter_id=citizen.jobcenter_id, programme=data["programme"]):
            raise PermissionDenied("You may open cases only for your jobcenter's citizens, in a programme you lead.")
        case = allocation_services.case_create(
            citizen=citizen,
            programme=data["programme"],
            target_group=data.get("target_group") or "",
            by=request.user,
            complexity=data["complexity"],
        )
        return Response(CaseSerializer(case, context={"just_opened": True}).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        if not rules.may_set_complexity(request.user, case=case):
            raise PermissionDenied("Only the caseworker holding the case, its team leaders or an admin may change it.")
        changes = validated(CaseUpdateSerializer, request, partial=True)
        if "complexity" in changes:
            case = allocation_services.case_set_complexity(case=case, complexity=changes["complexity"], by=request.user)
        return Response(CaseSerializer(case).data)

    @extend_schema(
        request=CaseReassignSerializer,
        responses={200: CaseSerializer, **errors(400, 404, 409)},
        description="Move the case to another caseworker, within their cap; 409 with `detail` when the "
        "target is at cap, on leave, not accepting, of another programme or jobcenter, already the "
        "holder, or the case is closed.",
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        case = self.get_object()
        if not rules.may_reassign_case(request.user, case=case):
            raise PermissionDenied("Only the case's team leaders or an administrator may reassign it.")
        data = validated(CaseReassignSerializer, request)
        if not rules.may_reassign_case(request.user, case=case, caseworker=data["caseworker"]):
            raise PermissionDenied("You may move cases only to caseworkers of teams you lead.")
        moved = allocation_services.case_reassign(
            case=case, caseworker=data["caseworker"], reason=data.get("reason", ""), by=request.user
        )
        return Response(CaseSerializer(moved).data)

    @extend_schema(
        request=CaseCloseSerializer,
        responses={200: CaseSerializer, **errors(400, 404, 409)},
        description="Close the case with an outcome; the freed capacity drains the queue.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self.get_object()
        if not rules.may_close_case(request.user, case=case):
            raise PermissionDenied("Only the caseworker holding the case, its team leaders or an admin may close it.")
        outcome = validated(CaseCloseSerializer, request)["outcome"]
        closed = allocation_services.case_close(case=case, outcome=outcome, by=request.user)
        return Response(CaseSerializer(closed).data)

    @extend_schema(
        responses={200: AssignmentSerializer(many=True), **errors(404)},
        description="The assignments of the case, oldest first.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        case = self.get_object()
        log_citizen_access(request, citizen_ids=[case.citizen_id], action=AccessAction.VIEW)
        return Response(AssignmentSerializer(assignments_of_case(case=case), many=True).data)

    @extend_schema(
        responses={200: ContactPlanSerializer, **errors(404)},
        description="The contact plan (kontaktforløb) of the case: when the next conversation is due, how that "
        "stands today, and the held jobsamtaler it is computed from.",
    )
    @action(detail=True, methods=["get"], url_path="contact-plan", url_name="contact-plan", filter_backends=[])
    def contact_plan(self, request, pk=None):
        case = self.get_object()
        log_citizen_access(request, citizen_ids=[case.citizen_id], action=AccessAction.VIEW)
        return Response(ContactPlanSerializer(contact_plan_of(case)).data)


@extend_schema_view(
    list=extend_schema(responses={200: AlertSerializer(many=True), **errors(400)}),
    retrieve=extend_schema(responses={200: AlertSerializer, **errors(404)}),
)
class AlertViewSet(ThroughTheDoor, viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    door = staticmethod(doors.access_alert)

    def get_queryset(self):
        return scopes.alerts_visible_to(self.request.user)
