"""The read replica: settings, routing, and a real streaming replica on loopback with its failures."""

import datetime
import functools
import itertools
import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections, router
from django.urls import reverse
from prometheus_client import REGISTRY

from ruanzhu.accounts.models import User
from ruanzhu.core import dbrouter
from ruanzhu.core.dbrouter import PRIMARY, REPLICA, replica_reads
from ruanzhu.registry.models import Registration
from ruanzhu.registry.services import registration_create
from tests.replica import (
    ReplicaPair,
    databases,
    free_port,
    remove_leftovers,
    replica_address,
    server_bindir,
    server_user_available,
)

ROOT = Path(__file__).resolve().parents[2]
SEARCH = reverse("registry:search")
SOFTWARE_NUMBERS = itertools.count(1)
ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
streaming_replica = [
    pytest.mark.replica,
    pytest.mark.skipif(
        not ON_POSTGRESQL, reason="the replica tests run on the PostgreSQL pass (DATABASE_URL=postgres://...)"
    ),
]


# --- Settings ------------------------------------------------------------------------------------------------


def settings_in_subprocess(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """Load config.settings in a fresh interpreter with exactly these database variables; print DATABASES."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RUANZHU_", "DATABASE_", "REDIS_"))
    }
    code = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES))"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "RUANZHU_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )


def test_a_replica_without_a_postgresql_primary_is_refused(tmp_path):
    result = settings_in_subprocess(
        {"DATABASE_REPLICA_URL": "postgres://reader@replica.internal/ruanzhu"}, tmp_path
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DATABASE_REPLICA_URL" in result.stderr


def test_the_replica_shares_the_primary_options_with_a_short_connect_timeout_and_no_test_database(tmp_path):
    result = settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://app@primary.internal/ruanzhu",
            "DATABASE_REPLICA_URL": "postgres://app@replica.internal/ruanzhu",
        },
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    replica = json.loads(result.stdout)["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql" and replica["HOST"] == "replica.internal"
    assert replica["CONN_HEALTH_CHECKS"] is True and replica["CONN_MAX_AGE"] == 60
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"] == {"MIRROR": "default"}


def test_writes_and_migrations_go_to_the_primary_only():
    with replica_reads():
        assert router.db_for_write(Registration) == PRIMARY
    assert router.allow_migrate(PRIMARY, "registry")
    assert not router.allow_migrate(REPLICA, "registry")
    assert not router.allow_migrate(REPLICA, "accounts")


# --- A real primary and streaming replica -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(django_db_blocker) -> Iterator[ReplicaPair]:
    """A primary and a streaming replica of its own, migrated; Django's connections point at them meanwhile."""
    bindir = server_bindir()
    if bindir is None:
        pytest.skip("the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) are not installed")
    if not server_user_available():
        pytest.skip("running as root without a postgres user to run the servers as")
    remove_leftovers()
    pair = ReplicaPair.create(bindir=bindir)
    try:
        with django_db_blocker.unblock(), databases(default=pair.primary.url, replica=pair.replica.url):
            call_command("migrate", verbosity=0, interactive=False)
            pair.wait_for_replay()
            yield pair
    finally:
        pair.drop()


class Clock:
    """The router's clock, moved by hand: a health check's answer is kept until it has moved far enough."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(pair, monkeypatch) -> Iterator[Clock]:
    """Start with no health known and a clock of our own; leave the replica streaming and replaying."""
    clock = Clock()
    monkeypatch.setattr(dbrouter, "monotonic", clock)
    monkeypatch.setattr(dbrouter, "_health", None)
    yield clock
    pair.restore()


@pytest.fixture
def make(pair):
    """Publish a registration on the primary (the replica has it once it has replayed that far)."""

    def make() -> Registration:
        return registration_create(
            service="R11",
            software_name=f"副本测试软件{next(SOFTWARE_NUMBERS):03d}",
            version="V1.0",
            owners=["示例科技有限公司"],
            completion_date=datetime.date(2025, 12, 1),
            registered_on=datetime.date(2026, 3, 2),
        )

    return make


@pytest.fixture
def published(pair, make) -> Registration:
    registration = make()
    pair.wait_for_replay()
    return registration


@dataclass
class Traffic:
    """The statements run and the connections opened on each database."""

    queries: dict[str, list[str]] = field(default_factory=lambda: {PRIMARY: [], REPLICA: []})
    connects: dict[str, int] = field(default_factory=lambda: {PRIMARY: 0, REPLICA: 0})

    def registry_reads(self, alias: str) -> list[str]:
        return [sql for sql in self.queries[alias] if sql.startswith("SELECT") and '"registry_' in sql]


@contextmanager
def watch() -> Iterator[Traffic]:
    """Record what reaches each database, without connecting to either (as CaptureQueriesContext would)."""
    traffic = Traffic()

    def record(alias, execute, sql, params, many, context):
        traffic.queries[alias].append(sql)
        return execute(sql, params, many, context)

    def count(alias, original, *args, **kwargs):
        traffic.connects[alias] += 1
        return original(*args, **kwargs)

    with ExitStack() as stack:
        for alias in (PRIMARY, REPLICA):
            connection = connections[alias]
            stack.enter_context(connection.execute_wrapper(functools.partial(record, alias)))
            original = connection.get_new_connection
            connection.get_new_connection = functools.partial(count, alias, original)
            stack.callback(delattr, connection, "get_new_connection")
        yield traffic


def fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("ruanzhu_db_replica_fallbacks_total", {"reason": reason}) or 0.0


def replica_warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "ruanzhu.core.dbrouter" and record.levelno == logging.WARNING
    ]


@pytest.mark.usefixtures("clock")
class TestStreamingReplica:
    pytestmark = streaming_replica

    def test_registry_search_and_record_read_from_the_replica(self, client, published):
        with watch() as traffic:
            search = client.get(SEARCH, {"q": published.software_name})
            record = client.get(reverse("registry:record", args=[published.registration_number]))

        assert search.status_code == 200 and published.registration_number in search.content.decode()
        assert record.status_code == 200 and published.software_name in record.content.decode()
        assert len(traffic.registry_reads(REPLICA)) >= 3
        assert traffic.registry_reads(PRIMARY) == []

    def test_a_write_goes_to_the_primary_and_reaches_the_replica(self, pair, make):
        with watch() as traffic, replica_reads():
            registration = make()
            assert router.db_for_write(Registration) == PRIMARY

        assert any(sql.startswith('INSERT INTO "registry_registration"') for sql in traffic.queries[PRIMARY])
        assert traffic.queries[REPLICA] == []
        pair.wait_for_replay()
        assert Registration.objects.using(REPLICA).filter(pk=registration.pk).exists()

    def test_pages_and_reads_outside_the_registry_scope_never_touch_the_replica(
        self, client, published, make
    ):
        with watch() as traffic:
            verify = client.get(reverse("registry:verify", args=[published.certificate_token]))
            home = client.get("/")
            Registration.objects.get(pk=published.pk)
            with replica_reads():
                User.objects.count()
                make()

        assert verify.status_code == 200 and published.registration_number in verify.content.decode()
        assert home.status_code == 200
        assert traffic.registry_reads(PRIMARY)
        assert traffic.queries[REPLICA] == [] and traffic.connects[REPLICA] == 0

    def test_a_stopped_replica_costs_one_connect_per_interval_and_pages_answer_from_the_primary(
        self, client, pair, published, clock, caplog
    ):
        connections[REPLICA].close()
        pair.replica.stop()
        before = fallbacks("down")

        with watch() as traffic:
            first = client.get(SEARCH, {"q": published.software_name})
            record = client.get(reverse("registry:record", args=[published.registration_number]))

        for response in (first, record):
            assert response.status_code == 200 and published.registration_number in response.content.decode()
        assert traffic.connects[REPLICA] == 1
        assert traffic.registry_reads(REPLICA) == [] and traffic.registry_reads(PRIMARY)
        assert fallbacks("down") == before + 2
        assert len(replica_warnings(caplog)) == 1 and "down" in replica_warnings(caplog)[0]

        pair.restore()
        with watch() as traffic:
            client.get(SEARCH, {"q": published.software_name})
        assert traffic.connects[REPLICA] == 0 and traffic.registry_reads(REPLICA) == []

        clock.advance(django_settings.DATABASE_REPLICA_CHECK_SECONDS)
        with watch() as traffic:
            back = client.get(SEARCH, {"q": published.software_name})
        assert back.status_code == 200 and published.registration_number in back.content.decode()
        assert traffic.registry_reads(REPLICA) and traffic.registry_reads(PRIMARY) == []

    def test_the_instance_stays_ready_while_the_replica_is_down(self, client, pair, settings, tmp_path):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path},
            },
        }
        connections[REPLICA].close()
        pair.replica.stop()

        response = client.get("/readyz")

        assert response.status_code == 200 and response.json()["checks"]["database"] == "ok"

    def test_a_replica_that_fails_during_a_request_is_left_for_the_primary(
        self, client, pair, published, caplog
    ):
        warm = client.get(SEARCH, {"q": published.software_name})
        assert warm.status_code == 200
        pair.replica.stop()
        before = fallbacks("error")

        with watch() as traffic:
            failed_over = client.get(SEARCH, {"q": published.software_name})
            after = client.get(SEARCH, {"q": published.software_name})

        for response in (failed_over, after):
            assert response.status_code == 200 and published.registration_number in response.content.decode()
        assert fallbacks("error") == before + 1
        assert traffic.connects[REPLICA] == 0
        assert any("failed during a request" in message for message in replica_warnings(caplog))

    def test_a_replica_that_does_not_answer_times_out_to_the_primary(self, client, published):
        # A socket that listens and never accepts: the kernel completes the handshake, the server never speaks.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
            port = free_port()
            silent.bind(("127.0.0.1", port))
            silent.listen(8)
            before = fallbacks("down")
            with replica_address(f"postgres://postgres@127.0.0.1:{port}/ruanzhu"), watch() as traffic:
                response = client.get(SEARCH, {"q": published.software_name})

        assert response.status_code == 200 and published.registration_number in response.content.decode()
        assert traffic.connects[REPLICA] == 1 and traffic.registry_reads(REPLICA) == []
        assert fallbacks("down") == before + 1

    def test_a_lagging_replica_leaves_reads_to_the_primary_until_it_catches_up(
        self, client, pair, make, clock, settings
    ):
        settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
        pair.replica.query("SELECT pg_wal_replay_pause()")
        fresh = make()
        pair.wait_for_receipt()
        before = fallbacks("lag")

        with watch() as traffic:
            lagging = client.get(SEARCH, {"q": fresh.software_name})

        # The replica has not replayed the new record: finding it shows the primary answered.
        assert not Registration.objects.using(REPLICA).filter(pk=fresh.pk).exists()
        assert lagging.status_code == 200 and fresh.registration_number in lagging.content.decode()
        assert traffic.registry_reads(REPLICA) == [] and traffic.registry_reads(PRIMARY)
        assert fallbacks("lag") == before + 1

        pair.replica.query("SELECT pg_wal_replay_resume()")
        pair.wait_for_replay()
        clock.advance(settings.DATABASE_REPLICA_CHECK_SECONDS)
        # Caught up on an idle primary: current, although its last replayed transaction is older than 0 s.
        with watch() as traffic:
            caught_up = client.get(SEARCH, {"q": fresh.software_name})
        assert caught_up.status_code == 200 and fresh.registration_number in caught_up.content.decode()
        assert traffic.registry_reads(REPLICA) and traffic.registry_reads(PRIMARY) == []
