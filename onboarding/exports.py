"""Export of the same shapes as the import, for a move the other way.

django-import-export's Resources describe the columns; the rows come out as the import
reads them, so that an export imported into an empty system gives the same organisation
and the same caseloads. CPR numbers leave only when the administrator asks for them on
purpose (`with_cpr`): such an export writes an access-log row (EXPORT) per citizen, in the
same transaction that reads them. Without it the column holds the masked number, which the
import refuses: a file without CPR numbers cannot quietly become a caseload elsewhere.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from import_export import fields, resources

from cases.access_log import citizen_access_record
from cases.cpr import mask
from cases.models import AccessAction, Case, CaseStatus, Citizen
from casework.models import Meeting
from staff.models import Caseworker, Jobcenter, Team

from . import caseload, files, meetings, organisation
from .models import ImportKind

EXPORT_ROUTE = "onboarding:export"


class OrganisationResource(resources.ModelResource):
    municipality_code = fields.Field(attribute="team__jobcenter__municipality_code", column_name="municipality_code")
    jobcenter = fields.Field(attribute="team__jobcenter__name", column_name="jobcenter")
    team = fields.Field(attribute="team__name", column_name="team")
    unit_type = fields.Field(attribute="team__unit_type", column_name="unit_type")
    username = fields.Field(attribute="user__username", column_name="username")
    full_name = fields.Field(attribute="full_name", column_name="full_name")
    email = fields.Field(attribute="user__email", column_name="email")
    role = fields.Field(attribute="role", column_name="role")
    fte = fields.Field(attribute="fte", column_name="fte")
    leader = fields.Field(column_name="leader")

    class Meta:
        model = Caseworker
        fields = organisation.COLUMNS
        export_order = organisation.COLUMNS

    def __init__(self, *, leaders: set[tuple[int, int]]):
        super().__init__()
        self.leaders = leaders

    def dehydrate_leader(self, caseworker: Caseworker) -> str:
        return "yes" if (caseworker.team_id, caseworker.user_id) in self.leaders else ""


class CaseloadResource(resources.ModelResource):
    """One row per citizen: their case that is open, if any."""

    cpr = fields.Field(column_name="cpr")
    name = fields.Field(attribute="name", column_name="name")
    municipality_code = fields.Field(attribute="jobcenter__municipality_code", column_name="municipality_code")
    programme = fields.Field(column_name="programme")
    target_group = fields.Field(column_name="target_group")
    complexity = fields.Field(column_name="complexity")
    caseworker = fields.Field(column_name="caseworker")
    opened_on = fields.Field(column_name="opened_on")

    class Meta:
        model = Citizen
        fields = caseload.COLUMNS
        export_order = caseload.COLUMNS

    def __init__(self, *, with_cpr: bool, open_cases: dict[int, dict]):
        super().__init__()
        self.with_cpr, self.open_cases = with_cpr, open_cases

    def dehydrate_cpr(self, citizen: Citizen) -> str:
        return citizen.cpr if self.with_cpr else mask(citizen.cpr)

    def _case(self, citizen: Citizen, key: str) -> str:
        case = self.open_cases.get(citizen.pk)
        return case[key] if case else ""

    def dehydrate_programme(self, citizen):
        return self._case(citizen, "programme")

    def dehydrate_target_group(self, citizen):
        return self._case(citizen, "target_group")

    def dehydrate_complexity(self, citizen):
        return self._case(citizen, "complexity")

    def dehydrate_caseworker(self, citizen):
        return self._case(citizen, "caseworker__user__username")

    def dehydrate_opened_on(self, citizen):
        case = self.open_cases.get(citizen.pk)
        return timezone.localdate(case["opened_at"]).isoformat() if case else ""


class MeetingsResource(resources.ModelResource):
    """One row per meeting of an open case, as the meetings import reads it."""

    cpr = fields.Field(column_name="cpr")
    municipality_code = fields.Field(attribute="case__jobcenter__municipality_code", column_name="municipality_code")
    starts_at = fields.Field(column_name="starts_at")
    minutes = fields.Field(column_name="minutes")
    kind = fields.Field(attribute="kind", column_name="kind")
    channel = fields.Field(attribute="channel", column_name="channel")
    status = fields.Field(attribute="status", column_name="status")
    place = fields.Field(attribute="location", column_name="place")

    class Meta:
        model = Meeting
        fields = meetings.COLUMNS
        export_order = meetings.COLUMNS

    def __init__(self, *, with_cpr: bool):
        super().__init__()
        self.with_cpr = with_cpr

    def dehydrate_cpr(self, meeting: Meeting) -> str:
        cpr = meeting.case.citizen.cpr
        return cpr if self.with_cpr else mask(cpr)

    def dehydrate_starts_at(self, meeting: Meeting) -> str:
        return timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")

    def dehydrate_minutes(self, meeting: Meeting) -> str:
        return str(int((meeting.ends_at - meeting.starts_at).total_seconds() // 60))


def jobcenter_export(*, jobcenter: Jobcenter, kind: str, file_format: str, by, with_cpr: bool = False) -> bytes:
    if kind == ImportKind.ORGANISATION:
        dataset = _organisation_dataset(jobcenter=jobcenter)
    elif kind == ImportKind.MEETINGS:
        dataset = _meetings_dataset(jobcenter=jobcenter, by=by, with_cpr=with_cpr)
    else:
        dataset = _caseload_dataset(jobcenter=jobcenter, by=by, with_cpr=with_cpr)
    return files.write_rows(headers=list(dataset.headers), rows=list(dataset), file_format_name=file_format)


def _organisation_dataset(*, jobcenter: Jobcenter):
    caseworkers = Caseworker.objects.filter(team__jobcenter=jobcenter).select_related("user", "team__jobcenter")
    leaders = set(Team.leaders.through.objects.filter(team__jobcenter=jobcenter).values_list("team_id", "user_id"))
    dataset = OrganisationResource(leaders=leaders).export(caseworkers.order_by("team__name", "user__username"))
    # Leaders without a caseload of their own in that team: a login-only row each.
    caseworker_of = {(c.team_id, c.user_id) for c in caseworkers}
    teams = {t.pk: t for t in Team.objects.filter(jobcenter=jobcenter)}
    users = {u.pk: u for u in Team.leaders.field.related_model.objects.filter(teams_led__jobcenter=jobcenter)}
    for team_id, user_id in sorted(leaders - caseworker_of):
        team, user = teams[team_id], users[user_id]
        full_name = f"{user.first_name} {user.last_name}".strip()
        dataset.append(
            [
                jobcenter.municipality_code,
                jobcenter.name,
                team.name,
                team.unit_type,
                user.username,
                full_name,
                user.email,
                "",
                "",
                "yes",
            ]
        )
    return dataset


@transaction.atomic
def _caseload_dataset(*, jobcenter: Jobcenter, by, with_cpr: bool):
    citizens: QuerySet[Citizen] = Citizen.objects.filter(jobcenter=jobcenter).select_related("jobcenter").order_by("id")
    open_cases = {
        row["citizen_id"]: row
        for row in Case.objects.filter(jobcenter=jobcenter, status=CaseStatus.OPEN).values(
            "citizen_id", "programme", "target_group", "complexity", "caseworker__user__username", "opened_at"
        )
    }
    if with_cpr:
        citizen_access_record(
            user=by,
            citizen_ids=citizens.values_list("pk", flat=True),
            action=AccessAction.EXPORT,
            route=EXPORT_ROUTE,
            purpose="export with CPR numbers",
        )
    return CaseloadResource(with_cpr=with_cpr, open_cases=open_cases).export(citizens)


@transaction.atomic
def _meetings_dataset(*, jobcenter: Jobcenter, by, with_cpr: bool):
    found = (
        Meeting.objects.filter(case__jobcenter=jobcenter, case__status=CaseStatus.OPEN)
        .select_related("case__citizen", "case__jobcenter")
        .order_by("case__citizen_id", "starts_at", "pk")
    )
    if with_cpr:
        citizen_access_record(
            user=by,
            citizen_ids=set(found.values_list("case__citizen_id", flat=True)),
            action=AccessAction.EXPORT,
            route=EXPORT_ROUTE,
            purpose="export with CPR numbers",
        )
    return MeetingsResource(with_cpr=with_cpr).export(found)
