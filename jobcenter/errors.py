"""Error pages: JSON under /api/ (clients parse it), the site's templates elsewhere."""

from django.http import JsonResponse
from django.views import defaults

from core.outage import outage_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    # An outage raised inside a middleware reaches this handler rather than the outage
    # middleware's process_exception; it is a 503 all the same.
    unavailable = outage_response(request)
    if unavailable is not None:
        return unavailable
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
