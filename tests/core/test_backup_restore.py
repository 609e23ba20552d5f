"""Backup and restore drill: a realistic data set is backed up with `manage.py backup`, restored with `manage.py
restore` (a separate process, as an operator would run it) into a fresh database and a fresh storage, and every
row of every table and every stored object is compared with the source.

On PostgreSQL the fresh database is a new database of the same server; on SQLite a new file. The storage is a
temporary folder, and, through the loopback S3 server, a fresh bucket.
"""

import datetime
import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage.handler import StorageHandler
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from ruanzhu.core import backups
from ruanzhu.core.crypto import decrypt_text
from ruanzhu.core.files import delete_private_file, read_private_file, store_private_file
from ruanzhu.core.review import item_claim
from ruanzhu.examination.models import Certificate
from ruanzhu.filings.models import FilingDocument
from ruanzhu.identity import services as identity
from ruanzhu.identity.models import Verification
from tests.factories import FilingFactory, UserFactory, VerificationFactory
from tests.identity import images_fixtures as pictures

MANAGE = Path(settings.BASE_DIR) / "manage.py"
ID_NUMBER = "110105199003070017"
POSTGRESQL = connection.vendor == "postgresql"


@functools.cache
def id_photos() -> dict[str, bytes]:
    return {
        "id_front": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_front(), seed=21)),
        "id_back": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=22)),
        "handheld": pictures.jpeg_bytes(pictures.handheld_photo(seed=23)),
    }


def verified_through_the_wizard(reviewer) -> Verification:
    """An individual verified as the portal does it: details, three ID photos, submission, review."""
    account = UserFactory(username="zhangsan", identity_status="unverified")
    verification = identity.verification_open(account=account)
    identity.verification_save_identity(verification=verification, nationality="中国", id_type="resident_id")
    identity.verification_save_details(
        verification=verification,
        details=identity.PersonDetails(
            real_name="张三",
            id_number=ID_NUMBER,
            id_valid_from=datetime.date(2020, 1, 1),
            id_valid_until=None,
            id_long_term=True,
            province="北京市",
            city="北京市",
        ),
    )
    for slot, content in id_photos().items():
        identity.verification_upload(verification=verification, slot=slot, data=content)
    verification = identity.verification_submit(
        verification=verification, consent_id_data=True, consent_face=True
    )
    verification = item_claim(item=verification, by=reviewer)
    return identity.verification_approve(
        verification=verification, by=reviewer, checklist=dict.fromkeys(identity.CHECKLIST, True)
    )


@dataclass
class DataSet:
    verification: Verification
    orphan_name: str
    lost_name: str


def realistic_data_set(reviewer) -> DataSet:
    """Accounts, a verified identity with its ID photos, a registered filing (documents, form PDF, signed page,
    certificate), an object no row names and a row whose object is gone."""
    verification = verified_through_the_wizard(reviewer)
    co_owner = VerificationFactory().account
    filing = FilingFactory(registered=True, applicant=verification.account, co_owners=[co_owner])
    assert Certificate.objects.filter(filing=filing).exists()
    orphan_name = store_private_file(
        content=b"uploaded while the database was being copied", folder="filings", suffix=".pdf"
    )
    # A document replaced after the database snapshot: its row is in the dump, its object no longer stored.
    lost = FilingDocument.objects.filter(filing=filing).order_by("pk").first()
    delete_private_file(lost.storage_name)
    return DataSet(verification=verification, orphan_name=orphan_name, lost_name=lost.storage_name)


# --- The fresh target: a database, a storage, and the environment of `manage.py restore` ----------------------------
@dataclass
class Target:
    environment: dict[str, str]
    database: BaseDatabaseWrapper
    storage: dict

    def restore(self, directory: Path, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(MANAGE), "restore", str(directory), *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def objects(self) -> dict[str, str]:
        return stored_objects(self.storage)

    def tables(self) -> dict[str, tuple[int, str]]:
        # Closed after each look: a restored SQLite file replaces the one an open connection would still read.
        try:
            return table_digests(self.database)
        finally:
            self.database.close()


def stored_objects(storage_entry: dict) -> dict[str, str]:
    """Return name → sha256 of every object of the storage described by a STORAGES entry."""
    storage = StorageHandler({"default": storage_entry})["default"]
    digests = {}
    for name in backups.storage_names(storage):
        with storage.open(name, "rb") as stored:
            digests[name] = hashlib.sha256(stored.read()).hexdigest()
    return digests


def _key_environment() -> dict[str, str]:
    return {
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "OTP_HMAC_KEY": settings.OTP_HMAC_KEY,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }


@pytest.fixture
def fresh_database(tmp_path):
    """A new, empty database (PostgreSQL: on the same server; SQLite: a new file) and a connection to it."""
    source = connection.settings_dict
    alias = f"drill_{uuid.uuid4().hex[:8]}"
    if POSTGRESQL:
        name = f"ruanzhu_drill_{uuid.uuid4().hex[:12]}"
        server = {
            "host": source["HOST"] or None,
            "port": source["PORT"] or None,
            "user": source["USER"] or None,
            "password": source["PASSWORD"] or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        credentials = quote(source["USER"] or "", safe="")
        if source["PASSWORD"]:
            credentials += ":" + quote(source["PASSWORD"], safe="")
        environment = {
            "DATABASE_URL": f"postgres://{credentials}@{source['HOST'] or 'localhost'}:{source['PORT'] or 5432}/{name}"
        }
    else:
        name = str(tmp_path / "restored.sqlite3")
        environment = {"SQLITE_PATH": name}
    # A connection of its own, outside django.db.connections: the test compares two databases side by side.
    database = load_backend(source["ENGINE"]).DatabaseWrapper({**source, "NAME": name}, alias)
    yield database, environment
    database.close()
    if POSTGRESQL:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        "filesystem",
        pytest.param(
            "s3",
            marks=pytest.mark.skipif(
                not POSTGRESQL,
                reason="the S3 drill runs on the PostgreSQL pass: copying objects does not depend on the database",
            ),
        ),
    ]
)
def storage_kind(request):
    return request.param


@pytest.fixture
def source_storage(request, storage_kind):
    """The portal's storage for the test: a temporary folder, or a fresh bucket of the loopback S3 server."""
    fixture = "private_storage" if storage_kind == "filesystem" else "s3_storage"
    request.getfixturevalue(fixture)
    return settings.STORAGES["default"]


@pytest.fixture
def target(request, storage_kind, fresh_database, tmp_path, source_storage):
    database, database_environment = fresh_database
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "DATABASE_URL", "SQLITE_PATH", "PRIVATE_MEDIA_ROOT"))
    }
    environment.update(database_environment)
    environment.update(_key_environment())
    environment["RUANZHU_DATA_DIR"] = str(tmp_path / "restore-data")
    if storage_kind == "filesystem":
        location = tmp_path / "restored-private"
        environment["PRIVATE_MEDIA_ROOT"] = str(location)
        storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        }
    else:
        s3_server = request.getfixturevalue("s3_server")
        bucket = s3_server.create_bucket("ruanzhu-restored")
        storage = s3_server.storage_options(bucket)
        environment.update(
            {
                "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_S3_ENDPOINT_URL": s3_server.endpoint_url,
                "AWS_S3_REGION_NAME": storage["OPTIONS"]["region_name"],
                "AWS_S3_ACCESS_KEY_ID": storage["OPTIONS"]["access_key"],
                "AWS_S3_SECRET_ACCESS_KEY": storage["OPTIONS"]["secret_key"],
                "AWS_S3_ADDRESSING_STYLE": "path",
            }
        )
    return Target(environment=environment, database=database, storage=storage)


def table_digests(database: BaseDatabaseWrapper) -> dict[str, tuple[int, str]]:
    """Return, for every table, its number of rows and a sha256 over all its rows ordered by primary key."""
    quote_name = database.ops.quote_name
    digests = {}
    with database.cursor() as cursor:
        for table in database.introspection.table_names(cursor):
            order = database.introspection.get_primary_key_columns(cursor, table) or [
                column.name for column in database.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {quote_name(table)} ORDER BY {', '.join(map(quote_name, order))}")  # noqa: S608
            digest = hashlib.sha256()
            rows = cursor.fetchall()
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            digests[table] = (len(rows), digest.hexdigest())
    return digests


def backup_of_the_portal(directory: Path) -> dict:
    call_command("backup", str(directory), stdout=io.StringIO())
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


# --- The drill ---------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_restore_into_a_fresh_database_and_storage_gives_back_every_row_and_object(
    source_storage, target, reviewer, tmp_path, settings
):
    data = realistic_data_set(reviewer)
    source_objects = stored_objects(source_storage)
    directory = tmp_path / "backup"

    manifest = backup_of_the_portal(directory)
    assert manifest["keys"] == backups.key_fingerprints()
    restored = target.restore(directory)

    assert restored.returncode == 0, restored.stderr
    assert "WARNING" not in restored.stderr
    assert "Migrations: the restored database matches the code" in restored.stdout
    assert f"Objects with no row: 1\n  {data.orphan_name}\n" in restored.stdout
    assert f"Rows whose object is missing: 1\n  {data.lost_name}\n" in restored.stdout
    assert manifest["counts"]["objects"] == len(source_objects)
    assert {name.split("/")[0] for name in source_objects} == {"identity", "filings", "forms", "certificates"}
    source_tables = table_digests(connection)
    assert {"identity_verificationdocument", "filings_filingdocument", "examination_certificate"} <= {
        table for table, (rows, _digest) in source_tables.items() if rows
    }
    assert target.tables() == source_tables
    assert target.objects() == source_objects

    # The restore is usable with the running keys: an encrypted field, an encrypted file, new rows.
    with target.database.cursor() as cursor:
        cursor.execute("SELECT id_number FROM identity_verification WHERE id = %s", [data.verification.pk])
        (stored_id_number,) = cursor.fetchone()
        assert decrypt_text(stored_id_number) == ID_NUMBER
        cursor.execute("INSERT INTO auth_group (name) VALUES (%s)", ["恢复演练"])
    photo = data.verification.documents.get(slot="id_front")
    settings.STORAGES = {**settings.STORAGES, "default": target.storage}
    assert hashlib.sha256(read_private_file(photo.storage_name)).hexdigest() == photo.sha256


# --- Refusals and --force ------------------------------------------------------------------------------------------
@pytest.fixture
def small_backup(private_storage, tmp_path) -> Path:
    """A backup of an account and two private files."""
    UserFactory(username="lisi")
    store_private_file(content=b"ID photo", folder="identity", suffix=".jpg")
    store_private_file(content=b"deposit", folder="filings", suffix=".pdf")
    directory = tmp_path / "small-backup"
    call_command("backup", str(directory), stdout=io.StringIO())
    return directory


def portal_state(settings) -> tuple[dict, dict]:
    return table_digests(connection), stored_objects(settings.STORAGES["default"])


@pytest.mark.django_db(transaction=True)
def test_a_damaged_object_is_refused_before_anything_changes(small_backup, settings):
    damaged = sorted(path for path in (small_backup / "objects").rglob("*") if path.is_file())[0]
    content = bytearray(damaged.read_bytes())
    content[-1] ^= 0x01
    damaged.write_bytes(bytes(content))
    before = portal_state(settings)

    # Even --force, which would empty the database and the storage, stops at the checksums.
    with pytest.raises(
        CommandError, match=f"Nothing restored: {damaged.relative_to(small_backup)} does not match"
    ):
        call_command("restore", str(small_backup), "--force", stdout=io.StringIO())

    assert portal_state(settings) == before


@pytest.mark.django_db(transaction=True)
def test_a_database_and_storage_that_are_not_empty_are_refused(small_backup, settings):
    store_private_file(content=b"uploaded after the backup", folder="identity", suffix=".jpg")
    before = portal_state(settings)

    with pytest.raises(
        CommandError, match=r"the target database is not empty; the target storage holds 3 object\(s\)"
    ):
        call_command("restore", str(small_backup), stdout=io.StringIO())

    assert portal_state(settings) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("storage_kind", ["filesystem"])
def test_force_empties_the_target_first_so_that_exactly_the_backup_remains(small_backup, target, settings):
    with target.database.cursor() as cursor:
        cursor.execute("CREATE TABLE left_over (id integer)")
    target.database.close()
    StorageHandler({"default": target.storage})["default"].save("identity/left-over.jpg", ContentFile(b"old"))

    restored = target.restore(small_backup, "--force")

    assert restored.returncode == 0, restored.stderr
    assert (target.tables(), target.objects()) == portal_state(settings)


def test_backup_into_a_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("an earlier backup?", encoding="utf-8")

    with pytest.raises(CommandError, match="must be a new or empty folder"):
        call_command("backup", str(tmp_path))

    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(tmp_path):
    (tmp_path / "database.sqlite3").write_bytes(b"")
    manifest = {
        "format": backups.FORMAT,
        "version": backups.FORMAT_VERSION,
        "database": {
            "engine": "sqlite",
            "file": "database.sqlite3",
            "sha256": hashlib.sha256().hexdigest(),
            "size": 0,
        },
        "objects": [{"name": "../../etc/passwd", "sha256": "0" * 64, "size": 0}],
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(backups.BackupError, match="unsafe object name"):
        backups.backup_verify(directory=tmp_path)


# --- Keys ----------------------------------------------------------------------------------------------------------
def test_the_manifest_names_keys_by_fingerprint_and_holds_none(settings):
    fingerprints = json.dumps(backups.key_fingerprints())

    for secret in [
        *settings.FIELD_ENCRYPTION_KEYS,
        settings.BLIND_INDEX_KEY,
        settings.OTP_HMAC_KEY,
        settings.SECRET_KEY,
    ]:
        assert secret not in fingerprints
        assert secret[:8] not in fingerprints
    assert backups.key_mismatches(recorded=backups.key_fingerprints()) == []


def test_restore_warns_of_each_key_that_differs_from_the_backup(settings):
    recorded = backups.key_fingerprints()
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        old_key,
    ]  # rotated: the old key still reads

    assert backups.key_mismatches(recorded=recorded) == []

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.BLIND_INDEX_KEY = "another-blind-index-key"
    warnings = backups.key_mismatches(recorded=recorded)

    assert [warning.split(" ", 1)[0] for warning in warnings] == ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
    assert recorded["FIELD_ENCRYPTION_KEYS"][0] in warnings[0]
