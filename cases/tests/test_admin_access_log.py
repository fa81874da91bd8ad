"""Finding 9 of the security review: every admin view that shows a citizen writes the access
log, as the changelists and change pages do: the autocomplete (an empty term lists everyone),
the access log's own list, searched by CPR or not, and the object history (ASVS V7.1.1, V7.1.3)."""

import pytest
from django.urls import reverse

from cases.models import AccessAction, Case, Citizen, CitizenAccess
from cases.tests.factories import CitizenFactory
from staff.tests.test_admin import admin_url, english  # noqa: F401

from .test_admin import queued_case

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = {"app_label": "cases", "model_name": "case", "field_name": "citizen"}


def _recorded(user, action: str) -> set[int]:
    return set(CitizenAccess.objects.filter(user=user, action=action).values_list("citizen_id", flat=True))


def test_the_autocomplete_records_everyone_an_empty_term_lists(admin_client, admin_user):
    citizens = [CitizenFactory() for _ in range(3)]
    response = admin_client.get(reverse("admin:autocomplete"), {**AUTOCOMPLETE, "term": ""})
    assert response.status_code == 200
    shown = {int(row["id"]) for row in response.json()["results"]}
    assert shown == {c.pk for c in citizens}
    assert _recorded(admin_user, AccessAction.LIST) == shown
    assert set(CitizenAccess.objects.values_list("route", flat=True)) == {reverse("admin:autocomplete")}


def test_the_autocomplete_records_a_search_by_name_and_by_cpr(admin_client, admin_user):
    wanted, other = CitizenFactory(name="Karen Jensen"), CitizenFactory(name="Ole Hansen")
    by_name = admin_client.get(reverse("admin:autocomplete"), {**AUTOCOMPLETE, "term": "Karen"}).json()
    assert [int(row["id"]) for row in by_name["results"]] == [wanted.pk]
    by_cpr = admin_client.get(reverse("admin:autocomplete"), {**AUTOCOMPLETE, "term": other.cpr}).json()
    assert [int(row["id"]) for row in by_cpr["results"]] == [other.pk]
    assert _recorded(admin_user, AccessAction.SEARCH) == {wanted.pk, other.pk}


def test_the_autocomplete_records_only_the_page_it_answers(admin_client, admin_user):
    for _ in range(25):  # Django's autocomplete answers 20 at a time
        CitizenFactory()
    shown = admin_client.get(reverse("admin:autocomplete"), {**AUTOCOMPLETE, "term": ""}).json()["results"]
    assert _recorded(admin_user, AccessAction.LIST) == {int(row["id"]) for row in shown}
    assert len(shown) == 20


def test_the_access_log_searched_by_cpr_records_the_citizen_it_shows(admin_client, admin_user):
    seen, other = CitizenFactory(), CitizenFactory()
    CitizenAccess.objects.create(user=admin_user, citizen=seen, action=AccessAction.VIEW, route="/x/")
    CitizenAccess.objects.create(user=admin_user, citizen=other, action=AccessAction.VIEW, route="/x/")
    redirect = admin_client.get(admin_url(CitizenAccess, "changelist"), {"q": seen.cpr})
    assert not _recorded(admin_user, AccessAction.SEARCH)  # the redirect shows nobody
    log = admin_client.get(redirect["Location"])
    assert log.status_code == 200
    assert _recorded(admin_user, AccessAction.SEARCH) == {seen.pk}


def test_the_access_log_listed_and_one_entry_opened_are_recorded(admin_client, admin_user):
    seen = CitizenFactory()
    entry = CitizenAccess.objects.create(user=admin_user, citizen=seen, action=AccessAction.VIEW, route="/x/")
    admin_client.get(admin_url(CitizenAccess, "changelist"))
    assert _recorded(admin_user, AccessAction.LIST) == {seen.pk}
    admin_client.get(admin_url(CitizenAccess, "change", entry.pk))
    opened = CitizenAccess.objects.filter(route=admin_url(CitizenAccess, "change", entry.pk))
    assert list(opened.values_list("citizen_id", "action")) == [(seen.pk, AccessAction.VIEW)]


@pytest.mark.parametrize("model", [Citizen, Case])
def test_the_object_history_records_the_citizen(admin_client, admin_user, model):
    citizen = CitizenFactory()
    obj = citizen if model is Citizen else queued_case(citizen)
    url = admin_url(model, "history", obj.pk)
    assert admin_client.get(url).status_code == 200
    rows = CitizenAccess.objects.filter(user=admin_user, route=url)
    assert list(rows.values_list("citizen_id", "action")) == [(citizen.pk, AccessAction.VIEW)]


def test_the_history_of_a_missing_citizen_records_nothing(admin_client):
    response = admin_client.get(admin_url(Citizen, "history", 987654))
    assert response.status_code in (302, 404)
    assert not CitizenAccess.objects.exists()
