"""The password reset: styled pages in Danish, a working single-use link, and the limits per
client address and per e-mail address that keep the form from sending floods of e-mail."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import django_ratelimit.core
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse

from web.views.password_reset import PasswordResetView

from .conftest import make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "Solsikke-Marken-2026"
LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """django-ratelimit counts in fixed windows of the wall clock; a test running across the
    end of one would see its counts start over. Here the clock stands still unless moved."""
    frozen = Clock()
    monkeypatch.setattr(django_ratelimit.core, "time", frozen)
    return frozen


@pytest.fixture(autouse=True)
def _no_counts_from_other_tests():
    # Never a real Redis here: clear() would flush the whole database, broker queues included.
    assert django_settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    cache.clear()


@pytest.fixture
def anna(db):
    return make_user(username="anna", first_name="Anna", last_name="Andersen")  # anna@example.dk


def _ask(client: Client, email: str, ip: str = "192.0.2.10", **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip, **extra)


def _link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def _set_new_password(client: Client, link: str):
    form = client.get(link, follow=True)  # the token moves into the session, out of the address
    assert form.context["validlink"], form.text
    return client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def _template_names(response) -> list[str]:
    return [t.name for t in response.templates]


# --- The pages ---------------------------------------------------------------------------


def test_the_reset_form_is_ours_not_djangos_unthrottled_one():
    assert resolve("/accounts/password_reset/").func.view_class is PasswordResetView
    assert reverse("password_reset") == "/accounts/password_reset/"


@pytest.mark.parametrize(
    ("url", "template", "danish"),
    [
        ("/accounts/password_reset/", "password_reset_form", "Glemt din adgangskode?"),
        ("/accounts/password_reset/done/", "password_reset_done", "Tjek din e-mail"),
        ("/accounts/reset/MQ/not-a-token/", "password_reset_confirm", "Linket virker ikke"),
        ("/accounts/reset/done/", "password_reset_complete", "Den nye adgangskode er gemt"),
    ],
)
def test_every_reset_page_is_styled_and_in_danish(client, url, template, danish):
    response = client.get(url)
    assert response.status_code == 200
    assert _template_names(response)[:2] == [f"registration/{template}.html", "base.html"]
    assert 'lang="da"' in response.text and danish in response.text
    # the strict CSP allows no inline code: every script is a file, no element carries a style
    assert "<script>" not in response.text and " style=" not in response.text


def test_the_form_asks_for_an_email_address_in_danish(client):
    response = client.get(reverse("password_reset"))
    assert 'type="email"' in response.text and 'name="email"' in response.text
    assert "Send linket" in response.text
    assert 'class="stacked-form"' in response.text


def test_the_login_page_links_to_the_reset_form(client):
    response = client.get(reverse("login"))
    assert '<a href="/accounts/password_reset/">Glemt din adgangskode?</a>' in response.text


def test_an_empty_form_comes_back_with_its_error_and_sends_nothing(client):
    response = _ask(client, "")
    assert response.status_code == 200
    assert "Ret venligst fejlene nedenfor." in response.text
    assert mail.outbox == []


# --- The e-mail and the link -------------------------------------------------------------


def test_a_known_address_gets_one_email_whose_link_sets_a_new_password(client, anna):
    # when Anna asks for a new password
    response = _ask(client, "anna@example.dk")
    # then she is told to check her e-mail, and gets exactly one, in Danish
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.dk"]
    assert message.subject == "Vælg en ny adgangskode til Jobcentrets sagsstammer"
    assert message.body.startswith("Hej Anna Andersen,")
    assert "Dit brugernavn er: anna" in message.body
    assert "Linket virker én gang, i 3 dage." in message.body
    assert "&" not in message.body.replace(LINK.search(message.body).group(0), "")  # plain text, not escaped
    # when she follows the link and chooses a new password
    done = _set_new_password(client, _link_in(message))
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    # then she logs in with the new password, and no longer with the old one
    assert Client().post(reverse("login"), {"username": "anna", "password": NEW_PASSWORD}).status_code == 302
    assert Client().post(reverse("login"), {"username": "anna", "password": "pw"}).status_code == 200


def test_an_unknown_address_gets_the_same_page_and_no_email(client, anna):
    known = _ask(client, "anna@example.dk")
    unknown = _ask(client, "nobody@example.dk")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [["anna@example.dk"]]
    page = client.get(unknown["Location"])
    assert "Hvis adressen hører til et login her" in page.text
    assert "nobody@example.dk" not in page.text


def test_the_link_works_once(client, anna):
    _ask(client, "anna@example.dk")
    link = _link_in(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    first = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert first.status_code == 302
    # the same link again, from anywhere, says that it does not work and offers a new one
    again = Client().get(link, follow=True)
    assert again.status_code == 200 and not again.context["validlink"]
    assert "Linket virker ikke" in again.text and 'href="/accounts/password_reset/"' in again.text
    # and the set-password page takes no second password
    second = client.post(set_password_url, {"new_password1": "Andet-Kodeord-99", "new_password2": "Andet-Kodeord-99"})
    assert second.status_code == 200 and not second.context["validlink"]
    anna.refresh_from_db()
    assert anna.check_password(NEW_PASSWORD)


# --- The limits --------------------------------------------------------------------------


def test_the_sixth_request_from_one_client_within_the_hour_is_refused(client, anna):
    for n in range(5):
        assert _ask(client, f"nobody{n}@example.dk").status_code == 302
    # the sixth, for a known address, gets the page that says so, and no e-mail goes out
    refused = _ask(client, "anna@example.dk")
    assert refused.status_code == 429
    assert mail.outbox == []
    assert _template_names(refused)[:2] == ["registration/password_reset_limited.html", "base.html"]
    assert "Der er ikke sendt nogen e-mail. Prøv igen om" in refused.text
    assert 60 <= int(refused["Retry-After"]) <= 3600
    # another client is counted on its own
    assert _ask(client, "anna@example.dk", ip="198.51.100.7").status_code == 302
    assert len(mail.outbox) == 1


def test_the_fourth_request_for_one_address_is_refused_whoever_asks(client, anna):
    for n in range(3):
        assert _ask(client, "anna@example.dk", ip=f"198.51.100.{n + 1}").status_code == 302
    assert len(mail.outbox) == 3
    refused = _ask(client, "anna@example.dk", ip="203.0.113.9")
    assert refused.status_code == 429
    assert len(mail.outbox) == 3
    # that client may still ask for another address
    assert _ask(client, "bo@example.dk", ip="203.0.113.9").status_code == 302


def test_the_address_counts_however_it_is_written(client, db):
    make_user(username="sif")  # sif@example.dk
    # the long "ſ" is "s" once normalised (NFKC), as the form compares addresses
    for n, email in enumerate(["Sif@Example.dk", " sif@example.dk ", "ſif@example.dk"]):
        assert _ask(client, email, ip=f"198.51.100.{n + 1}").status_code == 302
    assert _ask(client, "SIF@EXAMPLE.DK", ip="203.0.113.9").status_code == 429


def test_a_client_over_its_own_limit_cannot_use_up_a_colleagues_count(client, anna):
    for n in range(5):
        _ask(client, f"nobody{n}@example.dk", ip="203.0.113.66")
    for _ in range(5):
        assert _ask(client, "anna@example.dk", ip="203.0.113.66").status_code == 429
    # Anna, who has had no e-mail, still gets one when she asks
    assert _ask(client, "anna@example.dk").status_code == 302
    assert len(mail.outbox) == 1


def test_the_limit_lifts_when_the_hour_is_over(client, anna, clock):
    for _ in range(3):
        _ask(client, "anna@example.dk")
    assert _ask(client, "anna@example.dk").status_code == 429
    clock.now += 3600
    assert _ask(client, "anna@example.dk").status_code == 302
    assert len(mail.outbox) == 4


def test_a_spoofed_forwarded_for_header_does_not_make_a_new_client(client, anna):
    # no trusted proxy (the default): X-Forwarded-For is the client's own claim
    for n in range(5):
        assert _ask(client, f"nobody{n}@example.dk", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}").status_code == 302
    assert _ask(client, "anna@example.dk", HTTP_X_FORWARDED_FOR="6.6.6.99").status_code == 429


def test_behind_our_proxy_the_limit_counts_the_address_axes_locks_logins_by(client, anna, settings):
    assert settings.RATELIMIT_IP_META_KEY == settings.AXES_CLIENT_IP_CALLABLE
    settings.TRUSTED_PROXY_COUNT = 1
    # every request reaches us from the proxy; what the client claims (left) changes, the
    # entry our proxy wrote (right) does not
    for n in range(5):
        forwarded = f"6.6.6.{n}, 203.0.113.7"
        assert _ask(client, f"nobody{n}@example.dk", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code == 302
    assert _ask(client, "anna@example.dk", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # a second client behind the same proxy is not affected
    assert _ask(client, "anna@example.dk", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


def test_the_page_says_so_in_english_when_english_is_chosen(client, anna):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(3):
        _ask(client, "anna@example.dk")
    refused = _ask(client, "anna@example.dk")
    assert refused.status_code == 429
    assert "No e-mail was sent. Try again in" in refused.text


# --- The shared cache --------------------------------------------------------------------

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "jobcenter.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "CPR_ENCRYPTION_KEY": secrets.token_urlsafe(48),
    "DJANGO_ALLOWED_HOSTS": "jobcenter.example.dk",
    "DATABASE_URL": "postgres://jobcenter:secret@db.example.dk:5432/jobcenter",
    "EMAIL_URL": "smtp+tls://jobcenter:secret@smtp.example.dk:587",
}


def _production(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    environment.update(PRODUCTION, **env)
    return subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("redis://redis.example.dk:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ("", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_production_counts_in_redis_when_there_is_one(tmp_path, redis_url, backend):
    probe = "import django; django.setup(); from django.conf import settings as s; print(s.CACHES['default'])"
    result = _production(["-c", probe], tmp_path, REDIS_URL=redis_url)
    assert result.returncode == 0, result.stderr
    assert f"'BACKEND': '{backend}'" in result.stdout
    assert redis_url in result.stdout


def test_the_deployment_check_passes_with_redis_too(tmp_path):
    # (without REDIS_URL: jobcenter/tests/test_security.py)
    result = _production(
        [str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        REDIS_URL="redis://redis.example.dk:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.redis
def test_the_limits_hold_in_a_real_redis(client, anna, settings):
    # Django's own RedisCache, as production configures it; a fresh prefix, so no clear() is needed
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-password-reset-{uuid.uuid4().hex}",
        }
    }
    for n in range(3):
        assert _ask(client, "anna@example.dk", ip=f"198.51.100.{n + 1}").status_code == 302
    assert _ask(client, "anna@example.dk", ip="198.51.100.9").status_code == 429
    assert len(mail.outbox) == 3


def test_without_its_cache_the_form_refuses_politely_and_sends_nothing(client, anna, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from web.views import password_reset

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(password_reset, "get_usage", unreachable)
    response = _ask(client, "anna@example.dk")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Prøv igen senere" in response.text
    assert mail.outbox == []


def test_the_request_only_hands_the_e_mail_to_the_worker(anna, monkeypatch):
    # Sent in the request, a registered address answered ~10x slower than an unknown one.
    from web import tasks

    handed = []
    monkeypatch.setattr(tasks.send_password_reset, "apply_async", lambda args, kwargs: handed.append((args, kwargs)))

    response = Client().post(reverse("password_reset"), {"email": "anna@example.dk"})

    assert response.status_code == 302 and mail.outbox == []
    [(args, kwargs)] = handed
    assert args == [anna.pk] and kwargs["language"] == "da"
    # the worker then makes a working link and sends it
    assert tasks.send_password_reset(*args, **kwargs) is True
    [message] = mail.outbox
    link = LINK.search(message.body).group(1)
    assert Client().get(link, follow=True).status_code == 200


def test_without_a_broker_the_link_is_still_sent(anna, monkeypatch):
    from kombu.exceptions import OperationalError

    from web import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.send_password_reset, "apply_async", broker_down)
    assert Client().post(reverse("password_reset"), {"email": "anna@example.dk"}).status_code == 302
    assert len(mail.outbox) == 1
