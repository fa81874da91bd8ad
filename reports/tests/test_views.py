"""Report pages: who may open them, what a leader sees, filters, and the CSV and Excel downloads."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from reports import exports, presenters
from trials.models import Trial, TrialArm

from .conftest import D1

pytestmark = pytest.mark.django_db

PAGES = [
    "reports:index",
    "reports:caseloads",
    "reports:exits",
    "reports:contacts",
    "reports:key_figures",
    "reports:capacity",
]
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}


def login(client, user):
    # From the database: the factories set a password they do not save, and the session
    # hash must match the stored one.
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_a_caseworker_who_leads_nothing_gets_404(client, world, name):
    assert login(client, world.caseworker_user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_admins_and_leaders_open_every_page(client, snapshots, exits, name):
    for user in (snapshots.admin, snapshots.leader_a):
        response = login(client, user).get(
            reverse(name), PERIOD | {"group_by": "team", "jobcenter": snapshots.jobcenter.pk}
        )
        assert response.status_code == 200, (user, name)


def test_a_leader_never_sees_another_teams_figures(client, snapshots, exits):
    login(client, snapshots.leader_a)
    for name in ("reports:caseloads", "reports:exits"):
        body = client.get(reverse(name), PERIOD | {"group_by": "team"}).content.decode()
        assert "Alpha" in body and "Bravo" not in body
    csv_rows = rows_of(client.get(reverse("reports:exits"), PERIOD | {"group_by": "team", "export": "exits"}))
    assert {row[1] for row in csv_rows[1:]} == {"Alpha"}
    # asking for team B's figures is an invalid choice, not a peek
    response = client.get(reverse("reports:caseloads"), {"team": snapshots.team_b.pk})
    assert response.status_code == 400 and "Bravo" not in response.content.decode()
    assert client.get(reverse("reports:exits"), {"team": snapshots.team_b.pk, "export": "exits"}).status_code == 400


def test_the_caseloads_page_draws_the_chart_with_cap_and_union_band(client, snapshots):
    login(client, snapshots.admin)
    response = client.get(reverse("reports:caseloads"), {"date_from": D1.isoformat(), "date_to": "2026-02-03"})
    body = response.content.decode()
    assert body.count("<svg") >= 1 and "<path" in body
    assert "40–55" in body and "100" in body  # union band and the standard policy cap


def test_csv_export_of_caseloads(client, snapshots):
    login(client, snapshots.admin)
    response = client.get(
        reverse("reports:caseloads"), {"date_from": "2026-02-02", "date_to": "2026-02-03", "export": "caseloads"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == [
        "date",
        "group",
        "caseworkers",
        "median_per_fte",
        "p90_per_fte",
        "over_cap_share",
        "queued",
        # the load columns, appended (weight-reports): without weights they repeat the count
        "median_load_per_fte",
        "p90_load_per_fte",
        "over_cap_share_by_load",
    ]
    assert rows[1][0] == "2026-02-02" and rows[1][2:5] == ["3", "60.0", "108.0"] and rows[1][6] == "7"


def test_csv_export_suppresses_small_cells(client, exits):
    login(client, exits.admin)
    query = PERIOD | {"group_by": "team", "jobcenter": exits.jobcenter.pk, "export": "exits"}
    rows = rows_of(client.get(reverse("reports:exits"), query))
    header, alpha = rows[0], next(r for r in rows[1:] if r[0] == "2026-Q1" and r[1] == "Alpha")
    assert alpha[header.index("moved")] == "" and alpha[header.index("job")] == "6"


def test_unknown_table_and_bad_filters_are_400_not_500(client, world):
    login(client, world.admin)
    assert client.get(reverse("reports:exits"), {"export": "nope"}).status_code == 400
    assert client.get(reverse("reports:exits"), {"date_from": "yesterday"}).status_code == 400
    assert client.get(reverse("reports:exits"), {"date_from": "2026-05-01", "date_to": "2026-01-01"}).status_code == 400
    assert client.get(reverse("reports:exits"), {"date_from": "2010-01-01", "date_to": "2026-01-01"}).status_code == 400
    assert client.get(reverse("reports:caseloads"), {"group_by": "citizen"}).status_code == 400
    assert client.get(reverse("reports:capacity"), {"cap_standard": "-3"}).status_code == 400
    assert client.get(reverse("reports:capacity"), {"cost_per_fte": "lots", "export": "capacity"}).status_code == 400


def test_administrators_choose_a_jobcenter_before_figures_per_team(client, world):
    login(client, world.admin)
    assert client.get(reverse("reports:caseloads"), {"group_by": "team"}).status_code == 400
    assert client.get(reverse("reports:caseloads"), {"group_by": "team", "team": world.team_a.pk}).status_code == 200
    # a leader's teams are few: no jobcenter needed
    assert login(client, world.leader_a).get(reverse("reports:caseloads"), {"group_by": "team"}).status_code == 200


def test_capacity_what_if(client, world):
    login(client, world.admin)
    rows = rows_of(
        client.get(reverse("reports:capacity"), {"cap_standard": "55", "cost_per_fte": "500000", "export": "capacity"})
    )
    header = rows[0]
    standard = next(r for r in rows[1:] if r[header.index("cap")] == "55")
    assert standard[header.index("policy_cap")] == "100"


@pytest.fixture
def demo_trial(world):
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=world.jobcenter, programme="standard", starts_on=datetime.date(2026, 1, 1)
    )
    arm = TrialArm.objects.create(trial=trial, name="Ordinary")
    arm.teams.set([world.team_a])
    return trial


def test_trial_page_is_for_administrators(client, world, demo_trial):
    url = reverse("reports:trial", args=[demo_trial.pk])
    assert login(client, world.leader_a).get(url).status_code == 404
    response = login(client, world.admin).get(url)
    assert response.status_code == 200 and "Lærkevej" in response.content.decode()
    assert client.get(reverse("reports:index")).content.decode().count(url) == 1
    assert client.get(reverse("reports:trial", args=[demo_trial.pk + 99])).status_code == 404
    rows = rows_of(client.get(url, {"export": "arms"}))
    assert rows[0][:3] == ["arm", "teams", "included"] and rows[1][0] == "Ordinary"


def test_pages_answer_in_a_bounded_number_of_queries(client, snapshots, exits, django_assert_max_num_queries):
    login(client, snapshots.admin)
    for name in PAGES[1:]:
        with django_assert_max_num_queries(25):
            query = PERIOD | {"group_by": "team", "jobcenter": snapshots.jobcenter.pk}
            assert client.get(reverse(name), query).status_code == 200


def test_chart_coordinates_are_not_localised_in_danish(client, exits, snapshots):
    import re

    login(client, exits.admin)
    for name in ("reports:exits", "reports:caseloads"):
        body = client.get(reverse(name), PERIOD, HTTP_ACCEPT_LANGUAGE="da").content.decode()
        assert "<svg" in body
        assert re.search(r'(x|y|x1|x2|y1|y2|width|height)="-?\d+,\d', body) is None
        assert re.search(r'd="M[^"]*\d,\d+,', body) is None  # "48,5,232" would be a Danish decimal


def sheet_of(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    [sheet] = workbook.worksheets
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_excel_export_has_the_page_titles_real_numbers_and_empty_suppressed_cells(client, exits):
    login(client, exits.admin)
    query = PERIOD | {"group_by": "team", "jobcenter": exits.jobcenter.pk, "export": "exits"}
    response = client.get(reverse("reports:exits"), query | {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert re.search(r'attachment; filename="exits-\d{4}-\d{2}-\d{2}\.xlsx"', response["Content-Disposition"])
    rows = sheet_of(response)
    csv_rows = rows_of(client.get(reverse("reports:exits"), query))
    assert len(rows) == len(csv_rows)
    header, alpha = rows[0], next(r for r in rows[1:] if r[0] == "2026-Q1" and r[1] == "Alpha")
    names = csv_rows[0]
    assert alpha[names.index("moved")] is None  # suppressed, as in the CSV
    assert alpha[names.index("job")] == 6  # a number, not text
    assert all(isinstance(title, str) and title for title in header)


def test_excel_export_writes_text_as_text_never_as_a_formula():
    table = presenters.Table("Hold: [A/B]?", [presenters.Column("team", "Team", "text")], [["=HYPERLINK(1)"]])
    rows = sheet_of(exports.xlsx_response(name="t", table=table))
    assert rows == [["Team"], ["=HYPERLINK(1)"]]
    workbook = openpyxl.load_workbook(io.BytesIO(exports.xlsx_response(name="t", table=table).content))
    cell = workbook.worksheets[0]["A2"]
    assert cell.data_type == "s" and workbook.worksheets[0].title == "Hold   A B"


def test_an_unknown_format_is_400(client, world):
    login(client, world.admin)
    response = client.get(reverse("reports:exits"), {"export": "exits", "format": "pdf"})
    assert response.status_code == 400
