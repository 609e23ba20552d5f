"""``Idempotency-Key``: a request that may be sent again (a retry after a lost answer) does its work once.

The key is the caller's, scoped to the token's account and kept ``KEEP`` (24 hours). The first request with a
key creates its row in the transaction that does the work and stores its answer there before it commits; the
same key with the same request (method, path, body) then gets that answer again, status and body, without the
work being done twice. A second request arriving while the first is still working waits on the row's unique
constraint (PostgreSQL; SQLite serialises writing transactions) and then replays the answer. The same key with
another request is refused (422 ``idempotency_key_reused``). An answer of 500 is not kept: the whole transaction,
row included, is rolled back and the request may be retried.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.api.errors import Problem, handle
from ruanzhu.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
# Visible ASCII, as the header's value travels: a UUID, a job's name and attempt …
KEY_FORMAT = re.compile(r"^[\x21-\x7e]{1,255}$")


def key_of(request: HttpRequest) -> str:
    """Return the request's Idempotency-Key; a missing or malformed one is a 400 problem."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise Problem(
            400, "idempotency_key_required", _("请在 Idempotency-Key 请求头中提供幂等键（例如一个UUID）。")
        )
    if not KEY_FORMAT.match(key):
        raise Problem(400, "idempotency_key_invalid", _("幂等键须为1至255个可见ASCII字符。"))
    return key


def request_hash(request: HttpRequest) -> str:
    """Return the SHA-256 of what the request asks: its method, its path and its body (JSON compared by value)."""
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        content = canonical.encode()
    except ValueError:
        content = body
    if not body.strip() or content == b"{}":
        content = b""  # no body and an empty JSON object ask the same
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
    response[REPLAYED_HEADER] = "true"
    response["Cache-Control"] = "no-store"
    return response


def idempotent(request: HttpRequest, *, key: str, work: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer ``request`` with ``work()`` once per key of the token's account; replay that answer after."""
    user = request.auth.user
    digest = request_hash(request)
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=timezone.now() - KEEP).delete()
        try:
            with transaction.atomic():
                # Waits here while another transaction holds the same key, until it commits or rolls back.
                record = IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=digest, status_code=0, content_type=""
                )
        except IntegrityError:
            record = IdempotencyKey.objects.get(user=user, key=key)
            if record.request_hash != digest:
                raise Problem(
                    422,
                    "idempotency_key_reused",
                    _("此幂等键已用于另一个请求，请为新的请求使用新的幂等键。"),
                ) from None
            return _replay(record)
        try:
            response = work()
        except Exception as exc:
            response = handle(request, exc)
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.content_type = response["Content-Type"]
        record.body = response.content.decode()
        record.save(update_fields=["status_code", "content_type", "body"])
    return response


def idempotency_keys_purge(*, now=None) -> int:
    """Delete the keys older than ``KEEP``; return how many (a key is also renewed when it is sent again)."""
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()
    return deleted
