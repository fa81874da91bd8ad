"""gunicorn settings; loaded automatically from the working directory.

The access log carries URLs, and a URL may carry a CPR number (a search, say): every
gunicorn log record passes through the same masking filter as Django's.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Django writes one access line per request itself (jobcenter.logs: request id, user id, view,
# status, duration, the path without its query); gunicorn's own would be a second one.
# GUNICORN_ACCESS_LOG=- turns it on again (to stdout).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"

# LOG_FORMAT as in the Django settings: JSON by default under the production settings.
_PRODUCTION = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
_LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if _PRODUCTION else "text")

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_cpr": {"()": "cases.cpr.CprMaskingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "jobcenter.logs.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_cpr"],
            "formatter": "json" if _LOG_FORMAT == "json" else "plain",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Prometheus with several workers -------------------------------------------------------
# Each worker is its own process with its own counters: prometheus_client's multiprocess
# mode keeps them in files under PROMETHEUS_MULTIPROC_DIR, and /metrics sums every worker's
# files (jobcenter/metrics.py). The variable must be set before a worker imports
# prometheus_client, so it is set in the master before any worker is forked (on_starting;
# not at import of this file, which tests load); the folder is emptied at start (old files
# would add a previous run's counts), and a dead worker's files are marked dead. The default
# folder is one per address the instance binds: two instances on one machine (the scale-out
# test, a benchmark beside a demo) neither mix their counts nor empty each other's folder.


def on_starting(server):
    instance = "".join(c if c.isalnum() else "-" for c in bind)
    default = os.path.join(os.getcwd(), "var", "prometheus", instance)
    folder = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", default)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            try:
                os.remove(os.path.join(folder, name))
            except FileNotFoundError:  # another master emptying the same folder
                pass


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# --- Warm workers ----------------------------------------------------------------------------
# A worker imports the URL configuration, and with it every view and the reports' statistics
# libraries (seconds), before it accepts its first request: otherwise that request pays it.


def post_worker_init(worker):
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
