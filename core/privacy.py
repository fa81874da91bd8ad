"""Nothing this service answers is for a cache: every page and API answer may carry personal
data (a citizen's name, a caseload), so each says `no-store` unless its view said otherwise.

Static files never get here: WhiteNoise serves them, with far-future caching, before the
middleware below runs.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
