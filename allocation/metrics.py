"""The domain's own Prometheus metrics: caseloads, queues, alerts, contact deadlines, intake.

The gauges are computed when Prometheus scrapes (`DomainCollector`, five aggregate queries),
never per request. Labels are ids and codes only: team id, the jobcentre's municipality
code, unit type, alert kind; never a name of a person, never a CPR number.

The intake counter and histogram are updated where the intake happens (`case_create`), outside
the engine's pure code; under gunicorn they are kept in prometheus_client's multiprocess
files (PROMETHEUS_MULTIPROC_DIR, gunicorn.conf.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from cases.models import Case, CaseStatus
from casework import selectors as casework_selectors
from staff.models import HUNDREDTHS, CaseworkerStatus, Team

from .models import Alert, AlertKind

INTAKES = Counter("jobcenter_intakes_total", "Cases taken in, by what became of them.", ["result"])
INTAKE_SECONDS = Histogram(
    "jobcenter_intake_duration_seconds",
    "How long an intake (allocation or queueing of a new case) took.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


@contextmanager
def intake_timed() -> Iterator[dict]:
    """Times one intake; the caller puts the case's status in `outcome["result"]`."""
    outcome = {"result": "error"}
    started = time.perf_counter()
    try:
        yield outcome
    finally:
        INTAKE_SECONDS.observe(time.perf_counter() - started)
        INTAKES.labels(result=outcome["result"]).inc()


class DomainCollector(Collector):
    """Gauges read from the database at scrape time."""

    def collect(self):
        yield from self._teams()
        yield from self._queues()
        yield from self._alerts()

    def _teams(self):
        labels = ["team", "municipality"]
        open_cases = GaugeMetricFamily("jobcenter_team_open_cases", "Open cases held by the team.", labels=labels)
        capacity = GaugeMetricFamily(
            "jobcenter_team_capacity", "Sum of the effective caps of the team's active caseworkers.", labels=labels
        )
        load = GaugeMetricFamily(
            "jobcenter_team_load",
            "Sum of the weights of the team's open cases (equals open cases at weight 1).",
            labels=labels,
        )
        ratio = GaugeMetricFamily(
            "jobcenter_team_load_ratio", "Load divided by capacity (absent when capacity is 0).", labels=labels
        )
        overdue = GaugeMetricFamily(
            "jobcenter_team_contacts_overdue",
            "Open cases of the team past their next contact's due date.",
            labels=labels,
        )
        teams = (
            Team.objects.annotate(
                open_total=Coalesce(Sum("caseworkers__open_cases"), 0),
                load_total=Coalesce(Sum("caseworkers__load_hundredths"), 0),
                capacity=Coalesce(Sum("caseworkers__cap", filter=Q(caseworkers__status=CaseworkerStatus.ACTIVE)), 0),
            )
            .order_by("pk")
            .values_list("pk", "jobcenter__municipality_code", "open_total", "load_total", "capacity")
        )
        for pk, code, open_total, load_total, cap in teams:
            values = [str(pk), code]
            open_cases.add_metric(values, open_total)
            capacity.add_metric(values, cap)
            load.add_metric(values, load_total / HUNDREDTHS)
            if cap:
                ratio.add_metric(values, load_total / (cap * HUNDREDTHS))
        rows = (
            Team.objects.annotate(overdue=casework_selectors.contacts_overdue_count("caseworker__team"))
            .order_by("pk")
            .values_list("pk", "jobcenter__municipality_code", "overdue")
        )
        for pk, code, n in rows:
            overdue.add_metric([str(pk), code], n)
        yield from (open_cases, capacity, load, ratio, overdue)

    def _queues(self):
        labels = ["jobcenter", "municipality", "unit_type"]
        length = GaugeMetricFamily("jobcenter_queue_length", "Cases waiting in the pool's queue.", labels=labels)
        oldest = GaugeMetricFamily(
            "jobcenter_queue_oldest_wait_seconds",
            "How long the pool's longest-waiting case has waited.",
            labels=labels,
        )
        now = timezone.now()
        rows = (
            Case.objects.filter(status=CaseStatus.QUEUED)
            .values("jobcenter_id", "jobcenter__municipality_code", "programme")
            .annotate(n=Count("pk"), first=Min("queued_at"))
            .order_by("jobcenter_id", "programme")
            .values_list("jobcenter_id", "jobcenter__municipality_code", "programme", "n", "first")
        )
        for jobcenter_id, code, programme, n, first in rows:
            values = [str(jobcenter_id), code, programme]
            length.add_metric(values, n)
            oldest.add_metric(values, max(0.0, (now - first).total_seconds()) if first else 0.0)
        yield from (length, oldest)

    def _alerts(self):
        alerts = GaugeMetricFamily("jobcenter_alerts_open", "Open (unresolved) alerts, by kind.", labels=["kind"])
        rows = (
            Alert.objects.filter(resolved_at__isnull=True)
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
            .values_list("kind", "n")
        )
        counts = dict(rows)
        for kind in AlertKind.values:
            alerts.add_metric([kind], counts.get(kind, 0))
        yield alerts
