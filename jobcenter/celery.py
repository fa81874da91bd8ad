import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, before_task_publish, task_postrun, task_prerun

from core import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.local")

app = Celery("jobcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_cpr_in_celery_logs(**kwargs) -> None:
    """Celery's worker adds handlers of its own (root, task and multiprocessing loggers) that
    Django's LOGGING never saw; a failing task's exception may carry a CPR number."""
    from jobcenter.security import mask_cpr_in_every_handler

    mask_cpr_in_every_handler()


# The request id travels with a task started during a request (core.request_id).
before_task_publish.connect(request_id.add_to_task_headers, dispatch_uid="request_id_publish", weak=False)
task_prerun.connect(request_id.set_from_task, dispatch_uid="request_id_prerun", weak=False)
task_postrun.connect(request_id.reset_after_task, dispatch_uid="request_id_postrun", weak=False)
