"""Backups: the database and the private files copied into a folder, and restored from it.

A backup folder holds:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite, a consistent copy
  made through SQLite's online backup API);
- ``objects/<name>``: every object of the default storage (``STORAGES["default"]``), byte for byte as stored,
  that is encrypted by the application;
- ``manifest.json``, written last: the format version, when and from which database engine the backup was made,
  the latest migration of each app, the rows of each table, the sha256 and size of the database file and of
  every object, and a fingerprint of each key the data needs. A folder without a manifest is not a backup.

Keys (FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY, OTP_HMAC_KEY, DJANGO_SECRET_KEY, the certificate signing key) are
never written: a restore needs the same keys in its environment. The manifest names them by an HMAC-derived
fingerprint only, from which the key cannot be found, so that a restore can say which running key differs.

Consistency: the database is copied first, as one snapshot (the row counts and migrations of the manifest come
from the same snapshot), then the objects. Files are stored before the rows that name them are committed, so
every row of the snapshot names an object that existed when the copy of objects began; an object deleted in
between (a replaced upload) is missing from the backup, and an object stored after the snapshot is in the backup
with no row. A restore reports both ("rows whose object is missing", "objects with no row"); neither stops it.

The manifest's checksums detect a damaged or incomplete backup folder, not a forged one: keep backups where
only operators can write.
"""

import hashlib
import hmac
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "ruanzhu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
OBJECTS = "objects"
POSTGRESQL_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
_CHUNK = 1024 * 1024
_FINGERPRINT_LABEL = b"ruanzhu backup key fingerprint v1"


class BackupError(Exception):
    """A backup or a restore cannot go on; nothing more was changed than the message says."""


@dataclass
class RestoreSummary:
    """What a restore put back, and what it found wanting."""

    engine: str
    table_rows: dict[str, int]
    objects: int
    object_bytes: int
    rows_differing_from_manifest: dict[str, tuple[int, int]] = field(default_factory=dict)
    objects_without_row: list[str] = field(default_factory=list)
    rows_without_object: list[str] = field(default_factory=list)
    migrations_to_apply: list[str] = field(default_factory=list)
    migrations_unknown: list[str] = field(default_factory=list)
    key_warnings: list[str] = field(default_factory=list)


# --- Keys -------------------------------------------------------------------------------------------------------
def _fingerprint(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def key_fingerprints() -> dict[str, Any]:
    """Return a fingerprint of each running key: enough to tell two keys apart, nothing to recover one from."""
    fingerprints: dict[str, Any] = {
        "FIELD_ENCRYPTION_KEYS": [_fingerprint(key) for key in settings.FIELD_ENCRYPTION_KEYS],
        "BLIND_INDEX_KEY": _fingerprint(settings.BLIND_INDEX_KEY),
        "OTP_HMAC_KEY": _fingerprint(settings.OTP_HMAC_KEY),
        "DJANGO_SECRET_KEY": _fingerprint(settings.SECRET_KEY),
    }
    if settings.CERTIFICATE_SIGNING_CERT_FILE:
        # The certificate is public: its digest names the signing key without touching the key file.
        try:
            certificate = Path(settings.CERTIFICATE_SIGNING_CERT_FILE).read_bytes()
        except OSError as exc:
            raise BackupError(f"CERTIFICATE_SIGNING_CERT_FILE cannot be read: {exc.strerror}") from exc
        fingerprints["CERTIFICATE_SIGNING_CERT"] = hashlib.sha256(certificate).hexdigest()[:16]
    return fingerprints


def key_mismatches(*, recorded: dict[str, Any]) -> list[str]:
    """Return a warning for each key of a backup that the running settings do not hold."""
    running = key_fingerprints()
    warnings = []
    missing = [
        fp for fp in recorded.get("FIELD_ENCRYPTION_KEYS", []) if fp not in running["FIELD_ENCRYPTION_KEYS"]
    ]
    if missing:
        warnings.append(
            f"FIELD_ENCRYPTION_KEYS lacks {len(missing)} key(s) of the backup (fingerprints {', '.join(missing)}): "
            "data encrypted under them cannot be read."
        )
    consequences = {
        "BLIND_INDEX_KEY": "look-ups by phone, ID number or credit code will not find the restored rows.",
        "OTP_HMAC_KEY": "one-time codes sent before the backup will not verify.",
        "DJANGO_SECRET_KEY": "sessions and links signed before the backup are no longer valid.",
        "CERTIFICATE_SIGNING_CERT": "new certificates are signed by another key than the restored ones.",
    }
    for name, consequence in consequences.items():
        if name in recorded and recorded[name] != running.get(name):
            warnings.append(f"{name} differs from the backup's: {consequence}")
    return warnings


# --- Files and hashes -------------------------------------------------------------------------------------------
class _HashingWriter:
    """A binary file wrapper that hashes and counts what is written through it."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.target.write(data)


def _file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        raise BackupError(f"unsafe object name in the manifest: {name!r}")
    return path


# --- Storage ----------------------------------------------------------------------------------------------------
def storage_names(storage: Storage | None = None, folder: str = "") -> Iterator[str]:
    """Yield the name of every object of ``storage`` (the default storage), walking its folders."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a folder not made yet (a new location) or removed meanwhile holds nothing
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from storage_names(storage, posixpath.join(folder, sub) if folder else sub)


def _copy_object_out(storage: Storage, name: str, target: Path) -> dict[str, Any]:
    target.parent.mkdir(parents=True, exist_ok=True)
    with storage.open(name, "rb") as stored, target.open("wb") as copy:
        writer = _HashingWriter(copy)
        # django-storages' S3File reads a whole object into memory first; its boto3 object streams it.
        s3_object = getattr(stored, "obj", None)
        if s3_object is not None:
            s3_object.download_fileobj(writer, Config=storage.transfer_config)
        else:
            shutil.copyfileobj(stored, writer, _CHUNK)
    return {"name": name, "sha256": writer.hash.hexdigest(), "size": writer.size}


def _referencing_fields() -> list[tuple[type[models.Model], str]]:
    """Return (model, field name) of every column that names a private file (``storage_name``, ``*_storage_name``)."""
    return [
        (model, model_field.name)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if model_field.name == "storage_name" or model_field.name.endswith("_storage_name")
    ]


def referenced_names(*, using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Return every object name that a row of the database refers to."""
    names: set[str] = set()
    for model, field_name in _referencing_fields():
        values = (
            model._base_manager.using(using).exclude(**{field_name: ""}).values_list(field_name, flat=True)
        )
        names.update(values)
    return names


# --- Database ---------------------------------------------------------------------------------------------------
def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _postgresql_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Return the environment that gives pg_dump / pg_restore the connection, password included (never argv)."""
    environment = dict(os.environ)
    options = settings_dict.get("OPTIONS", {})
    for variable, value in (
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        ("PGDATABASE", settings_dict.get("NAME")),
        ("PGSSLMODE", options.get("sslmode")),
        ("PGSSLROOTCERT", options.get("sslrootcert")),
        ("PGSSLCERT", options.get("sslcert")),
        ("PGSSLKEY", options.get("sslkey")),
    ):
        if value:
            environment[variable] = str(value)
    return environment


def _run(command: list[str], *, environment: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (the PostgreSQL client tools are needed)") from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed with exit code {result.returncode}: {result.stderr.strip()}")


def _latest_migrations(applied: list[tuple[str, str]]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in applied:
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def _count_rows(cursor, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    rows = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - names from the catalogue
        rows[table] = cursor.fetchone()[0]
    return rows


def _dump_postgresql(alias: str, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Dump the database with pg_dump and return its rows per table and migrations, all from one snapshot."""
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("a backup cannot run inside a transaction")
    environment = _postgresql_environment(connection.settings_dict)
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        # pg_dump reads the snapshot this transaction exported, so the counts below describe the dump.
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            environment=environment,
        )
        rows = _count_rows(cursor, connection.introspection.table_names(cursor), quote)
        cursor.execute(f"SELECT app, name FROM {quote(MigrationRecorder.Migration._meta.db_table)}")  # noqa: S608
        migrations = _latest_migrations(cursor.fetchall())
    return rows, migrations


def _sqlite_state(path: Path) -> tuple[dict[str, int], dict[str, str]]:
    with closing(sqlite3.connect(path)) as database:
        cursor = database.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [row[0] for row in cursor.fetchall()]
        rows = _count_rows(cursor, tables, lambda name: '"' + name.replace('"', '""') + '"')
        migrations = {}
        if MigrationRecorder.Migration._meta.db_table in tables:
            cursor.execute(f"SELECT app, name FROM {MigrationRecorder.Migration._meta.db_table}")  # noqa: S608
            migrations = _latest_migrations(cursor.fetchall())
    return rows, migrations


def _copy_sqlite(alias: str, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the SQLite database through the online backup API (consistent while others write)."""
    with closing(sqlite3.connect(connections[alias].settings_dict["NAME"])) as source:
        with closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    return _sqlite_state(target)


# --- Backup -----------------------------------------------------------------------------------------------------
def backup_create(
    *, directory: Path, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Write a backup of the database and of the default storage into ``directory`` (new or empty)."""
    report = progress or (lambda message: None)
    engine = _engine(using)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} must be a new or empty folder")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    created_at = timezone.now()

    database_file = directory / (POSTGRESQL_DUMP if engine == "postgresql" else SQLITE_COPY)
    report(f"Copying the {engine} database to {database_file.name} ...")
    if engine == "postgresql":
        table_rows, migrations = _dump_postgresql(using, database_file)
    else:
        table_rows, migrations = _copy_sqlite(using, database_file)

    report("Copying the stored objects ...")
    objects = [
        _copy_object_out(default_storage, name, directory / OBJECTS / _safe_relative(name))
        for name in storage_names(default_storage)
    ]
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "database": {"engine": engine, "file": database_file.name, **_file_digest(database_file)},
        "migrations": migrations,
        "table_rows": table_rows,
        "objects": objects,
        "counts": {
            "tables": len(table_rows),
            "rows": sum(table_rows.values()),
            "objects": len(objects),
            "object_bytes": sum(item["size"] for item in objects),
        },
        "keys": key_fingerprints(),
    }
    # Written last and renamed into place: a folder with a manifest holds a complete backup.
    partial = directory / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(directory / MANIFEST)
    return manifest


# --- Restore ----------------------------------------------------------------------------------------------------
def backup_verify(*, directory: Path) -> dict[str, Any]:
    """Return the manifest of ``directory`` once every file it names has its recorded size and sha256."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} holds no {MANIFEST}: not a complete backup") from None
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{MANIFEST} is not a backup of format {FORMAT} version {FORMAT_VERSION}")
    database = manifest["database"]
    if database["file"] not in (POSTGRESQL_DUMP, SQLITE_COPY):
        raise BackupError(f"unexpected database file in the manifest: {database['file']!r}")
    expected = [(directory / database["file"], database)] + [
        (directory / OBJECTS / _safe_relative(item["name"]), item) for item in manifest["objects"]
    ]
    for path, recorded in expected:
        if not path.is_file():
            raise BackupError(f"{path.relative_to(directory)} is missing from the backup")
        found = _file_digest(path)
        if found != {"sha256": recorded["sha256"], "size": recorded["size"]}:
            raise BackupError(
                f"{path.relative_to(directory)} does not match its checksum: the backup is damaged"
            )
    return manifest


def _unknown_migrations(migrations: dict[str, str]) -> list[str]:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in migrations.items() if (app, name) not in known]


def _database_is_empty(alias: str) -> bool:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if not path.exists():
            return True
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _empty_database(alias: str) -> None:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.close()
        name = connection.settings_dict["NAME"]
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            cursor.execute(
                "DROP TABLE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE"
            )


def _restore_database(alias: str, source: Path) -> None:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        environment = _postgresql_environment(connection.settings_dict)
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(source),
            ],
            environment=environment,
        )
        return
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Copied beside the target and renamed over it, so that the file is never seen half-written.
    with tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=target.name, suffix=".restore", delete=False
    ) as temp:
        with source.open("rb") as copy:
            shutil.copyfileobj(copy, temp, _CHUNK)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(temp.name, target)


def _upload(storage: Storage, name: str, source: Path) -> None:
    with source.open("rb") as content:
        saved = storage.save(name, File(content, name=name))
    if saved != name:
        raise BackupError(f"the storage kept {name} as {saved}: it was not empty")


def backup_restore(
    *,
    directory: Path,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> RestoreSummary:
    """Restore the backup in ``directory`` into the configured database and the default storage.

    Everything is checked before anything changes: the checksums, the engine, the migrations (a backup made by
    newer code than the running one is refused) and that both targets are empty. ``force`` empties a non-empty
    target first: it drops every table of the database (or deletes the SQLite file) and deletes every object of
    the storage, so that what remains is exactly the backup. The database is restored first, then the objects:
    if an upload fails half-way, run the restore again with ``force``.
    """
    report = progress or (lambda message: None)
    report("Verifying the checksums ...")
    manifest = backup_verify(directory=directory)
    engine = _engine(using)
    if manifest["database"]["engine"] != engine:
        raise BackupError(
            f"the backup holds a {manifest['database']['engine']} database; the configured one is {engine}"
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            "the backup was made by a newer version of the portal (unknown migrations: "
            + ", ".join(unknown)
            + "): restore it with that version"
        )
    database_empty = _database_is_empty(using)
    existing_objects = list(storage_names(default_storage))
    if not force:
        occupied = []
        if not database_empty:
            occupied.append("the target database is not empty")
        if existing_objects:
            occupied.append(f"the target storage holds {len(existing_objects)} object(s)")
        if occupied:
            raise BackupError("; ".join(occupied) + " (--force empties them first)")
    key_warnings = key_mismatches(recorded=manifest.get("keys", {}))

    if not database_empty:
        report("Dropping the tables of the target database ...")
        _empty_database(using)
    for name in existing_objects:
        default_storage.delete(name)
    report(f"Restoring the database from {manifest['database']['file']} ...")
    _restore_database(using, directory / manifest["database"]["file"])
    report(f"Uploading {len(manifest['objects'])} object(s) ...")
    for item in manifest["objects"]:
        _upload(default_storage, item["name"], directory / OBJECTS / _safe_relative(item["name"]))
    report("Checking the restored data ...")
    return _restore_summary(manifest=manifest, using=using, key_warnings=key_warnings)


def _restore_summary(*, manifest: dict[str, Any], using: str, key_warnings: list[str]) -> RestoreSummary:
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        table_rows = _count_rows(cursor, tables, connection.ops.quote_name)
    recorded = manifest["table_rows"]
    differing = {
        table: (recorded.get(table, 0), table_rows.get(table, 0))
        for table in sorted(set(recorded) | set(table_rows))
        if recorded.get(table, 0) != table_rows.get(table, 0)
    }
    stored = {item["name"] for item in manifest["objects"]}
    referenced = referenced_names(using=using)
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    to_apply = [
        f"{migration.app_label}.{migration.name}"
        for migration, _ in executor.migration_plan(graph.leaf_nodes())
    ]
    unknown = sorted(
        f"{app}.{name}" for app, name in executor.loader.applied_migrations if (app, name) not in graph.nodes
    )
    return RestoreSummary(
        engine=manifest["database"]["engine"],
        table_rows=table_rows,
        objects=len(manifest["objects"]),
        object_bytes=sum(item["size"] for item in manifest["objects"]),
        rows_differing_from_manifest=differing,
        objects_without_row=sorted(stored - referenced),
        rows_without_object=sorted(referenced - stored),
        migrations_to_apply=to_apply,
        migrations_unknown=unknown,
        key_warnings=key_warnings,
    )
