"""Health probes for load balancers and orchestrators: ``/healthz`` (the process answers) and ``/readyz`` (it can
serve: database, cache and private storage reachable).

They are answered by a middleware placed first, before the HTTPS redirect and the host check: a probe comes
from inside the network, over plain HTTP, addressed by IP. They say which part failed, never why, and touch no
personal data.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


def _database() -> None:
    # The primary only: reads leave a replica that is down or behind for the primary (ruanzhu.core.dbrouter), so
    # the instance can still serve without it.
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    key = "readyz-probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")


def _storage() -> None:
    # Any answer, found or not, shows the store is reachable; an unreachable one raises.
    default_storage.exists("readyz-probe")


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "storage": _storage}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; return whether all passed and each one's outcome ("ok" or "failed")."""
    outcomes = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception:
            logger.exception("readiness check %s failed", name)
            outcomes[name] = "failed"
        else:
            outcomes[name] = "ok"
        logger.debug("readiness check %s took %.1f ms", name, 1000 * (time.monotonic() - started))
    return all(outcome == "ok" for outcome in outcomes.values()), outcomes


class HealthCheckMiddleware:
    """Answer GET or HEAD /healthz and /readyz (with or without a trailing slash) before anything else runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path not in (HEALTH_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
            return response
        if path == HEALTH_PATH:
            response = JsonResponse({"status": "ok", "environment": settings.ENVIRONMENT})
        else:
            ready, outcomes = readiness()
            response = JsonResponse(
                {"status": "ok" if ready else "failed", "checks": outcomes}, status=200 if ready else 503
            )
        response["Cache-Control"] = "no-store"
        return response
