"""The URL configuration, walked: every route with its name and pattern, and the methods an
API route answers. One walker for the tests that must cover every route."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    """(route, "namespace:name", pattern) of every route; an unnamed route's name ends in ":"."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry


def routes() -> dict[str, tuple[str, URLPattern]]:
    """name → (route, pattern) of every route outside the admin site."""
    return {name: (route, p) for route, name, p in walk() if not route.startswith("admin/")}


def admin_routes() -> list[tuple[str, URLPattern]]:
    return [(name, p) for route, name, p in walk() if route.startswith("admin/")]


def api_routes() -> dict[str, URLPattern]:
    """name → pattern of every route under /api/ (the reports' API included)."""
    return {name: p for name, (route, p) in routes().items() if route.startswith("api/")}


def methods(pattern: URLPattern) -> list[str]:
    """The HTTP methods an API route answers (other than HEAD/OPTIONS): what a client can try."""
    callback = pattern.callback
    if getattr(callback, "actions", None):
        # (DRF adds "head" to this dict on the first GET; HEAD answers as GET does, bodiless)
        allowed = set(callback.cls.http_method_names) - {"head", "options"}
        return sorted(m.upper() for m in callback.actions if m in allowed)
    view = callback.view_class
    return sorted(m.upper() for m in view.http_method_names if m not in {"head", "options"} and hasattr(view, m))
