"""Settings shared by every environment; values come from the environment (django-environ)."""

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

# A separate master key for CPR numbers, so that rotating SECRET_KEY never makes the
# encrypted column unreadable. Older keys may follow in CPR_ENCRYPTION_KEY_FALLBACKS.
CPR_ENCRYPTION_KEY = env("CPR_ENCRYPTION_KEY", default="")
CPR_ENCRYPTION_KEY_FALLBACKS = env.list("CPR_ENCRYPTION_KEY_FALLBACKS", default=[])

INSTALLED_APPS = [
    # The admin site decides per request whether it asks for a TOTP code (ADMIN_REQUIRE_OTP).
    "jobcenter.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens (django-rest-knox): stored as digests, expiring, revocable (REST_KNOX below).
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    # For its system checks only (CACHES below); the limits themselves need no app.
    "django_ratelimit",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Request counts and latencies by view (its middleware, first and last below).
    "django_prometheus",
    # SAML single sign-on (templates only, no models); identity/saml.py, SSO_SAML_ENABLED.
    "djangosaml2",
    # After knox: its admin registration is replaced by a read-only one (jobcenter/admin.py).
    "jobcenter.apps.SecurityConfig",
    "core",
    "staff",
    "cases",
    "casework",
    "trials",
    "allocation",
    "api",
    "web",
    "reports",
    # Single sign-on (SAML 2.0, OpenID Connect): who an identity provider's user is here.
    "identity",
    # A jobcentre's first day and a citizen's rights: import and export of the organisation and
    # its caseloads, a citizen's own copy of their data (GDPR art. 15), retention and deletion.
    "onboarding",
    "subject_access",
    "retention",
    # Demo data, on top of every app (no app imports it); its commands are seed_demo and
    # seed_demo_history.
    "demo",
]

MIDDLEWARE = [
    # The request id first (core.request_id): every later log line carries it, and the access
    # line it writes measures the whole stack. Then django-prometheus's timer.
    "core.request_id.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files from gunicorn itself (the compose stack has no other server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that meets an unreachable database or Redis answers 503 with Retry-After.
    "core.outage.ServiceUnavailableMiddleware",
    # Answers may carry personal data: none is stored by a browser or proxy cache.
    "core.privacy.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The SAML login's own cookie (the outstanding request); it touches nothing until a SAML
    # view uses it, so it stays in whether or not SSO_SAML_ENABLED.
    "djangosaml2.middleware.SamlSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A session whose user needs a second factor and has not given it reaches nothing but
    # the login page (jobcenter.security).
    # An identity provider's asserted second factor counts as the local one (identity).
    "identity.middleware.SsoSecondFactorMiddleware",
    "jobcenter.security.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # As late as may be (django-prometheus): it counts the answer by its view name; outside
    # axes's middleware, so a lockout's answer is counted too.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes requires: it turns a lockout flagged during the view into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jobcenter.urls"
WSGI_APPLICATION = "jobcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env(*, fallback: str | None) -> dict:
    """The default database from DATABASE_URL (`fallback` when it is unset; none: required).

    Connections are kept: either persistent, one per process for DJANGO_CONN_MAX_AGE seconds
    (checked before reuse, so a restarted database costs no request), or, with DATABASE_POOL,
    Django's psycopg pool per process (DATABASE_POOL_MIN_SIZE..DATABASE_POOL_MAX_SIZE, for
    threaded servers). A new connection costs PostgreSQL about 9 ms of CPU on a small machine:
    with neither, each request pays it. Behind a transaction-pooling PgBouncer keep
    persistent connections, set DISABLE_SERVER_SIDE_CURSORS (DATABASE_PGBOUNCER) and, before
    PgBouncer 1.21, ALLOCATION_PREPARED_INTAKE=false (docs/operations.md)."""
    db = env.db("DATABASE_URL", default=fallback) if fallback else env.db("DATABASE_URL")
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction begins, so that two
        # allocations can never both read "room left" and then both write.
        db.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
        db["OPTIONS"].setdefault("timeout", 20)
        db["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
        return db
    if env.bool("DATABASE_POOL", default=False):
        # The pool keeps the connections; Django's own persistence must then be off.
        db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
            "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10),
        }
        db["CONN_MAX_AGE"] = 0
    else:
        db["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    # A kept connection that died with a database restart is replaced at the start of the
    # next request instead of failing it: service comes back by itself.
    db["CONN_HEALTH_CHECKS"] = True
    db["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_PGBOUNCER", default=False)
    return db


DATABASES = {"default": database_from_env(fallback=f"sqlite:///{BASE_DIR / 'var' / 'jobcenter.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Sessions end after inactivity (default 30 minutes) and when the browser closes.
# In the database, like django-axes' failure records below: every web process on every machine
# sees the same sessions and the same failures (docs/operations.md, "Running several instances").
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): a username is locked *from one IP address* after
# AXES_FAILURE_LIMIT failed attempts, for AXES_COOLOFF_HOURS; a success resets the count.
# Username and address together, so that nobody can lock a colleague out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "jobcenter.security.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted in the database (axes' default, named so that it stays so): a lockout
# on one web instance holds on all of them. The cache handler would not, without a shared cache.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(hours=env.float("AXES_COOLOFF_HOURS", default=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner at every start; lockouts are still logged (WARNING)
AXES_LOCKOUT_CALLABLE = "jobcenter.security.lockout_response"
# A failed login's record keeps the request's GET and POST data. The password is masked
# always; `next` is too, since it is the address the user came from and once carried a
# searched CPR number (as may an old bookmark still), and so are the fields that hold one.
AXES_SENSITIVE_PARAMETERS = ["next", "q", "cpr", "otp_token"]
# Behind N trusted proxies (TRUSTED_PROXY_COUNT), the client's address is the Nth entry of
# X-Forwarded-For from the right: entries further left are whatever the client sent.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "jobcenter.security.client_ip"

# TOTP two-factor authentication for administrators (django-otp): with it on, an
# administrator must give the code of a registered TOTP device on every way in — the login
# page, the admin login and the API token exchange — and a session without it reaches
# nothing. Off here (development, tests); production turns it on by default.
# REQUIRE_OTP_FOR_ADMINS is the clearer name of the same switch; ADMIN_REQUIRE_OTP, the
# older one, still works, and is the setting the code reads.
ADMIN_REQUIRE_OTP = env.bool("REQUIRE_OTP_FOR_ADMINS", default=env.bool("ADMIN_REQUIRE_OTP", default=False))
OTP_TOTP_ISSUER = "jobcenter"

# Content-Security-Policy in every environment: only our own scripts and styles (no CDN,
# no inline code), no framing, forms post only to us. /api/docs/ relaxes styles for itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Single sign-on (identity): the protocols are switched on below (SSO_OIDC_ENABLED,
# SSO_SAML_ENABLED); which claim holds the stable identifier, username, e-mail, name and
# groups can be changed per protocol (SSO_OIDC_CLAIMS / SSO_SAML_CLAIMS, JSON objects such
# as {"id": "oid"}); the groups' grants are kept in admin (Single sign-on → group grants).
# The login page's button per switched-on provider (empty: "Log in through your municipality").
SSO_OIDC_LABEL = env.str("SSO_OIDC_LABEL", default="")
SSO_SAML_LABEL = env.str("SSO_SAML_LABEL", default="")
SSO_OIDC_CLAIMS = env.json("SSO_OIDC_CLAIMS", default={})
SSO_SAML_CLAIMS = env.json("SSO_SAML_CLAIMS", default={})
# An identity provider's assertion of a second factor stands in for the local TOTP code: an
# `amr` value (RFC 8176) among SSO_MFA_AMR, or an `acr` / SAML authentication context class
# among SSO_MFA_ACR (e.g. KOMBIT's NSIS level "Substantial").
SSO_MFA_AMR = env.list("SSO_MFA_AMR", default=["mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris", "sc"])
SSO_MFA_ACR = env.list(
    "SSO_MFA_ACR",
    default=[
        "http://schemas.microsoft.com/claims/multipleauthn",
        "https://data.gov.dk/concept/core/nsis/loa/Substantial",
        "https://data.gov.dk/concept/core/nsis/loa/High",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
    ],
)
# Password login: "all", or "break_glass" — then only the accounts named in
# PASSWORD_LOGIN_USERS (comma-separated usernames; an administrator kept for when the identity
# provider is down) may log in with a password, on the page, in admin or for an API token.
PASSWORD_LOGIN = env.str("PASSWORD_LOGIN", default="all")
PASSWORD_LOGIN_USERS = env.list("PASSWORD_LOGIN_USERS", default=[])
if PASSWORD_LOGIN not in ("all", "break_glass"):
    raise ImproperlyConfigured('PASSWORD_LOGIN must be "all" or "break_glass".')

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# --- Single sign-on: OpenID Connect ----------------------------------------------------
# The authorization code flow with PKCE (S256) and a nonce, the ID token checked against
# the provider's keys (RS256, OIDC_OP_JWKS_ENDPOINT), by mozilla-django-oidc; who may log
# in as whom is decided by identity.services (identity/oidc.py only speaks the protocol).
# Off by default; with it on, every endpoint, the client id and the secret are required.
# Logout ends the provider's session too (RP-initiated logout, OIDC_OP_END_SESSION_ENDPOINT).
# The provider must allow the redirect URI https://<site>/accounts/oidc/callback/ and the
# post-logout redirect URI https://<site>/accounts/login/.
SSO_OIDC_ENABLED = env.bool("SSO_OIDC_ENABLED", default=False)
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_OP_END_SESSION_ENDPOINT", default="")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:oidc-callback"
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10)
OIDC_CREATE_USER = False  # never the library's: identity.services.sso_login decides
if SSO_OIDC_ENABLED:
    _oidc_missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_OP_END_SESSION_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(f"SSO_OIDC_ENABLED needs {', '.join(_oidc_missing)}")
    AUTHENTICATION_BACKENDS.append("identity.oidc.OIDCBackend")
    # Logging out posts a form here that redirects to the provider: form-action must allow it.
    _oidc_origin = "{0.scheme}://{0.netloc}".format(urlsplit(OIDC_OP_END_SESSION_ENDPOINT))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_oidc_origin)

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="jobcenter <noreply@jobcenter.local>")
# Where the accessibility statement (/tilgaengelighed/) tells people to report a problem:
# set it to a mailbox that someone reads (webtilgængelighedsloven requires a way to reach you).
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default="tilgaengelighed@jobcenter.local")
# A mail server that stops answering must not hold a worker, or the rows a digest has
# claimed, for minutes: every SMTP operation gives up after this many seconds.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
# The address of the site as users reach it, for links in e-mails sent from the background
# (where there is no request to take it from).
SITE_URL = env("SITE_URL", default="http://localhost:8000")

# --- Single sign-on: SAML ---------------------------------------------------------------
# SAML 2.0 (KOMBIT's adgangsstyring, AD FS) through djangosaml2/pysaml2 (needs the xmlsec1
# program). identity/saml.py only speaks the protocol; identity.services decides who the
# user is and what they may do. The routes live under /accounts/saml/ and answer 404 while
# SSO_SAML_ENABLED is false; the backend joins AUTHENTICATION_BACKENDS only when it is true.
# The IdP's metadata comes from a URL (SAML_IDP_METADATA_URL, optionally checked against
# SAML_IDP_METADATA_CERT_FILE) or a file (SAML_IDP_METADATA_FILE). The assertion must be
# signed by the IdP; our requests are signed when SAML_SP_KEY_FILE/SAML_SP_CERT_FILE are set
# (the same pair decrypts encrypted assertions). Our metadata: /accounts/saml/metadata/.
SSO_SAML_ENABLED = env.bool("SSO_SAML_ENABLED", default=False)
_SAML_BASE = env("SAML_SP_BASE_URL", default=SITE_URL).rstrip("/") + "/accounts/saml/"
_SAML_KEY, _SAML_CERT = env("SAML_SP_KEY_FILE", default=""), env("SAML_SP_CERT_FILE", default="")
_SAML_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
_SAML_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CONFIG = {
    "xmlsec_binary": env("SAML_XMLSEC1", default="/usr/bin/xmlsec1"),
    "entityid": env("SAML_SP_ENTITY_ID", default=_SAML_BASE + "metadata/"),
    # Attribute names the pysaml2 maps do not know (KOMBIT's, "groups") arrive as they are named.
    "allow_unknown_attributes": True,
    # The clocks of IdP and SP may differ this much (NotBefore/NotOnOrAfter); keep it small.
    "accepted_time_diff": env.int("SAML_CLOCK_SKEW_SECONDS", default=60),
    "service": {
        "sp": {
            "name": "jobcenter",
            "endpoints": {
                "assertion_consumer_service": [(_SAML_BASE + "acs/", _SAML_POST)],
                "single_logout_service": [(_SAML_BASE + "ls/", _SAML_REDIRECT)],
            },
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": False,  # only answers to a request of ours
            "authn_requests_signed": bool(_SAML_KEY),
            "logout_requests_signed": bool(_SAML_KEY),
        }
    },
    "metadata": (
        {"remote": [{"url": env("SAML_IDP_METADATA_URL"), "cert": env("SAML_IDP_METADATA_CERT_FILE", default=None)}]}
        if env("SAML_IDP_METADATA_URL", default="")
        else {"local": [env("SAML_IDP_METADATA_FILE")]}
        if env("SAML_IDP_METADATA_FILE", default="")
        else {}
    ),
}
if _SAML_KEY:
    SAML_CONFIG.update(
        key_file=_SAML_KEY, cert_file=_SAML_CERT, encryption_keypairs=[{"key_file": _SAML_KEY, "cert_file": _SAML_CERT}]
    )
# djangosaml2's own user creation and attribute mapping stay off: identity.services does that.
SAML_CREATE_UNKNOWN_USER = False
SAML_ATTRIBUTE_MAPPING = {}
SAML_DEFAULT_BINDING = _SAML_REDIRECT
SAML_LOGOUT_REQUEST_PREFERRED_BINDING = _SAML_REDIRECT
# The IdP posts the response from its own site: the cookie that holds the outstanding
# request must travel on that cross-site POST (SameSite=None, hence HTTPS in production).
SAML_SESSION_COOKIE_SAMESITE = env("SAML_SESSION_COOKIE_SAMESITE", default="None")
# Logout posts to us and is redirected to the IdP's single logout, which the form-action of
# the CSP must allow: the IdP's origin (default: that of its metadata URL).
_saml_metadata_url = urlsplit(env("SAML_IDP_METADATA_URL", default=""))
SAML_IDP_ORIGIN = env(
    "SAML_IDP_ORIGIN",
    default=f"{_saml_metadata_url.scheme}://{_saml_metadata_url.netloc}" if _saml_metadata_url.netloc else "",
)
if SSO_SAML_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "identity.saml.SamlBackend"]
    if SAML_IDP_ORIGIN:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(SAML_IDP_ORIGIN)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's tokens, checking only the request's own token (api/authentication.py)
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumber",
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON only: the browsable renderer would build <select>s over every citizen.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}

# API tokens (django-rest-knox): `Authorization: Token <token>`, as DRF's own tokens were.
# A token lives API_TOKEN_TTL_HOURS (a working day) from its issue, never renewed by use;
# the database holds only its SHA-512 digest. It ends earlier at logout, when the user's
# password changes, and when the account is deactivated (jobcenter.security).
API_TOKEN_TTL_HOURS = env.float("API_TOKEN_TTL_HOURS", default=10)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "jobcenter API",
    "DESCRIPTION": "Case management for Danish job centres that keeps caseload limits.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The contract is JSON (the parsers also take forms, for DRF's own conventions; the
    # schema promises only what docs/api.md does).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_links"],
    # Swagger UI from the drf-spectacular-sidecar package: the docs work without a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call-outs to the public validator service (CSP would refuse it anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "UnitTypeEnum": "staff.models.UnitType",
        "RoleEnum": "staff.models.Role",
        "CaseworkerStatusEnum": "staff.models.CaseworkerStatus",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "OutcomeEnum": "cases.models.Outcome",
        "TargetGroupEnum": "cases.models.TargetGroup",
        "AlertKindEnum": "allocation.models.AlertKind",
        "AssignmentReasonEnum": "allocation.models.AssignmentReason",
        "JournalKindEnum": "casework.models.JournalKind",
        "MeetingKindEnum": "casework.models.MeetingKind",
        "MeetingChannelEnum": "casework.models.Channel",
        "MeetingStatusEnum": "casework.models.MeetingStatus",
        "ContactStatusEnum": "api.serializers.casework.CONTACT_STATUS_CHOICES",
    },
}

# Celery: JSON only, late acks, bounded time. Without REDIS_URL the broker is kombu's
# filesystem transport under var/broker: no server and no extra dependency, enough for
# one machine running `make run`; production uses Redis.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
BROKER_FOLDER = BASE_DIR / "var" / "broker"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Two deployments (staging beside production, say) may share one Redis database only with
# queues (and cache prefixes, CACHE_KEY_PREFIX) of their own: a worker takes any task on its queue.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
# The socket timeouts bound a publish against a Redis that accepts connections but never
# answers (without them it waits forever); BRPOP polls every second, so the worker is
# unaffected. Task retries back off at most 300 s, below the visibility timeout.
REDIS_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 1, "socket_connect_timeout": 1}
CELERY_BROKER_TRANSPORT_OPTIONS = (
    REDIS_BROKER_TRANSPORT_OPTIONS
    if not CELERY_BROKER_URL.startswith("filesystem")
    else {
        "data_folder_in": str(BROKER_FOLDER / "queue"),
        "data_folder_out": str(BROKER_FOLDER / "queue"),
        "processed_folder": str(BROKER_FOLDER / "processed"),
        "control_folder": str(BROKER_FOLDER / "control"),
        "store_processed": False,
    }
)
# Enqueueing from a web request gives up quickly instead of hanging on a dead broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# The worker keeps Django's LOGGING (whose handlers mask CPR numbers) instead of replacing
# the root logger's handlers with its own; jobcenter/celery.py masks the ones it adds.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The cache. The password-reset limits (django-ratelimit, web/views/password_reset.py) count
# in it, so it must be one cache for every gunicorn worker: Redis, when REDIS_URL is set.
# Without it each process keeps its own counts in memory: exact for one process (runserver,
# the tests), but under gunicorn every worker lets the full limit through.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="jobcenter"),
            # A dead Redis fails the request within a second instead of hanging it.
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-ratelimit's checks. W001 ("not officially supported") fires for every backend
# outside its list, which predates Django's own RedisCache (jsocol/django-ratelimit#283);
# that backend does what the limits need: add() is one SET NX EX, incr() one INCRBY.
# E003 ("LocMemCache is not a shared cache") is true, and silenced only while the cache is
# LocMem for want of a REDIS_URL: one process still counts exactly, and several processes
# each enforce the limit, so it stays a limit, at most GUNICORN_WORKERS times as loose.
# Production sets REDIS_URL (SECURITY.md, checklist); with it, E003 is live again.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
# The client address that the limits count per is the one django-axes locks logins by
# (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the entry
# our outermost proxy wrote, never what the client claims. IPv6 addresses are counted per
# /64 (django-ratelimit's default), since one client usually holds a whole /64.
RATELIMIT_IP_META_KEY = "jobcenter.security.client_ip"
# Requests for a password-reset e-mail, per client address and per e-mail address asked
# for ("count/period", period s, m, h or d). Raise the first if many colleagues share one
# address through the municipality's NAT.
PASSWORD_RESET_RATE_PER_CLIENT = env("PASSWORD_RESET_RATE_PER_CLIENT", default="5/h")
PASSWORD_RESET_RATE_PER_EMAIL = env("PASSWORD_RESET_RATE_PER_EMAIL", default="3/h")
# The calendar feed (web/views/calendar.py): addresses that name no feed, per client address
# (someone guessing), and fetches of one feed (calendars poll every few minutes at most).
CALENDAR_FEED_MISSES_PER_CLIENT = env("CALENDAR_FEED_MISSES_PER_CLIENT", default="20/h")
CALENDAR_FEED_RATE_PER_FEED = env("CALENDAR_FEED_RATE_PER_FEED", default="120/h")

CASELOAD_CHECK_INTERVAL_SECONDS = env.int("CASELOAD_CHECK_INTERVAL_SECONDS", default=900)
# The prompt caseload check and the new-cases digest run this many seconds after the change
# that sends them, and one message covers every change of that wait (allocation.broker): under
# load one message per process per second instead of one per intake. 0 sends each at once.
TASK_COALESCE_SECONDS = env.float("TASK_COALESCE_SECONDS", default=2.0)
QUEUE_ALERT_AFTER_HOURS = env.int("QUEUE_ALERT_AFTER_HOURS", default=48)
# A team's `contacts_overdue` alert opens while one of its open cases is more than this many
# days past its next conversation's due date (the contact plan, casework/).
CONTACT_ALERT_AFTER_DAYS = env.int("CONTACT_ALERT_AFTER_DAYS", default=14)
# The new-cases digest is sent after each allocation; this sweep catches what a lost message
# missed, leaving alone what was assigned in the last NEW_CASES_SETTLE_SECONDS (its own
# digest is on its way, and a batch must not be split).
NEW_CASES_SWEEP_SECONDS = 300
NEW_CASES_SETTLE_SECONDS = 120
# The intake statement is prepared on the server (allocation/intake.py). Set to False behind
# a transaction-pooling PgBouncer older than 1.21, which loses prepared statements.
ALLOCATION_PREPARED_INTAKE = env.bool("ALLOCATION_PREPARED_INTAKE", default=True)

# Exactly ONE beat may run (an embedded `worker --beat`, or the `beat` service, never
# both): two would send every task twice. Duplicates are harmless — alerts are unique in
# the database, e-mails are claimed, snapshots replace their date — but wasteful. A check
# that could not start within its interval expires: the next one is already on its way.
CELERY_BEAT_SCHEDULE = {
    "check-caseloads": {
        "task": "allocation.check_caseloads",
        "schedule": CASELOAD_CHECK_INTERVAL_SECONDS,
        "options": {"expires": CASELOAD_CHECK_INTERVAL_SECONDS},
    },
    "snapshot-caseloads": {
        "task": "allocation.snapshot_caseloads",
        "schedule": crontab(hour=23, minute=50),
    },
    # Just after midnight: a new colleague whose reduced period ended today carries the full
    # cap from the first intake of the day.
    "refresh-caps": {
        "task": "allocation.refresh_caps",
        "schedule": crontab(hour=0, minute=5),
    },
    "remind-open-alerts": {
        "task": "allocation.remind_open_alerts",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon-fri"),
    },
    "notify-new-cases": {
        "task": "allocation.notify_new_cases",
        "schedule": NEW_CASES_SWEEP_SECONDS,
        "kwargs": {"settled_seconds": NEW_CASES_SETTLE_SECONDS},
        "options": {"expires": NEW_CASES_SWEEP_SECONDS},
    },
    # Every morning; on a day that is not a working day the task sends nothing, and on the
    # working day before a weekend or a holiday it covers every day up to the next one.
    # Expired API tokens (a request checks only its own; api/authentication.py).
    "purge-expired-tokens": {
        "task": "api.purge_expired_tokens",
        "schedule": crontab(hour=3, minute=15),
    },
    "remind-meetings": {
        "task": "casework.remind_meetings",
        "schedule": crontab(hour=7, minute=0),
    },
    # Each night: what the retention rules make due goes on a deletion list for an
    # administrator to review (nothing is deleted without an approval; retention/).
    "propose-deletions": {
        "task": "retention.propose_deletions",
        "schedule": crontab(hour=2, minute=30),
    },
}

# Logs: one line per record, JSON (LOG_FORMAT=json, production's default) or text (here).
# Every handler masks CPR numbers (cases.cpr.CprMaskingFilter: the message, its arguments
# and any extra field) and carries the request id (core.request_id).
LOG_FORMAT = env("LOG_FORMAT", default="text")


def logging_config(log_format: str) -> dict:
    formatter = "json" if log_format == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "mask_cpr": {"()": "cases.cpr.CprMaskingFilter"},
            "request_id": {"()": "core.request_id.RequestIdFilter"},
            "outage": {"()": "core.outage.OutageLogFilter"},
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "jobcenter.logs.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "mask_cpr"],
                "formatter": formatter,
            }
        },
        "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
        # Django's own defaults attach handlers without the filter to "django" (the console
        # under DEBUG, mail to ADMINS) and "django.server" (runserver's access log, whose URLs
        # may carry a CPR number): naming them here removes those, and their records go to the
        # root's handler like everybody else's.
        "loggers": {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
            # A request that met an outage is one warning line, not an error with a traceback.
            "django.request": {"handlers": [], "level": "INFO", "propagate": True, "filters": ["outage"]},
        },
    }


LOGGING = logging_config(LOG_FORMAT)

# Prometheus (/metrics, jobcenter/metrics.py): a bearer token, or addresses (and networks)
# allowed without one. Neither set: /metrics is a 404 for everyone.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# django-prometheus would read the migration state at every start.
PROMETHEUS_EXPORT_MIGRATIONS = False
