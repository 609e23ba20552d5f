"""The personal-data scanner finds what is planted in a dump, a file, a log record, an e-mail and the cache, and
says where; it stays quiet on masked numbers, hashes and ciphertexts."""

import base64
import io
import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import connection
from PIL import Image

from ruanzhu.core.crypto import blind_index, encrypt_bytes, encrypt_text
from ruanzhu.core.files import store_private_file
from ruanzhu.notifications.models import Notification
from tests.factories import UserFactory
from tests.security.pii import Allowed, PiiScanner, database_dump

PHONE = "15867213490"
ID_NUMBER = "44030519921203604X"
# Valid numbers the scanner is not told about: found by their shape (and, for the ID number, its check digit).
OTHER_PHONE = "13912345678"
OTHER_ID_NUMBER = "110105199003070017"


@pytest.fixture
def scanner():
    return PiiScanner(phones=["+86" + PHONE], id_numbers=[ID_NUMBER])


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    canvas.Canvas(buffer).save()
    return buffer.getvalue()


def kinds(hits) -> list[str]:
    return [hit.what for hit in hits]


# --- Texts ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spelling",
    [PHONE, "+86" + PHONE, "158 6721 3490", "158-6721-3490", "+86 158 6721 3490", "tel:8615867213490"],
)
def test_known_phone_is_found_in_any_spelling(scanner, spelling):
    hits = scanner.in_text(f"contact: {spelling}.", "note")
    assert kinds(hits) == [f"known phone number {PHONE}"]
    assert hits[0].where == "note"


@pytest.mark.parametrize(
    "spelling", [ID_NUMBER, ID_NUMBER.lower(), "440305 19921203 604X", "440305-19921203-604x"]
)
def test_known_id_number_is_found_in_any_spelling(scanner, spelling):
    assert kinds(scanner.in_text(f'{{"id": "{spelling}"}}', "note")) == [f"known ID number {ID_NUMBER}"]


def test_any_mobile_number_and_any_valid_resident_id_number_are_found(scanner):
    hits = scanner.in_text(f"{OTHER_PHONE} / +86 139 1234 5678 / {OTHER_ID_NUMBER}", "note")
    assert kinds(hits) == ["mobile number", "mobile number", "resident ID number"]


def test_masked_numbers_and_a_wrong_check_digit_are_not_hits(scanner):
    text = "158****3490 440***********604X 139****5678 110105199003070018 12345678901"
    assert scanner.in_text(text, "note") == []


def test_digits_inside_hashes_tokens_and_ciphertexts_are_not_hits(scanner):
    text = " ".join(
        [
            "a13912345678b",
            f"{OTHER_ID_NUMBER}ff00",
            blind_index(PHONE, purpose="account-phone"),
            encrypt_text(PHONE),
            "R1120260301000017",
        ]
    )
    assert scanner.in_text(text, "note") == []


def test_numbers_in_base64_are_found(scanner):
    for prefix in ("", "x", "xy"):  # the three positions base64 can put the number at
        encoded = base64.b64encode(f'{prefix}{{"phone": "{PHONE}"}}'.encode()).decode()
        assert f"known phone number {PHONE}, base64-encoded" in kinds(scanner.in_text(encoded, "note"))


def test_numbers_in_signed_and_compressed_values_are_found(scanner):
    signed = signing.dumps({"phone": "+86" + PHONE, "padding": "x" * 300}, compress=True)
    assert signed.startswith(".")  # compressed: no trace of the number in the text itself
    hits = scanner.in_text(f"'{signed}'", "django_session.session_data (row 1)")
    assert [(hit.where, hit.what) for hit in hits] == [
        ("django_session.session_data (row 1) (signed value, decoded)", f"known phone number {PHONE}")
    ]


def test_allowed_match_is_not_reported():
    scanner = PiiScanner(
        allowed=[Allowed("agents_agentprofile.phone *", OTHER_PHONE, "the agent's office line")]
    )
    assert scanner.in_text(OTHER_PHONE, "agents_agentprofile.phone (row 1)") == []
    assert kinds(scanner.in_text(OTHER_PHONE, "accounts_user.phone (row 1)")) == ["mobile number"]


# --- Files ------------------------------------------------------------------------------------------------------
def test_jpeg_png_and_pdf_content_are_found_raw_hex_and_base64(scanner):
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    assert kinds(scanner.in_bytes(jpeg(), "a")) == ["JPEG content"]
    assert kinds(scanner.in_bytes(png.getvalue(), "b")) == ["PNG content"]
    assert kinds(scanner.in_bytes(b"header " + pdf(), "c")) == ["PDF content"]
    assert kinds(scanner.in_text("\\x" + jpeg().hex(), "d")) == ["file content, hex-encoded"]
    assert kinds(scanner.in_text("X'" + pdf().hex().upper() + "'", "e")) == ["file content, hex-encoded"]
    assert kinds(scanner.in_text('"' + base64.b64encode(jpeg()).decode() + '"', "f")) == [
        "file content, base64-encoded"
    ]


def test_encrypted_files_are_clean(scanner):
    for content in (jpeg(), pdf(), f"{PHONE} {ID_NUMBER}".encode()):
        assert scanner.in_bytes(encrypt_bytes(content), "file") == []


def test_storage_scan_names_the_file_in_clear(scanner, private_storage):
    store_private_file(content=jpeg(), folder="identity", suffix=".jpg")
    store_private_file(content=pdf(), folder="filings/forms", suffix=".pdf")
    default_storage.save("identity/leaked.jpg", ContentFile(jpeg()))
    default_storage.save("filings/forms/leaked.txt", ContentFile(f"ID {ID_NUMBER}".encode()))
    hits = scanner.in_storage(default_storage)
    assert sorted((hit.where, hit.what) for hit in hits) == [
        ("file filings/forms/leaked.txt", f"known ID number {ID_NUMBER}"),
        ("file identity/leaked.jpg", "JPEG content"),
    ]


# --- Logs, e-mail, cache ----------------------------------------------------------------------------------------
def test_log_records_are_scanned(scanner, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("ruanzhu.example").debug("code sent to %s", "+86" + PHONE)
    logging.getLogger("ruanzhu.example").info("code sent to %s", "158****3490")
    try:
        raise ValueError(f"bad number {ID_NUMBER}")
    except ValueError:
        logging.getLogger("ruanzhu.example").exception("failed")
    hits = scanner.in_log_records(caplog.records)
    assert [hit.what for hit in hits] == [f"known phone number {PHONE}", f"known ID number {ID_NUMBER}"]
    assert hits[0].where.startswith("log record ruanzhu.example DEBUG at ")


def test_emails_are_scanned(scanner, mailoutbox):
    send_mail("通知", "您的手机号 158****3490 已验证。", None, ["a@example.com"])
    message = EmailMultiAlternatives("通知", "", None, ["b@example.com"])
    message.attach_alternative(f"<p>{PHONE}</p>", "text/html")
    message.attach("id.jpg", jpeg(), "image/jpeg")
    message.send()
    assert [(hit.where, hit.what) for hit in scanner.in_emails(mailoutbox)] == [
        ("e-mail 2 to b@example.com (通知)", f"known phone number {PHONE}"),
        ("e-mail 2 to b@example.com (通知)", "JPEG content"),
    ]


@pytest.mark.redis
def test_redis_keys_and_values_are_scanned(scanner):
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("the cache is not Redis (REDIS_URL is not set)")
    cache.set("pii-planted", {"phone": "+86" + PHONE})
    cache.set(f"otp:{ID_NUMBER}", 1)
    hits = scanner.in_redis(cache._cache.get_client(write=False))
    assert sorted(hit.what for hit in hits) == [f"known ID number {ID_NUMBER}", f"known phone number {PHONE}"]


# --- Dumps ------------------------------------------------------------------------------------------------------
POSTGRES_DUMP = (
    "-- PostgreSQL database dump\n"
    "COPY public.notifications_notification (id, title, body, link) FROM stdin;\n"
    f"1\t通知\t请联系 {PHONE}\\t谢谢\t\\N\n"
    "2\t通知\t已隐去 158****3490\t\n"
    "\\.\n"
    'COPY public."weird table" (id, "data") FROM stdin;\n'
    f"1\t\\\\x{jpeg().hex()}\n"
    "\\.\n"
    f"-- a comment with {OTHER_ID_NUMBER}\n"
)


def test_postgres_dump_hits_name_table_column_and_row(scanner):
    hits = scanner.in_dump(POSTGRES_DUMP)
    assert [(hit.where, hit.what) for hit in hits] == [
        ("notifications_notification.body (row 1)", f"known phone number {PHONE}"),
        ("weird table.data (row 1)", "JPEG content"),
        ("dump line 9", "resident ID number"),
    ]


SQLITE_DUMP = "\n".join(
    [
        "BEGIN TRANSACTION;",
        'CREATE TABLE "filings_filingparty" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"name" varchar(100) NOT NULL, "id_number" text NOT NULL, "photo" blob NULL, '
        'CONSTRAINT "x" UNIQUE ("id", "name"));',
        f"INSERT INTO \"filings_filingparty\" VALUES(1,'O''Brien, Jr.','{ID_NUMBER.lower()}',NULL);",
        'INSERT INTO "filings_filingparty" VALUES(2,\'a\nINSERT INTO "x" VALUES(\','
        f"'{encrypt_text(ID_NUMBER)}',X'{pdf().hex().upper()}');",
        f"INSERT INTO \"sqlite_sequence\" VALUES('filings_filingparty',{OTHER_PHONE});",
        "COMMIT;",
    ]
)


def test_sqlite_dump_hits_name_table_column_and_row(scanner):
    hits = scanner.in_dump(SQLITE_DUMP)
    assert [(hit.where, hit.what) for hit in hits] == [
        ("filings_filingparty.id_number (row 1)", f"known ID number {ID_NUMBER}"),
        ("filings_filingparty.photo (row 2)", "PDF content"),
        ("sqlite_sequence.column 2 (row 1)", "mobile number"),
    ]


@pytest.mark.django_db(transaction=True)
def test_dump_of_the_test_database_finds_what_was_planted_and_not_what_is_encrypted(scanner):
    UserFactory(username="planted", phone=PHONE)
    Notification.objects.create(recipient=UserFactory(), title="通知", body=f"证件号 {ID_NUMBER}")
    session = SessionStore()
    session["phone"] = "+86" + PHONE
    session.save()
    hits = scanner.in_dump(database_dump(connection))
    assert {(hit.where.split(" (row")[0], hit.what) for hit in hits} == {
        # The session is signed, not compressed: the number is seen in its base64 and in the decoded value.
        ("django_session.session_data", f"known phone number {PHONE}, base64-encoded"),
        ("django_session.session_data", f"known phone number {PHONE}"),
        ("notifications_notification.body", f"known ID number {ID_NUMBER}"),
    }
