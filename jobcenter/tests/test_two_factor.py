"""Two-factor authentication on every way in (issue 13, finding 2): with ADMIN_REQUIRE_OTP
on, an administrator acts through no door — pages, the session API, API tokens — on a
password alone. ASVS V2.8.1 and V2.8.4 (time-based one-time codes, each accepted once),
V2.2.1 (guessing throttled), V4.3.1 (multi-factor authentication for administration), V3.5
(a token is issued only after the full authentication)."""

from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from web.tests.conftest import make_user

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
required = override_settings(ADMIN_REQUIRE_OTP=True)


@pytest.fixture
def admin(db):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def device(admin):
    return TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)


@pytest.fixture
def caseworker(db):
    return make_user(username="anna")


def _right(device) -> str:
    return f"{totp(device.bin_key):06d}"


def _wrong(device) -> str:
    return f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _token(username, otp_token=None):
    body = {"username": username, "password": "pw"}
    if otp_token is not None:
        body["otp_token"] = otp_token
    return APIClient().post(TOKEN, body, format="json")


def _acts(client) -> tuple[int, int, int]:
    """What a session reaches: a page, a report page and the session API."""
    return client.get("/").status_code, client.get("/reports/").status_code, client.get("/api/v1/me/").status_code


# --- Pages and the session API -----------------------------------------------------------


@required
def test_the_login_page_logs_an_administrator_in_only_with_the_right_code(client, device):
    page = client.get(LOGIN).content.decode()
    assert 'name="otp_token"' in page and 'autocomplete="one-time-code"' in page

    without = client.post(LOGIN, {"username": "root", "password": "pw"})
    assert without.status_code == 200 and not _logged_in(client)
    assert without.context["form"].has_error("__all__", "otp_required")

    wrong = client.post(LOGIN, {"username": "root", "password": "pw", "otp_token": _wrong(device)})
    assert wrong.context["form"].has_error("__all__", "otp_invalid") and not _logged_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()  # django-otp slows down guessing after a wrong code

    right = client.post(LOGIN, {"username": "root", "password": "pw", "otp_token": _right(device)})
    assert right.status_code == 302 and _logged_in(client)
    assert _acts(client) == (200, 200, 200)
    assert client.get("/admin/").status_code == 200  # the verified session opens the admin too


@required
def test_a_code_is_accepted_once(client, device):
    code = _right(device)
    assert client.post(LOGIN, {"username": "root", "password": "pw", "otp_token": code}).status_code == 302
    again = Client().post(LOGIN, {"username": "root", "password": "pw", "otp_token": code})
    assert again.status_code == 200


@required
def test_a_password_only_session_of_an_administrator_reaches_nothing(client, device, admin):
    # given a session opened with a password alone (any door but ours: force_login stands for it)
    client.force_login(admin)
    # then no page, no report and no session-API data
    home, reports, me = client.get("/"), client.get("/reports/"), client.get("/api/v1/me/")
    assert home.status_code == reports.status_code == 302
    assert home["Location"].startswith(f"{LOGIN}?next=/")
    assert me.status_code == 403 and me.json() == {
        "detail": "This account must log in with its second factor (TOTP code).",
        "code": "otp_required",
    }
    assert client.post("/api/v1/jobcenters/", {"name": "X", "municipality_code": "555"}).status_code == 403
    assert client.get("/admin/").status_code == 302
    # and the login page tells them why, and takes the code
    page = client.get(LOGIN + "?next=/").content.decode()
    assert "log ind igen med koden" in page
    assert client.post(LOGIN, {"username": "root", "password": "pw", "otp_token": _right(device)}).status_code == 302
    assert _acts(client) == (200, 200, 200)


@required
def test_an_administrator_without_a_device_is_told_whom_to_ask(client, admin):
    response = client.post(LOGIN, {"username": "root", "password": "pw", "otp_token": "123456"})
    assert response.status_code == 200 and not _logged_in(client)
    assert response.context["form"].has_error("__all__", "otp_no_device")
    assert "Bed en anden administrator" in response.content.decode()
    assert _token("root", "123456").json()["otp_token"][0].startswith("Denne konto kræver totrinsgodkendelse")


def test_without_the_setting_an_administrator_logs_in_with_a_password_alone(client, device, settings):
    assert settings.ADMIN_REQUIRE_OTP is False
    assert 'name="otp_token"' not in client.get(LOGIN).content.decode()
    assert client.post(LOGIN, {"username": "root", "password": "pw"}).status_code == 302
    assert _acts(client) == (200, 200, 200)
    assert _token("root").status_code == 200


@required
def test_a_caseworker_is_not_asked_for_a_code(client, caseworker):
    assert client.post(LOGIN, {"username": "anna", "password": "pw"}).status_code == 302
    assert _acts(client)[2] == 200
    forced = Client()
    forced.force_login(caseworker)
    assert forced.get("/api/v1/me/").status_code == 200
    response = _token("anna")
    assert response.status_code == 200
    assert _with(response.json()["token"]).get("/api/v1/me/").status_code == 200


# --- API tokens --------------------------------------------------------------------------


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@required
def test_the_token_exchange_refuses_an_administrator_without_the_right_code(device):
    without = _token("root")
    assert without.status_code == 400 and set(without.json()) == {"otp_token"}
    assert _token("root", "").status_code == 400
    wrong = _token("root", _wrong(device))
    assert wrong.status_code == 400 and "token" not in wrong.json()
    device.throttle_reset()
    right = _token("root", _right(device))
    assert right.status_code == 200
    # a token issued with the code counts as verified: the API works with it
    assert _with(right.json()["token"]).get("/api/v1/me/").json()["is_admin"] is True


@required
def test_the_code_is_checked_only_after_the_password(device):
    response = APIClient().post(
        TOKEN, {"username": "root", "password": "wrong", "otp_token": _right(device)}, format="json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


# --- The first administrator's device ----------------------------------------------------


@required
def test_the_first_administrator_gets_a_device_from_the_command_line(client, admin):
    out = StringIO()
    call_command("add_totp_device", "root", stdout=out)
    url = urlparse(out.getvalue().strip())
    assert url.scheme == "otpauth" and "secret" in parse_qs(url.query)
    device = TOTPDevice.objects.get(user=admin)
    assert device.confirmed
    assert client.post(LOGIN, {"username": "root", "password": "pw", "otp_token": _right(device)}).status_code == 302
