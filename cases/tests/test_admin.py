"""Django admin of citizens: masked CPR everywhere, search by full CPR through the digest."""

import pytest
from django.utils import timezone

from cases import cpr as cpr_rules
from cases.models import AccessAction, Case, CaseStatus, Citizen, CitizenAccess
from cases.tests.factories import CitizenFactory, synthetic_cpr
from staff.tests.factories import JobcenterFactory
from staff.tests.test_admin import admin_url, assert_constant_queries, english, form_data  # noqa: F401

pytestmark = pytest.mark.django_db


def plain_forms(number: str) -> list[str]:
    """Every way the full number could leak into a page."""
    digits = number.replace("-", "")
    return [number, digits, f"{digits[:6]} {digits[6:]}"]


def assert_no_plaintext(html: str, *numbers: str) -> None:
    for number in numbers:
        for form in plain_forms(number):
            assert form not in html, f"plaintext CPR {cpr_rules.mask(number)} leaked into the page"


def queued_case(citizen: Citizen) -> Case:
    now = timezone.now()
    return Case.objects.create(
        citizen=citizen,
        jobcenter=citizen.jobcenter,
        programme="flere_skal_med",
        status=CaseStatus.QUEUED,
        opened_at=now,
        queued_at=now,
    )


# --- Pages render, and never show a full CPR number ------------------------------------------


def test_citizen_pages_render_with_the_cpr_masked(admin_client):
    citizen = CitizenFactory(name="Bente Borger")
    queued_case(citizen)
    others = [CitizenFactory(jobcenter=citizen.jobcenter) for _ in range(3)]
    numbers = [citizen.cpr, *(c.cpr for c in others)]

    for url in [
        admin_url(Citizen, "changelist"),
        admin_url(Citizen, "add"),
        admin_url(Citizen, "change", citizen.pk),
        admin_url(Citizen, "delete", citizen.pk),
        admin_url(Citizen, "history", citizen.pk),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_plaintext(response.content.decode(), *numbers)

    change = admin_client.get(admin_url(Citizen, "change", citizen.pk)).content.decode()
    assert cpr_rules.mask(citizen.cpr) in change and "Bente Borger" in change
    listing = admin_client.get(admin_url(Citizen, "changelist")).content.decode()
    assert all(cpr_rules.mask(n) in listing for n in numbers)
    assert str(citizen) == f"Bente Borger ({cpr_rules.mask(citizen.cpr)})"


def test_citizen_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    jobcenter = JobcenterFactory()
    CitizenFactory(jobcenter=jobcenter)

    def grow():
        for _ in range(29):
            CitizenFactory(jobcenter=JobcenterFactory())

    assert_constant_queries(
        admin_client,
        admin_url(Citizen, "changelist"),
        grow=grow,
        bound=10,  # one more: the access layer reads the Viewer once per request
        django_assert_max_num_queries=django_assert_max_num_queries,
    )


# --- Search: by name, and by the full CPR number through the digest -------------------------


@pytest.mark.parametrize("dashed", [True, False])
def test_search_by_full_cpr_finds_the_citizen_without_echoing_the_number(admin_client, dashed):
    wanted = CitizenFactory(name="Ole Olsen")
    other = CitizenFactory(name="Ole Olsen", jobcenter=wanted.jobcenter)  # same name: only the CPR tells
    term = wanted.cpr if dashed else wanted.cpr.replace("-", "")

    response = admin_client.get(admin_url(Citizen, "changelist"), {"q": term})

    # the number is swapped for the citizen's id before anything is rendered
    assert response.status_code == 302
    assert term not in response["Location"] and wanted.cpr.replace("-", "") not in response["Location"]
    page = admin_client.get(response["Location"])
    assert [c.pk for c in page.context["cl"].result_list] == [wanted.pk]
    assert other.pk != wanted.pk
    assert_no_plaintext(page.content.decode(), wanted.cpr, other.cpr)
    # and the hit is in the citizen's access log
    access = CitizenAccess.objects.get(citizen=wanted)
    assert access.action == AccessAction.SEARCH


def test_search_by_unknown_cpr_says_so_without_echoing_it(admin_client):
    CitizenFactory()
    unknown = synthetic_cpr()

    page = admin_client.get(admin_url(Citizen, "changelist"), {"q": unknown}, follow=True)

    html = page.content.decode()
    assert_no_plaintext(html, unknown)
    assert cpr_rules.mask(unknown) in html  # the warning names it masked


def test_search_by_cpr_shaped_impossible_date_finds_nobody_and_is_not_a_500(admin_client):
    CitizenFactory()
    page = admin_client.get(admin_url(Citizen, "changelist"), {"q": "310299-1234"}, follow=True)
    assert page.status_code == 200
    assert "310299-1234" not in page.content.decode()


def test_search_by_name(admin_client):
    anna = CitizenFactory(name="Anna Jensen")
    CitizenFactory(name="Bo Hansen")

    response = admin_client.get(admin_url(Citizen, "changelist"), {"q": "jensen"})

    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [anna.pk]


# --- Add: CPR validated by cases.cpr.parse, created by cases.services.citizen_create ---------


def test_add_citizen_through_admin(admin_client):
    jobcenter = JobcenterFactory()
    data = form_data(admin_client.get(admin_url(Citizen, "add")))
    data.update(name="Karen Karlsen", cpr_number="0107654321", jobcenter=str(jobcenter.pk))

    response = admin_client.post(admin_url(Citizen, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    citizen = Citizen.objects.get(name="Karen Karlsen")
    assert citizen.cpr == "010765-4321"  # normalised
    assert citizen.cpr_digest == cpr_rules.digest("010765-4321")
    assert citizen.birth_date.isoformat() == "1965-07-01"
    assert citizen.jobcenter_id == jobcenter.pk
    page = admin_client.get(response["Location"]).content.decode()
    assert_no_plaintext(page, "010765-4321")


@pytest.mark.parametrize(
    "number",
    ["", "12345", "320165-1234", "010199-4000x", "abcdef-ghij", "010130-5000"],  # last: born 2130
)
def test_add_citizen_refuses_a_bad_cpr_with_a_form_error(admin_client, number):
    data = form_data(admin_client.get(admin_url(Citizen, "add")))
    data.update(name="Nogen", cpr_number=number, jobcenter=str(JobcenterFactory().pk))

    response = admin_client.post(admin_url(Citizen, "add"), data)

    assert response.status_code == 200
    assert "cpr_number" in response.context["adminform"].form.errors
    assert not Citizen.objects.filter(name="Nogen").exists()


def test_add_citizen_refuses_a_cpr_already_registered(admin_client):
    existing = CitizenFactory()
    data = form_data(admin_client.get(admin_url(Citizen, "add")))
    data.update(name="Twin", cpr_number=existing.cpr.replace("-", ""), jobcenter=str(existing.jobcenter_id))

    response = admin_client.post(admin_url(Citizen, "add"), data)

    assert response.status_code == 200
    assert "cpr_number" in response.context["adminform"].form.errors
    assert Citizen.objects.count() == 1


def test_a_duplicate_that_slips_past_the_form_is_a_message_not_a_500(admin_client, monkeypatch):
    # Two administrators registering the same person at the same moment: both forms see
    # nobody; the digest's unique index refuses the second, and the admin says so.
    existing = CitizenFactory()
    data = form_data(admin_client.get(admin_url(Citizen, "add")))
    data.update(name="Twin", cpr_number=existing.cpr, jobcenter=str(existing.jobcenter_id))
    monkeypatch.setattr("cases.admin.citizens.services.citizen_find_by_cpr", lambda *, cpr: None)

    response = admin_client.post(admin_url(Citizen, "add"), data, follow=True)

    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert Citizen.objects.count() == 1


# --- Change: name through citizen_update, CPR never shown, correctable ----------------------


def test_change_citizen_name_and_correct_the_cpr(admin_client):
    citizen = CitizenFactory(name="Old Name")
    old_number = citizen.cpr
    page = admin_client.get(admin_url(Citizen, "change", citizen.pk))
    assert "cpr" not in page.context["adminform"].form.fields
    data = form_data(page)
    assert old_number not in str(data)
    data.update(name="New Name", new_cpr="111282-1234", cpr_change_reason="Identity misuse")

    response = admin_client.post(admin_url(Citizen, "change", citizen.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    citizen.refresh_from_db()
    assert (citizen.name, citizen.cpr, citizen.birth_date.isoformat()) == ("New Name", "111282-1234", "1982-12-11")
    found = admin_client.get(admin_url(Citizen, "changelist"), {"q": "111282-1234"})
    assert f"id__exact={citizen.pk}" in found["Location"]
    assert_no_plaintext(admin_client.get(admin_url(Citizen, "change", citizen.pk)).content.decode(), "111282-1234")


def test_correcting_to_someone_elses_cpr_is_refused(admin_client):
    citizen, other = CitizenFactory(), CitizenFactory()
    data = form_data(admin_client.get(admin_url(Citizen, "change", citizen.pk)))
    data.update(new_cpr=other.cpr, cpr_change_reason="Typo")

    response = admin_client.post(admin_url(Citizen, "change", citizen.pk), data)

    assert response.status_code == 200
    assert "new_cpr" in response.context["adminform"].form.errors


def test_jobcenter_is_fixed_once_registered(admin_client):
    citizen = CitizenFactory()
    elsewhere = JobcenterFactory()
    data = form_data(admin_client.get(admin_url(Citizen, "change", citizen.pk)))
    data["jobcenter"] = str(elsewhere.pk)

    assert admin_client.post(admin_url(Citizen, "change", citizen.pk), data).status_code == 302
    citizen.refresh_from_db()
    assert citizen.jobcenter_id != elsewhere.pk


# --- The access log ---------------------------------------------------------------------------


def test_admin_views_are_in_the_access_log_and_the_log_is_searchable_by_cpr(admin_client, admin_user):
    seen, listed_only = CitizenFactory(), CitizenFactory()
    admin_client.get(admin_url(Citizen, "changelist"))
    admin_client.get(admin_url(Citizen, "change", seen.pk))

    assert set(
        CitizenAccess.objects.filter(user=admin_user, action=AccessAction.LIST).values_list("citizen", flat=True)
    ) == {
        seen.pk,
        listed_only.pk,
    }
    view = CitizenAccess.objects.get(action=AccessAction.VIEW)
    assert (view.citizen_id, view.route) == (seen.pk, admin_url(Citizen, "change", seen.pk))

    # the log a citizen may ask for: found by their full CPR number
    redirect = admin_client.get(admin_url(CitizenAccess, "changelist"), {"q": seen.cpr})
    log = admin_client.get(redirect["Location"])
    assert {a.citizen_id for a in log.context["cl"].result_list} == {seen.pk}
    assert_no_plaintext(log.content.decode(), seen.cpr, listed_only.cpr)
    entry = log.context["cl"].result_list[0]
    assert admin_client.get(admin_url(CitizenAccess, "change", entry.pk)).status_code == 200
    assert admin_client.get(admin_url(CitizenAccess, "add")).status_code == 403
