"""`/metrics` for Prometheus: request rates and latencies (django-prometheus), the intake
counter and histogram, and the domain's gauges (allocation.metrics.DomainCollector).

Refused (404, as if absent) unless the request carries `Authorization: Bearer
<METRICS_TOKEN>` (compared in constant time) or comes from an address in
METRICS_ALLOWED_IPS. The client address is the one the login throttling uses
(jobcenter.security.client_ip: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the
entry our own proxy wrote).

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it), the
counters and histograms of every worker are read from its files (MultiProcessCollector),
and the domain gauges, which come from the database, are collected once per scrape by a
registry of their own, not once per worker.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from allocation.metrics import DomainCollector

from .security import client_ip

# Decided once, as prometheus_client decides how its values are kept when it is imported.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
DOMAIN_REGISTRY = CollectorRegistry(auto_describe=False)
DOMAIN_REGISTRY.register(DomainCollector())


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if secrets.compare_digest(header.removeprefix("Bearer ").encode(), token.encode()):
            return True
    address = client_ip(request)
    if not address or not settings.METRICS_ALLOWED_IPS:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


@functools.cache
def _networks(entries: tuple[str, ...]) -> list:
    """Addresses or networks (127.0.0.1, 10.0.0.0/8); one that does not parse matches nothing."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


def _process_metrics() -> bytes:
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@never_cache
@require_safe
def metrics(request):
    if not allowed(request):
        raise Http404
    body = _process_metrics() + generate_latest(DOMAIN_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
