"""gunicorn settings; loaded automatically from the working directory.

The access log carries URLs, and a URL may carry a CPR number (a search, say): every
gunicorn log record passes through the same masking filter as Django's.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# The application is imported once, before the workers fork: a worker's first request does
# not pay the imports (seconds: the reports' statistics libraries), and the workers share
# the imported code's memory. No database connection is open in the master at that point.
preload_app = True
accesslog = "-"
errorlog = "-"

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_cpr": {"()": "cases.cpr.CprMaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_cpr"], "formatter": "plain"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
