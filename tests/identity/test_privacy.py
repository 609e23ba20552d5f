from django.apps import apps
from django.db import connection

from tests.identity.conftest import ALICE_ID

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG"


def test_no_plaintext_id_number_or_image_in_the_database_or_the_stored_files(submitted, storage_dir):
    """Scan every row of every table and every stored file: the ID number and photos exist only encrypted."""
    phone_digits = "13912345678"
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from the models
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if isinstance(value, bytes):
                        assert ALICE_ID.encode() not in value and JPEG_MAGIC not in value, table
                    elif isinstance(value, str):
                        assert ALICE_ID not in value, table
                        assert phone_digits not in value, table
    files = [path for path in storage_dir.rglob("*") if path.is_file()]
    assert files, "the uploads were stored"
    for path in files:
        content = path.read_bytes()
        assert not content.startswith(JPEG_MAGIC) and not content.startswith(PNG_MAGIC)
        assert ALICE_ID.encode() not in content


def test_pages_show_the_id_number_masked(client, submitted, applicant, reviewer_client):
    page = reviewer_client.get(f"/staff/identity/{submitted.pk}/").content.decode()
    assert ALICE_ID not in page
    assert "110***********0017" in page


def test_logs_never_contain_the_id_number(
    client, applicant, photos, caplog, django_capture_on_commit_callbacks
):
    import logging

    from tests.identity.conftest import fill_individual

    caplog.set_level(logging.DEBUG)
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        fill_individual(client, photos)
        client.post("/identity/step/3/", {"consent_id_data": "on", "consent_face": "on"})
    assert ALICE_ID not in caplog.text
