"""The bare view load tests compare pages against: one query, a tiny answer, the same middleware and gunicorn.

Mounted at /bench/bare/ only when RUANZHU_BENCH_VIEWS=1 (scripts/topology.sh sets it); never in tests or
production.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """Answer "ok" after one round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")
