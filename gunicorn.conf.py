"""gunicorn settings; loaded automatically from the working directory.

The access log carries URLs, and a URL may carry a CPR number (a search, say): every
gunicorn log record passes through the same masking filter as Django's.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
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

# --- Prometheus with several workers -------------------------------------------------------
# Each worker is its own process with its own counters: prometheus_client's multiprocess
# mode keeps them in files under PROMETHEUS_MULTIPROC_DIR, and /metrics sums every worker's
# files (jobcenter/metrics.py). The variable must be set before a worker imports
# prometheus_client, so it is set here, in the master; the folder is emptied at start (old
# files would add a previous run's counts), and a dead worker's live gauges are dropped.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(os.getcwd(), "var", "prometheus"))


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
