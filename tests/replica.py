"""A throw-away PostgreSQL primary and its streaming replica on loopback, for the tests marked ``replica``.

Both clusters live in one directory of the temporary folder named ``ruanzhu-replica-test-<pid>-...``, with their
sockets, logs and data, on free ports of 127.0.0.1; nothing is registered with the system's cluster tools and
the machine's own PostgreSQL is not touched. A run killed before its clean-up leaves the directory behind: the
next run stops the servers found there and removes it, once the process named in it is gone.

The servers run as the ``postgres`` user when the tests run as root (PostgreSQL refuses root), else as the
user running the tests.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import psycopg
from django.db import connections

PREFIX = "ruanzhu-replica-test-"
DATABASE = "ruanzhu"
# Enough for start-up, a base backup or catching up on a loaded machine; waits end as soon as the condition holds.
WAIT_SECONDS = 60
SERVER_PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def server_bindir() -> Path | None:
    """Return the folder of the PostgreSQL server programs, or None when they are not installed."""
    candidates = []
    if os.environ.get("RUANZHU_PG_BINDIR"):
        candidates.append(Path(os.environ["RUANZHU_PG_BINDIR"]))
    try:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        candidates.append(Path(found.stdout.strip()))
    except (OSError, subprocess.CalledProcessError):
        pass
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if all((bindir / program).is_file() for program in SERVER_PROGRAMS):
            return bindir
    return None


def _server_user() -> list[str]:
    """Return the command prefix that runs a server program as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")  # KeyError: no user to run the servers as
    return ["runuser", "-u", "postgres", "--"]


def server_user_available() -> bool:
    try:
        _server_user()
    except KeyError:
        return False
    return shutil.which("runuser") is not None or os.geteuid() != 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """One PostgreSQL server of the pair, started and stopped with pg_ctl."""

    bindir: Path
    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*_server_user(), str(self.bindir / program), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data_dir.parent}"
            " -c fsync=off -c full_page_writes=off -c max_connections=40 -c shared_buffers=16MB"
            " -c wal_level=replica -c max_wal_senders=4 -c wal_receiver_status_interval=1"
        )
        log = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            str(WAIT_SECONDS),
            "-D",
            str(self.data_dir),
            "-l",
            str(log),
            "-o",
            options,
        )

    def stop(self) -> None:
        self.run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir))

    @property
    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def query(self, sql: str, params: tuple = (), *, database: str = DATABASE):
        """Run one statement in its own connection (never one of Django's) and return its first row."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            autocommit=True,
            connect_timeout=5,
        ) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchone() if cursor.description else None


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {WAIT_SECONDS} s for {what}")
        time.sleep(0.05)


@dataclass
class ReplicaPair:
    """A primary and a replica streaming from it, with the waits the tests need."""

    base: Path
    primary: Server
    replica: Server

    @classmethod
    def create(cls, *, bindir: Path) -> "ReplicaPair":
        """Create, start and connect both servers; remove everything again if any step fails."""
        base = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
        pair = cls(
            base=base,
            primary=Server(bindir=bindir, data_dir=base / "primary", port=free_port()),
            replica=Server(bindir=bindir, data_dir=base / "replica", port=free_port()),
        )
        try:
            pair.primary.run(
                "initdb", "-D", str(pair.primary.data_dir), "-U", "postgres", "--auth=trust", "--no-sync",
                "--no-locale", "-E", "UTF8",
            )  # fmt: skip
            pair.primary.start()
            pair.primary.query(f"CREATE DATABASE {DATABASE}", database="postgres")
            # -R writes standby.signal and the primary_conninfo that makes it stream from the primary.
            pair.replica.run(
                "pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary.port), "-U", "postgres",
                "-D", str(pair.replica.data_dir), "-R", "--checkpoint=fast", "-X", "stream",
            )  # fmt: skip
            pair.replica.start()
            pair.wait_streaming()
        except BaseException:
            pair.drop()
            raise
        return pair

    def wait_streaming(self) -> None:
        """Wait until the replica takes connections and its WAL receiver streams from the primary."""

        def streaming() -> bool:
            try:
                row = self.replica.query("SELECT status FROM pg_stat_wal_receiver")
            except psycopg.OperationalError:
                return False
            return row is not None and row[0] == "streaming"

        _wait_until(streaming, "the replica to stream")

    def _wait_for_lsn(self, function: str, what: str) -> None:
        (lsn,) = self.primary.query("SELECT pg_current_wal_lsn()")
        _wait_until(lambda: self.replica.query(f"SELECT {function}() >= %s::pg_lsn", (lsn,))[0], what)

    def wait_for_replay(self) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        self._wait_for_lsn("pg_last_wal_replay_lsn", "the replica to replay the primary's WAL")

    def wait_for_receipt(self) -> None:
        """Wait until the replica has received (not necessarily replayed) what the primary has written so far."""
        self._wait_for_lsn("pg_last_wal_receive_lsn", "the replica to receive the primary's WAL")

    def restore(self) -> None:
        """Bring the replica back to streaming and replaying, whatever a test did to it."""
        if not self.replica.running:
            self.replica.start()
        self.wait_streaming()
        self.replica.query("SELECT pg_wal_replay_resume()")
        self.wait_for_replay()

    def drop(self) -> None:
        """Stop both servers and remove their directory."""
        _remove(self.base)


def _remove(base: Path) -> None:
    for name in ("replica", "primary"):
        data_dir = base / name
        if (data_dir / "postmaster.pid").exists():
            bindir = server_bindir()
            if bindir is not None:
                subprocess.run(
                    [
                        *_server_user(),
                        str(bindir / "pg_ctl"),
                        "stop",
                        "-w",
                        "-m",
                        "immediate",
                        "-D",
                        str(data_dir),
                    ],
                    capture_output=True,
                    timeout=WAIT_SECONDS,
                )
    shutil.rmtree(base, ignore_errors=True)


def remove_leftovers() -> None:
    """Stop and remove the pairs of earlier runs whose process is gone."""
    for base in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = base.name.removeprefix(PREFIX).split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and Path(f"/proc/{pid}").exists():
            continue
        _remove(base)


def database_settings(url: str, *, replica: bool = False) -> dict:
    """Return a DATABASES entry for a URL, as config.settings builds it from DATABASE_URL/DATABASE_REPLICA_URL."""
    database = dj_database_url.parse(url, conn_max_age=60)
    database["CONN_HEALTH_CHECKS"] = True
    database.setdefault("OPTIONS", {})
    if replica:
        database["OPTIONS"]["connect_timeout"] = 2
        database["TEST"] = {"MIRROR": "default"}
    return database


@contextmanager
def databases(*, default: str, replica: str) -> Iterator[None]:
    """Point Django's ``default`` and ``replica`` connections at these URLs, and restore the previous ones."""
    saved_settings = connections.settings
    saved = {alias: connections[alias] for alias in saved_settings}
    for alias in saved:
        del connections[alias]
    connections.settings = connections.configure_settings(
        {"default": database_settings(default), "replica": database_settings(replica, replica=True)}
    )
    try:
        yield
    finally:
        for alias in list(connections.settings):
            connections[alias].close()
            del connections[alias]
        connections.settings = saved_settings
        for alias, connection in saved.items():
            connections[alias] = connection


@contextmanager
def replica_address(url: str) -> Iterator[None]:
    """Point the ``replica`` connection at another URL for a while (a server that does not answer ...)."""
    connections["replica"].close()
    del connections["replica"]
    saved = connections.settings["replica"]
    configured = connections.configure_settings(
        {"default": connections.settings["default"], "replica": database_settings(url, replica=True)}
    )
    connections.settings["replica"] = configured["replica"]
    try:
        yield
    finally:
        connections["replica"].close()
        del connections["replica"]
        connections.settings["replica"] = saved
