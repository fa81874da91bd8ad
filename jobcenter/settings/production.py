"""Production: every secret must come from the environment; refuse to start otherwise."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_from_env, env, logging_config

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
CPR_ENCRYPTION_KEY = env("CPR_ENCRYPTION_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

_KNOWN_DEFAULTS = {"", "local-development-secret-key-not-for-production", "test-secret-key"}
if SECRET_KEY in _KNOWN_DEFAULTS or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random value of at least 50 characters.")
if CPR_ENCRYPTION_KEY in {"", "local-development-cpr-key", "test-cpr-key"} or len(CPR_ENCRYPTION_KEY) < 32:
    raise ImproperlyConfigured("CPR_ENCRYPTION_KEY must be a random value of at least 32 characters.")

# Without a real mail server, reset links (live tokens) and alert e-mails would be printed
# to the log or dropped: refuse to start instead.
_EMAIL_URL = env("EMAIL_URL", default="")
if _EMAIL_URL.split(":", 1)[0] in {"", "consolemail", "dummymail", "filemail", "memorymail"}:
    raise ImproperlyConfigured("EMAIL_URL must name a real mail server, e.g. smtp+tls://user:pw@smtp.example.dk:587.")

# Links in e-mails from the background: SITE_URL, else HTTPS on the first allowed host that
# is not this machine's own name (localhost stays in the list for the health check).
_PUBLIC_HOSTS = [h.lstrip(".") for h in ALLOWED_HOSTS if h not in {"localhost", "127.0.0.1", "[::1]", "*"}]
SITE_URL = env("SITE_URL", default=f"https://{_PUBLIC_HOSTS[0]}" if _PUBLIC_HOSTS else "https://localhost")

# Administrators give a second factor on every way in, unless explicitly turned off.
ADMIN_REQUIRE_OTP = env.bool("REQUIRE_OTP_FOR_ADMINS", default=env.bool("ADMIN_REQUIRE_OTP", default=True))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Never fall back to the development SQLite file in production.
DATABASES = {"default": database_from_env(fallback=None)}

# Hashed, compressed static files, served by WhiteNoise with far-future cache headers.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# JSON log lines for the log collector, unless LOG_FORMAT=text.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(LOG_FORMAT)
