"""Development: `make run`. Insecure defaults are fine here and only here."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-secret-key-not-for-production")
CPR_ENCRYPTION_KEY = env("CPR_ENCRYPTION_KEY", default="local-development-cpr-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
