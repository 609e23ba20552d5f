"""No row that a login attempt writes holds a phone number, an email address, a username or an address in clear."""

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

LOGIN = reverse("accounts:login")
STAFF_LOGIN = reverse("accounts:staff_login")
ADDRESS = "198.51.100.7"
# What was typed or belongs to the people typed for, each in the form that would leak it.
NEEDLES = [
    "13800000003",
    "13700000000",
    "１３８",
    "dorothea",
    "example.com",
    "nobody@example.org",
    "zacharias",
    "reviewer",
    ADDRESS,
]


def snapshot() -> dict[str, set[tuple]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            tables[table] = {tuple(row) for row in cursor.fetchall()}
    return tables


def as_text(table: str, row: tuple) -> str:
    parts = []
    for value in row:
        if isinstance(value, memoryview | bytes):
            value = bytes(value).decode("latin-1")
        parts.append(str(value))
    if table == "django_session":
        # Session data is only encoded, not encrypted: read what it says.
        parts.append(str(SessionStore().decode(row[1])))
    return " ".join(parts).lower()


def test_login_attempts_write_no_personal_data_in_clear(
    db, password, reviewer, django_capture_on_commit_callbacks
):
    owner = UserFactory(username="dorothea", phone="13800000003", email="dorothea@example.com")
    before = snapshot()
    identifiers = [
        "13800000003",
        "+86 138-0000-0003",
        "１３８００００００３",
        "dorothea",
        "Dorothea@Example.com",
        "13700000000",
        "nobody@example.org",
        "zacharias",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            LOGIN, {"identifier": "dorothea", "password": password, "tab": "individual"}, REMOTE_ADDR=ADDRESS
        )
        assert response.status_code == 302
        for identifier in identifiers * 2:  # enough for every key to wait, and the owner to be told
            Client().post(
                LOGIN,
                {"identifier": identifier, "password": "Wrong-Password-2026", "tab": "individual"},
                REMOTE_ADDR=ADDRESS,
            )
        for _ in range(6):
            Client().post(
                STAFF_LOGIN,
                {"identifier": "reviewer", "password": password, "otp_token": "000000"},
                REMOTE_ADDR=ADDRESS,
            )
    after = snapshot()
    written = {table: after[table] - before.get(table, set()) for table in after}
    # The account's own row holds its username and email by design; the login only stamped it.
    written.pop("accounts_user")
    leaks = {
        (table, needle)
        for table, rows in written.items()
        for row in rows
        for needle in NEEDLES
        if needle.lower() in as_text(table, row)
    }
    assert leaks == set()
    # And the attempts did write: their counts, the owner's notice (in-site and SMS), a session.
    assert {"accounts_loginthrottle", "notifications_notification", "otp_smsmessage", "django_session"} <= {
        table for table, rows in written.items() if rows
    }
    assert owner.pk
