"""Route the public registry's reads to a streaming read replica, when one is set up; all else to the primary.

Reads go to the replica (the ``replica`` database, DATABASE_REPLICA_URL) only inside a replica scope
(``with replica_reads():`` around a block, ``@replica_view`` around a read-only view) and only for the
registry's own models: sessions, accounts and filings are always read from the primary, so that a person
sees their own writes, and so are reads inside a transaction on the primary. Writes and migrations always go to
the primary.

Before the first read of a scope goes to the replica, its health is checked (at most once every
DATABASE_REPLICA_CHECK_SECONDS per process; the answer is kept in between): it must answer within its connect
timeout and lag at most DATABASE_REPLICA_MAX_LAG_SECONDS behind the primary, or the scope reads from the primary.

The lag is measured on the replica alone. A replica that has replayed all the WAL it received while its WAL
receiver is streaming is current, however old its last replayed transaction is (an idle primary sends nothing, so
``now() - pg_last_xact_replay_timestamp()`` grows without the replica falling behind). Otherwise, while WAL waits
to be replayed or the receiver is disconnected, the lag is the age of the last replayed transaction; none
replayed since start-up counts as too far behind.
"""

import functools
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from time import monotonic

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from prometheus_client import Counter

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
# Apps whose reads may come from the replica inside a scope: public data that nobody reads back after writing it.
REPLICA_APPS = frozenset({"registry"})

# Exported at /metrics with the others (ruanzhu.core.metrics exposes the default registry).
REPLICA_FALLBACKS = Counter(
    "ruanzhu_db_replica_fallbacks",
    "Replica scopes (requests) whose reads went to the primary, by reason (down, lag, error).",
    ["reason"],
)

LAG_QUERY = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT FROM pg_stat_wal_receiver)
           AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


@dataclass(frozen=True)
class ReplicaHealth:
    """The outcome of one health check: "ok", "down" or "lag", and the lag measured in seconds."""

    state: str
    lag_seconds: float | None
    checked_at: float

    @property
    def usable(self) -> bool:
        return self.state == "ok"


@dataclass
class _Scope:
    """One ``replica_reads()`` block: whether its reads use the replica, decided at its first registry read."""

    on_replica: bool | None = None


_scope: ContextVar[_Scope | None] = ContextVar("replica_reads", default=None)
_health: ReplicaHealth | None = None


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_lag_seconds() -> float:
    """Return how far the replica is behind the primary, in seconds (0 when current); raise DatabaseError."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_QUERY)
        in_recovery, caught_up, replayed_age = cursor.fetchone()
    if not in_recovery or caught_up:
        return 0.0
    return math.inf if replayed_age is None else max(0.0, float(replayed_age))


def _check_replica(*, now: float) -> ReplicaHealth:
    try:
        lag = replica_lag_seconds()
    except DatabaseError:
        # Close what is left, so that the next check connects afresh instead of reusing a broken connection.
        with suppress(DatabaseError):
            connections[REPLICA].close()
        return ReplicaHealth(state="down", lag_seconds=None, checked_at=now)
    if lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        return ReplicaHealth(state="lag", lag_seconds=lag, checked_at=now)
    return ReplicaHealth(state="ok", lag_seconds=lag, checked_at=now)


def replica_health() -> ReplicaHealth:
    """Return the replica's health, checked again once DATABASE_REPLICA_CHECK_SECONDS have passed."""
    global _health
    now = monotonic()
    health = _health
    if health is not None and now - health.checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return health
    previous, health = health, _check_replica(now=now)
    _health = health
    if not health.usable:
        logger.warning(
            "database replica unusable (%s, lag %s s): reads go to the primary for %s s",
            health.state,
            "unknown" if health.lag_seconds is None else f"{health.lag_seconds:.1f}",
            settings.DATABASE_REPLICA_CHECK_SECONDS,
        )
    elif previous is not None and not previous.usable:
        logger.info("database replica usable again (lag %.1f s)", health.lag_seconds)
    return health


def _replica_failed(*, scope: _Scope) -> None:
    """Mark the replica down after an error on it, until the next check; the scope goes on on the primary."""
    global _health
    _health = ReplicaHealth(state="down", lag_seconds=None, checked_at=monotonic())
    scope.on_replica = False
    REPLICA_FALLBACKS.labels(reason="error").inc()
    logger.warning(
        "database replica failed during a request: reads go to the primary for %s s",
        settings.DATABASE_REPLICA_CHECK_SECONDS,
    )
    with suppress(DatabaseError):
        connections[REPLICA].close()


def _scope_uses_replica(scope: _Scope) -> bool:
    if scope.on_replica is None:
        health = replica_health()
        scope.on_replica = health.usable
        if not health.usable:
            REPLICA_FALLBACKS.labels(reason=health.state).inc()
    return scope.on_replica


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let the registry reads inside this block come from the replica while it is healthy and current."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def replica_view(view: Callable) -> Callable:
    """Run a read-only view in ``replica_reads()``; if the replica fails during it, answer from the primary.

    The view runs a second time, on the primary, only when the replica's connection broke while the view used it.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        scope = _Scope()
        token = _scope.set(scope)
        try:
            try:
                return view(request, *args, **kwargs)
            except (OperationalError, InterfaceError):
                if not (scope.on_replica and connections[REPLICA].errors_occurred):
                    raise
                _replica_failed(scope=scope)
                return view(request, *args, **kwargs)
        finally:
            _scope.reset(token)

    return wrapped


class PrimaryReplicaRouter:
    """Reads of REPLICA_APPS inside a replica scope go to a healthy replica; all else goes to the primary."""

    def db_for_read(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is None or model._meta.app_label not in REPLICA_APPS or not replica_configured():
            return PRIMARY
        # Inside a transaction on the primary, a read sees that transaction's writes only there.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA if _scope_uses_replica(scope) else PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY
