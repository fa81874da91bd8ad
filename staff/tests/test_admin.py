"""Django admin of jobcenters and teams (issue 2, "Django admin — administrators live here")."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from staff.models import Caseworker, Jobcenter, Team, UnitType
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Helpers the admin tests of cases and allocation use too -------------------------------


@pytest.fixture(autouse=True)
def english(settings):
    """Pages in English, so that assertions read the msgids (the default language is Danish)."""
    settings.LANGUAGE_CODE = "en"


def form_data(response) -> dict:
    """The POST a browser would send for an admin change/add page as rendered."""
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                data[key] = ""
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def assert_constant_queries(client, url: str, *, grow, bound: int, django_assert_max_num_queries) -> tuple[int, int]:
    """Same number of queries for one row as for thirty, and never more than `bound`."""
    with django_assert_max_num_queries(bound):
        few = count_queries(client, url)
    grow()
    with django_assert_max_num_queries(bound):
        many = count_queries(client, url)
    assert few == many, f"{url}: {few} queries for one row, {many} for thirty"
    return few, many


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- Pages render --------------------------------------------------------------------------


def test_index_and_every_staff_page_render(admin_client):
    team = TeamFactory()
    CaseworkerFactory(team=team)
    assert admin_client.get(reverse("admin:index")).status_code == 200
    for model, obj in [(Jobcenter, team.jobcenter), (Team, team)]:
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        assert admin_client.get(admin_url(model, "add")).status_code == 200
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200
        assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 200


def test_a_non_staff_login_is_sent_to_the_admin_login(client):
    client.force_login(UserFactory())
    response = client.get(admin_url(Team, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --- Changelists keep a constant number of queries -----------------------------------------


def test_team_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    jobcenter = JobcenterFactory()
    CaseworkerFactory(team=TeamFactory(jobcenter=jobcenter, leaders=[UserFactory()]))

    def grow():
        for _ in range(29):
            team = TeamFactory(jobcenter=JobcenterFactory(), leaders=[UserFactory()])
            CaseworkerFactory(team=team)
            CaseworkerFactory(team=team, fte=Decimal("0.5"))

    few, _many = assert_constant_queries(
        admin_client,
        admin_url(Team, "changelist"),
        grow=grow,
        bound=9,
        django_assert_max_num_queries=django_assert_max_num_queries,
    )
    assert Team.objects.count() == 30


def test_jobcenter_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    TeamFactory()

    def grow():
        for _ in range(29):
            TeamFactory(jobcenter=JobcenterFactory())

    assert_constant_queries(
        admin_client,
        admin_url(Jobcenter, "changelist"),
        grow=grow,
        bound=8,
        django_assert_max_num_queries=django_assert_max_num_queries,
    )


# --- Load against capacity, in text and colour --------------------------------------------


def test_team_list_shows_load_and_marks_a_team_over_its_limit(admin_client):
    calm = TeamFactory(name="Calm team")
    CaseworkerFactory(team=calm, cap_override=10)
    busy = TeamFactory(name="Busy team")
    over = CaseworkerFactory(team=busy, cap_override=2)
    CaseworkerFactory(team=busy, cap_override=10)
    # open_cases is allocation's counter; staff tests may not import allocation, so set it.
    Caseworker.objects.filter(pk=over.pk).update(open_cases=3, load_hundredths=300)

    html = admin_client.get(admin_url(Team, "changelist")).content.decode()

    busy_row = html[html.index("Busy team") : html.index("</tr>", html.index("Busy team"))]
    calm_row = html[html.index("Calm team") : html.index("</tr>", html.index("Calm team"))]
    assert "3 / 12" in busy_row and "Over limit" in busy_row and "marker-alarm" in busy_row
    assert "0 / 10" in calm_row and "Within limit" in calm_row and "marker-alarm" not in calm_row

    only_over = admin_client.get(admin_url(Team, "changelist") + "?over_limit=yes")
    assert [t.pk for t in only_over.context["cl"].result_list] == [busy.pk]
    within = admin_client.get(admin_url(Team, "changelist") + "?over_limit=no")
    assert [t.pk for t in within.context["cl"].result_list] == [calm.pk]


def test_team_over_capacity_without_anyone_over_cap_is_over_limit(admin_client):
    # An on-leave caseworker's cases count, their cap does not: 5 open > capacity 4.
    team = TeamFactory(name="Thin team")
    away = CaseworkerFactory(team=team, cap_override=5)
    CaseworkerFactory(team=team, cap_override=4)
    Caseworker.objects.filter(pk=away.pk).update(open_cases=5, load_hundredths=500, status="on_leave")

    response = admin_client.get(admin_url(Team, "changelist") + "?over_limit=yes")

    assert [t.pk for t in response.context["cl"].result_list] == [team.pk]
    assert "5 / 4" in response.content.decode()


def test_team_page_summarises_its_caseworkers_read_only(admin_client):
    team = TeamFactory()
    anna = CaseworkerFactory(team=team, full_name="Anna Andersen", cap_override=2)
    Caseworker.objects.filter(pk=anna.pk).update(open_cases=3, load_hundredths=300)

    response = admin_client.get(admin_url(Team, "change", team.pk))

    html = response.content.decode()
    assert "Anna Andersen" in html and "3 / 2" in html
    assert admin_url(Caseworker, "change", anna.pk) in html
    assert f"{admin_url(Caseworker, 'add')}?team={team.pk}" in html
    (inline,) = response.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission


# --- Writes go through staff services -------------------------------------------------------


def test_team_created_in_admin_with_leaders(admin_client):
    jobcenter = JobcenterFactory()
    leader = UserFactory()
    data = form_data(admin_client.get(admin_url(Team, "add")))
    data.update(name="Flere skal med Nord", jobcenter=str(jobcenter.pk), unit_type=UnitType.FLERE_SKAL_MED)
    data["leaders"] = [str(leader.pk)]

    response = admin_client.post(admin_url(Team, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    team = Team.objects.get(name="Flere skal med Nord")
    assert (team.jobcenter_id, team.unit_type, list(team.leaders.all())) == (jobcenter.pk, "flere_skal_med", [leader])


def test_team_with_caseworkers_keeps_unit_type_and_jobcenter(admin_client):
    team = TeamFactory(unit_type=UnitType.PSYCHIATRIC)
    CaseworkerFactory(team=team)
    leader = UserFactory()
    page = admin_client.get(admin_url(Team, "change", team.pk))
    assert "unit_type" not in page.context["adminform"].form.fields
    data = form_data(page)
    data.update(name="Renamed", unit_type=UnitType.STANDARD, jobcenter=str(JobcenterFactory().pk))
    data["leaders"] = [str(leader.pk)]

    response = admin_client.post(admin_url(Team, "change", team.pk), data)

    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.unit_type, list(team.leaders.all())) == ("Renamed", UnitType.PSYCHIATRIC, [leader])


def test_team_name_taken_in_the_jobcenter_is_a_form_error(admin_client):
    taken = TeamFactory(name="Team Nord")
    data = form_data(admin_client.get(admin_url(Team, "add")))
    data.update(name="Team Nord", jobcenter=str(taken.jobcenter_id), unit_type=UnitType.STANDARD)

    response = admin_client.post(admin_url(Team, "add"), data)

    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert Team.objects.filter(name="Team Nord").count() == 1


def test_a_caseworker_joining_while_the_unit_type_is_edited_is_a_message_not_a_500(admin_client, monkeypatch):
    # The form was drawn while the team was empty; a caseworker joined before the save.
    team = TeamFactory(unit_type=UnitType.STANDARD)
    data = form_data(admin_client.get(admin_url(Team, "change", team.pk)))
    CaseworkerFactory(team=team)
    drawn_while_empty = ("caseworker_count", "load", "over_limit", "add_caseworker", "created_at", "updated_at")
    monkeypatch.setattr(
        "staff.admin.teams.TeamAdmin.get_readonly_fields", lambda self, request, obj=None: drawn_while_empty
    )
    data["unit_type"] = UnitType.TRIAL

    response = admin_client.post(admin_url(Team, "change", team.pk), data, follow=True)

    assert response.status_code == 200
    assert "keeps its unit type" in response.content.decode()
    team.refresh_from_db()
    assert team.unit_type == UnitType.STANDARD


def test_empty_team_may_change_unit_type(admin_client):
    team = TeamFactory(unit_type=UnitType.STANDARD)
    data = form_data(admin_client.get(admin_url(Team, "change", team.pk)))
    data["unit_type"] = UnitType.TRIAL

    assert admin_client.post(admin_url(Team, "change", team.pk), data).status_code == 302
    team.refresh_from_db()
    assert team.unit_type == UnitType.TRIAL


def test_team_with_caseworkers_cannot_be_deleted_but_an_empty_one_can(admin_client):
    busy = TeamFactory()
    CaseworkerFactory(team=busy)
    empty = TeamFactory()

    refused = admin_client.post(admin_url(Team, "delete", busy.pk), {"post": "yes"})
    assert refused.status_code == 200  # Django's "cannot delete: protected objects" page
    assert Team.objects.filter(pk=busy.pk).exists()

    assert admin_client.post(admin_url(Team, "delete", empty.pk), {"post": "yes"}).status_code == 302
    assert not Team.objects.filter(pk=empty.pk).exists()


def test_bulk_delete_of_teams_skips_nothing_silently(admin_client):
    empty_a, empty_b = TeamFactory(), TeamFactory()
    response = admin_client.post(
        admin_url(Team, "changelist"),
        {"action": "delete_selected", "_selected_action": [empty_a.pk, empty_b.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Team.objects.filter(pk__in=[empty_a.pk, empty_b.pk]).exists()


def test_jobcenter_add_change_and_protected_delete(admin_client):
    data = form_data(admin_client.get(admin_url(Jobcenter, "add")))
    data.update(name="Jobcenter Aarhus", municipality_code="751")
    assert admin_client.post(admin_url(Jobcenter, "add"), data).status_code == 302
    aarhus = Jobcenter.objects.get(municipality_code="751")

    bad = form_data(admin_client.get(admin_url(Jobcenter, "change", aarhus.pk)))
    bad["municipality_code"] = "75"
    response = admin_client.post(admin_url(Jobcenter, "change", aarhus.pk), bad)
    assert response.status_code == 200 and "municipality_code" in response.context["adminform"].form.errors

    TeamFactory(jobcenter=aarhus)
    assert admin_client.post(admin_url(Jobcenter, "delete", aarhus.pk), {"post": "yes"}).status_code == 200
    assert Jobcenter.objects.filter(pk=aarhus.pk).exists()
