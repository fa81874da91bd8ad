"""The doors: the object for a user who may see it, a 404 for anybody else and for any id
that is not a positive whole number."""

import datetime

import pytest
from django.http import Http404

from access import doors
from allocation.models import Alert, AlertKind
from trials.models import Trial

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "", " 1", "1 ", "+1", "-1", "0", 0, -5, "1.5", 1.5, None, True, [1], "١", "9" * 30, 2**63]


@pytest.mark.parametrize("value", NOT_IDS)
def test_what_cannot_be_an_id_is_none(value):
    assert doors.object_id(value) is None


@pytest.mark.parametrize("value, expected", [(1, 1), ("1", 1), ("42", 42), (2**63 - 1, 2**63 - 1)])
def test_ids(value, expected):
    assert doors.object_id(value) == expected


def _trial(town):
    return Trial.objects.create(
        name="T", jobcenter=town.team.jobcenter, programme="flere_skal_med", starts_on=datetime.date(2026, 1, 1)
    )


def _alert(town):
    return Alert.objects.create(kind=AlertKind.TEAM_OVER_CAPACITY, team=town.team, message="over")


def _every_door(town):
    """(door, an object behind it) for every door."""
    return [
        (doors.access_case, town.case),
        (doors.access_citizen, town.case.citizen),
        (doors.access_team, town.team),
        (doors.access_caseworker, town.holder),
        (doors.access_jobcenter, town.team.jobcenter),
        (doors.access_alert, _alert(town)),
        (doors.access_trial, _trial(town)),
    ]


def test_an_admin_reaches_everything_by_int_or_digits(town):
    for door, obj in _every_door(town):
        assert door(town.admin, obj.pk) == obj
        assert door(town.admin, str(obj.pk)) == obj


@pytest.mark.parametrize("value", NOT_IDS)
def test_an_id_that_is_not_one_is_a_404_never_an_error(town, value):
    for door, _ in _every_door(town):
        with pytest.raises(Http404):
            door(town.admin, value)


def test_the_id_in_other_digits_does_not_reach_the_object(town):
    arabic_indic = str(town.case.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(Http404):
        doors.access_case(town.admin, arabic_indic)


def test_what_a_user_may_not_see_is_a_404(town):
    assert doors.access_case(town.leader, town.case.pk) == town.case
    assert doors.access_case(town.holder.user, town.case.pk) == town.case
    for user in (town.stranger.user, town.far_away.user, None):
        with pytest.raises(Http404, match="No such case"):
            doors.access_case(user, town.case.pk)
    with pytest.raises(Http404):
        doors.access_team(town.leader, town.unled.pk)
    with pytest.raises(Http404):
        doors.access_caseworker(town.leader, town.stranger.pk)
    with pytest.raises(Http404):
        doors.access_trial(town.leader, _trial(town).pk)  # trials are for admins


def test_select_related_joins_in_what_the_page_shows(town, django_assert_num_queries):
    with django_assert_num_queries(2):  # the Viewer, then the case with its citizen and team
        case = doors.access_case(town.leader, town.case.pk, select_related=("citizen", "caseworker__team"))
    with django_assert_num_queries(0):
        assert (case.citizen.name, case.caseworker.team.name) == (town.case.citizen.name, "A")


def test_a_team_with_its_load_figures(town):
    team = doors.access_team(town.leader, town.team.pk, with_load=True)
    assert (team.caseworker_count, team.open_cases_total, team.capacity) == (2, 1, 20)
