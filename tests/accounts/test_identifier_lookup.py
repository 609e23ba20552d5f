"""Finding an account by username or email, whatever the case, through the case-insensitive unique indexes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruanzhu.accounts import services
from ruanzhu.accounts.selectors import user_find_by_identifier, users_matching_ignoring_case


@pytest.mark.parametrize(
    "identifier", ["alice", "ALICE", " Alice ", "alice@example.com", "ALICE@Example.COM"]
)
def test_username_and_email_are_found_whatever_the_case(alice, identifier):
    assert user_find_by_identifier(identifier) == alice


def test_another_name_is_not_found(alice):
    assert user_find_by_identifier("alic") is None
    assert user_find_by_identifier("alice@example.org") is None


@pytest.mark.parametrize(("identifier", "column"), [("ALICE", "username"), ("Alice@Example.com", "email")])
def test_lookup_compares_lower_case_as_the_unique_index_does(alice, identifier, column):
    with CaptureQueriesContext(connection) as captured:
        user_find_by_identifier(identifier)
    (query,) = captured.captured_queries
    assert f'LOWER("accounts_user"."{column}")' in query["sql"]
    assert "UPPER(" not in query["sql"] and " LIKE " not in query["sql"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="reads PostgreSQL's query plan for the lower() index; the SQL itself is checked on every database above",
)
@pytest.mark.parametrize(
    ("column", "value", "index"),
    [
        ("username", "ALICE", "accounts_user_username_ci_unique"),
        ("email", "A@x.cn", "accounts_user_email_ci_unique"),
    ],
)
def test_lookup_can_use_the_index_on_postgresql(db, column, value, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a small table would be scanned anyway
        plan = users_matching_ignoring_case(column, value).explain()
    assert index in plan, plan


def test_sign_up_finds_a_taken_username_or_email_in_another_case(alice):
    with CaptureQueriesContext(connection) as captured:
        errors = services._taken_errors(username="ALICE", email="Alice@Example.COM", phone="+8613912345678")
    assert set(errors) == {"username", "email"}
    assert not any("UPPER(" in query["sql"] for query in captured.captured_queries)
