"""The admin's CPR change: a reason is required, and a search by the old number finds the
citizen with a notice."""

import pytest
from django.utils import translation
from django.utils.html import escape

from cases.models import Citizen, CprChange
from cases.selectors import cpr_change_notice
from cases.tests.factories import CitizenFactory
from staff.tests.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db


def test_a_new_number_without_a_reason_is_refused(admin_client):
    citizen = CitizenFactory()
    data = form_data(admin_client.get(admin_url(Citizen, "change", citizen.pk)))
    data.update(new_cpr="111282-1234", cpr_change_reason="")

    response = admin_client.post(admin_url(Citizen, "change", citizen.pk), data)

    assert response.status_code == 200
    assert "cpr_change_reason" in response.context["adminform"].form.errors
    assert not CprChange.objects.exists()


def test_the_change_is_recorded_with_who_and_why_and_the_old_number_finds_the_citizen(admin_client, admin_user):
    citizen = CitizenFactory()
    old = citizen.cpr
    data = form_data(admin_client.get(admin_url(Citizen, "change", citizen.pk)))
    data.update(new_cpr="111282-1234", cpr_change_reason="Identity misuse")

    assert admin_client.post(admin_url(Citizen, "change", citizen.pk), data).status_code == 302

    change = CprChange.objects.get(citizen=citizen)
    assert (change.changed_by, change.reason, change.old_cpr) == (admin_user, "Identity misuse", old)
    found = admin_client.get(admin_url(Citizen, "changelist"), {"q": old}, follow=True)
    assert [c.pk for c in found.context["cl"].result_list] == [citizen.pk]
    with translation.override("da"):  # the admin speaks the site's language
        notice = cpr_change_notice(change.changed_at)
    assert escape(notice) in found.content.decode()
    page = admin_client.get(admin_url(Citizen, "change", citizen.pk)).content.decode()
    assert "Identity misuse" in page and old not in page


def test_the_citizen_page_links_to_the_own_copy(admin_client):
    citizen = CitizenFactory()
    page = admin_client.get(admin_url(Citizen, "change", citizen.pk)).content.decode()
    assert f"/admin/subject_access/subjectaccessrequest/produce/{citizen.pk}/" in page
