"""Tests: fast hashing, in-memory mail, eager Celery unless a test asks for a real worker."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key"
CPR_ENCRYPTION_KEY = "test-cpr-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Connections end with each request, as before connections were kept by default: the live
# servers' threads must not hold one open while pytest drops the test database.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# Always the in-memory cache, even where REDIS_URL is set (CI): rate-limit counts must not
# leak between test runs, and clearing the cache must never flush a real Redis database.
# One process, so LocMem's counts are exact (django-ratelimit's E003 does not apply).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]
