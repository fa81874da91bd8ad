"""Settings per environment: production refuses to start without real secrets.

Each case imports the settings in a fresh interpreter with a controlled environment,
because settings are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_SECRET = secrets.token_urlsafe(64)
GOOD_CPR_KEY = secrets.token_urlsafe(48)
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({'debug': s.DEBUG, 'secret': s.SECRET_KEY, 'cpr': s.CPR_ENCRYPTION_KEY, "
    "'hosts': s.ALLOWED_HOSTS, 'engine': db['ENGINE'], 'name': str(db['NAME']), "
    "'options': db.get('OPTIONS', {}), 'ssl_redirect': getattr(s, 'SECURE_SSL_REDIRECT', False), "
    "'secure_cookies': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE, 'tz': s.TIME_ZONE, "
    "'language': s.LANGUAGE_CODE, 'languages': [c for c, _ in s.LANGUAGES]}))"
)


def _dotenv_defines(name: str) -> bool:
    """A developer's .env (read by base.py for unset variables) could mask a missing one."""
    dotenv = ROOT / ".env"
    return dotenv.exists() and any(line.startswith(f"{name}=") for line in dotenv.read_text().splitlines())


def _run(module: str, **env: str | None) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(ROOT)}
    environment["DJANGO_SETTINGS_MODULE"] = f"jobcenter.settings.{module}"
    environment.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def _production(**overrides: str | None) -> subprocess.CompletedProcess:
    env = {
        "DJANGO_SECRET_KEY": GOOD_SECRET,
        "CPR_ENCRYPTION_KEY": GOOD_CPR_KEY,
        "DJANGO_ALLOWED_HOSTS": "jobcenter.example.dk,localhost",
        "DATABASE_URL": "postgres://jobcenter:pw@postgres:5432/jobcenter",
        "EMAIL_URL": "smtp+tls://jobcenter:pw@smtp.example.dk:587",
    }
    env.update(overrides)
    return _run("production", **{k: v for k, v in env.items() if v is not None})


def _settings(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_production_starts_with_proper_values():
    settings = _settings(_production())
    assert settings["debug"] is False
    assert settings["secret"] == GOOD_SECRET and settings["cpr"] == GOOD_CPR_KEY
    assert settings["hosts"] == ["jobcenter.example.dk", "localhost"]
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["ssl_redirect"] is True and settings["secure_cookies"] is True


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "CPR_ENCRYPTION_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_a_missing_required_variable(name):
    if _dotenv_defines(name):
        pytest.skip(f"the local .env sets {name}; the empty-value case below still runs")
    _refused(_production(**{name: None}), name)


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "CPR_ENCRYPTION_KEY"])
def test_production_refuses_an_empty_secret(name):
    _refused(_production(**{name: ""}), name)


@pytest.mark.parametrize(
    "secret",
    [
        "local-development-secret-key-not-for-production",  # the local default
        "test-secret-key",  # the test default
        "short-but-not-a-default",
        "x" * 49,
    ],
)
def test_production_refuses_a_default_or_weak_secret_key(secret):
    _refused(_production(DJANGO_SECRET_KEY=secret), "DJANGO_SECRET_KEY")


@pytest.mark.parametrize("key", ["local-development-cpr-key", "test-cpr-key", "too-short-cpr-key"])
def test_production_refuses_a_default_or_weak_cpr_key(key):
    _refused(_production(CPR_ENCRYPTION_KEY=key), "CPR_ENCRYPTION_KEY")


@pytest.mark.parametrize("url", [None, "", "consolemail://", "dummymail://", "filemail:///tmp/mail"])
def test_production_refuses_to_start_without_a_real_mail_server(url):
    # Reset links carry live tokens; printed to the console they would be in the log.
    if url is None and _dotenv_defines("EMAIL_URL"):
        pytest.skip("the local .env sets EMAIL_URL")
    _refused(_production(EMAIL_URL=url) if url is not None else _production(EMAIL_URL=None), "EMAIL_URL")


def test_production_debug_is_off_unless_asked():
    assert _settings(_production())["debug"] is False


def test_local_settings_default_to_sqlite_under_var_with_immediate_transactions():
    if _dotenv_defines("DATABASE_URL"):
        pytest.skip("the local .env sets DATABASE_URL")
    settings = _settings(_run("local"))
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert Path(settings["name"]).parent == ROOT / "var"
    assert settings["options"]["transaction_mode"] == "IMMEDIATE"
    assert settings["debug"] is True
    assert settings["tz"] == "Europe/Copenhagen"
    assert settings["language"] == "da" and "en" in settings["languages"]


def test_an_explicit_sqlite_url_also_serialises_writes():
    settings = _settings(_run("local", DATABASE_URL="sqlite:////tmp/other.sqlite3"))
    assert settings["name"] == "/tmp/other.sqlite3"
    assert settings["options"]["transaction_mode"] == "IMMEDIATE"


def test_local_settings_need_no_environment_at_all():
    # `make run` on a fresh machine: no .env, no variables, it still starts
    settings = _settings(_run("local"))
    assert settings["secret"] and settings["cpr"]


def test_production_serves_static_files_itself_with_hashed_names():
    # given the production settings with the required environment
    from jobcenter.settings import base

    # then WhiteNoise sits right after SecurityMiddleware (only the request id and the
    # metrics timer before them, which must see every answer), and production stores hashed files
    assert base.MIDDLEWARE[:4] == [
        "core.request_id.RequestIdMiddleware",
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    source = (ROOT / "jobcenter" / "settings" / "production.py").read_text()
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in source


def test_the_image_build_can_collect_hashed_static_files(tmp_path):
    # given the production settings and the throwaway values the Dockerfile uses
    probe = (
        "import django; from django.conf import settings; django.setup();"
        f"settings.STATIC_ROOT = {str(tmp_path)!r};"
        "from django.core.management import call_command;"
        "call_command('collectstatic', '--noinput', verbosity=0)"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.production",
        "DJANGO_SECRET_KEY": "s" * 64,
        "CPR_ENCRYPTION_KEY": "c" * 48,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'build.sqlite3'}",
        "EMAIL_URL": "smtp://localhost:25",
    }
    # when collectstatic runs, as in the Dockerfile
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    # then it succeeds, with a manifest of hashed names for our CSS and htmx
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "css/app.css" in manifest and "vendor/htmx/htmx.min.js" in manifest
