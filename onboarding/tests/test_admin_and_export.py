import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allocation.reconcile import caseload_drift
from cases.models import AccessAction, Case, CaseStatus, Citizen, CitizenAccess
from onboarding import exports
from onboarding.models import ImportKind, ImportRun, ImportStatus
from staff.models import Caseworker, Jobcenter, Team
from staff.tests.factories import AdminFactory

from .helpers import citizen_row, import_caseload, import_organisation, organisation_file, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return AdminFactory(username="admin")


def test_the_admin_shows_the_dry_run_and_writes_only_on_confirm(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("org.csv", organisation_file([person("anna"), person("bo", fte="2")]))
    response = client.post(reverse("admin:onboarding_importrun_add"), {"kind": "organisation", "file": upload})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.status == ImportStatus.PLANNED
    assert not Caseworker.objects.exists()
    page = client.get(reverse("admin:onboarding_importrun_change", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    assert "Normeringen skal være et tal over 0 og højst 1." in page.content.decode()
    assert "Bekræft import" in page.content.decode()
    client.post(reverse("admin:onboarding_importrun_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.content == b""
    assert list(Caseworker.objects.values_list("user__username", flat=True)) == ["anna"]


def test_a_bad_upload_is_a_form_error_not_a_500(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("org.pdf", b"%PDF-1.4")
    response = client.post(reverse("admin:onboarding_importrun_add"), {"kind": "organisation", "file": upload})
    assert response.status_code == 200 and not ImportRun.objects.exists()


def test_a_run_cannot_be_confirmed_twice(client, admin_user):
    client.force_login(admin_user)
    run = import_organisation([person("anna")], admin_user)
    response = client.post(reverse("admin:onboarding_importrun_confirm", args=[run.pk]))
    assert response.status_code == 302
    assert Caseworker.objects.count() == 1


def test_a_non_superuser_staff_member_cannot_import(client):
    staff = AdminFactory(username="staffer", is_superuser=False)
    client.force_login(staff)
    assert client.get(reverse("admin:onboarding_importrun_add")).status_code == 403


def _caseloads():
    return sorted(
        (
            c.citizen.cpr,
            c.citizen.name,
            c.programme,
            c.target_group,
            c.complexity,
            c.caseworker.user.username,
            c.opened_at.date(),
        )
        for c in Case.objects.filter(status=CaseStatus.OPEN).select_related("citizen", "caseworker__user")
    )


def test_export_then_import_into_an_empty_database_gives_the_same_caseloads(admin_user):
    import_organisation(
        [
            person("anna"),
            person("bo", fte="0.5", team="Team B", unit_type="psychiatric"),
            person("lise", role="", leader="yes"),
        ],
        admin_user,
    )
    import_caseload(
        [
            citizen_row(),
            citizen_row(),
            citizen_row(caseworker="bo", programme="psychiatric", complexity="simple"),
            citizen_row(programme="", caseworker=""),
        ],
        admin_user,
    )
    jobcenter = Jobcenter.objects.get()
    before = _caseloads()
    leaders = list(Team.objects.filter(leaders__isnull=False).values_list("name", "leaders__username"))
    org = exports.jobcenter_export(jobcenter=jobcenter, kind=ImportKind.ORGANISATION, file_format="xlsx", by=admin_user)
    load = exports.jobcenter_export(
        jobcenter=jobcenter, kind=ImportKind.CASELOAD, file_format="csv", by=admin_user, with_cpr=True
    )
    # an empty database: everything but the administrator goes
    from django.contrib.auth import get_user_model

    from allocation.models import CaseAssignment

    CitizenAccess.objects.all().delete()
    CaseAssignment.objects.all().delete()
    Case.objects.all().delete()
    Citizen.objects.all().delete()
    Caseworker.objects.all().delete()
    Team.objects.all().delete()
    Jobcenter.objects.all().delete()
    get_user_model().objects.exclude(pk=admin_user.pk).delete()

    from .helpers import run_import

    run_import(kind=ImportKind.ORGANISATION, content=org, by=admin_user, commit=True, name="org.xlsx")
    run = run_import(kind=ImportKind.CASELOAD, content=load, by=admin_user, commit=True, name="load.csv")
    assert run.counts["refuse"] == 0
    assert _caseloads() == before
    assert Citizen.objects.count() == 4
    assert list(Team.objects.filter(leaders__isnull=False).values_list("name", "leaders__username")) == leaders
    assert caseload_drift() == []


def test_cpr_numbers_leave_only_on_purpose_and_are_access_logged(admin_user):
    import_organisation([person("anna")], admin_user)
    import_caseload([citizen_row(cpr="010180-1234"), citizen_row(cpr="020280-2345")], admin_user)
    CitizenAccess.objects.all().delete()
    jobcenter = Jobcenter.objects.get()
    masked = exports.jobcenter_export(jobcenter=jobcenter, kind=ImportKind.CASELOAD, file_format="csv", by=admin_user)
    assert b"010180-XXXX" in masked and b"010180-1234" not in masked
    assert not CitizenAccess.objects.exists()
    full = exports.jobcenter_export(
        jobcenter=jobcenter, kind=ImportKind.CASELOAD, file_format="csv", by=admin_user, with_cpr=True
    )
    assert b"010180-1234" in full
    logged = CitizenAccess.objects.filter(action=AccessAction.EXPORT, user=admin_user)
    assert sorted(logged.values_list("citizen__name", flat=True)) == ["Borger Jensen", "Borger Jensen"]


def test_a_masked_export_cannot_be_imported_as_a_caseload(admin_user):
    import_organisation([person("anna")], admin_user)
    import_caseload([citizen_row()], admin_user)
    masked = exports.jobcenter_export(
        jobcenter=Jobcenter.objects.get(), kind=ImportKind.CASELOAD, file_format="csv", by=admin_user
    )
    from .helpers import run_import

    run = run_import(kind=ImportKind.CASELOAD, content=masked, by=admin_user, commit=False)
    assert run.counts["refuse"] == 1


def test_the_admin_export_view_downloads_a_file(client, admin_user):
    import_organisation([person("anna")], admin_user)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:onboarding_importrun_export"),
        {"jobcenter": Jobcenter.objects.get().pk, "kind": "organisation", "file_format": "csv"},
    )
    assert response.status_code == 200 and b"anna" in response.content


def test_a_run_that_does_not_exist_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/onboarding/importrun/abc/change/").status_code == 404
    assert client.get("/admin/onboarding/importrun/999/change/").status_code == 404
