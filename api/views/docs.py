"""The browsable API docs (Swagger UI from drf-spectacular-sidecar), under our CSP."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script`), not inline, so the
    site-wide Content-Security-Policy's `script-src 'self'` holds here too. Swagger UI styles
    its own elements inline, which only this page (it holds no data) allows."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
