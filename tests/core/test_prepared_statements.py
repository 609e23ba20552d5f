"""Prepared statements on PostgreSQL: a query that a connection runs again is parsed and planned only once."""

import json

import pytest
from django.db import connection

from ruanzhu.accounts.models import User
from tests.config.test_settings import run_manage
from tests.factories import UserFactory

OPTIONS = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"


def database_options(tmp_path, **env) -> dict:
    result = run_manage("shell", "-c", OPTIONS, env={"RUANZHU_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])  # after the shell's own line


def test_postgresql_connections_prepare_statements_unless_turned_off(tmp_path):
    url = "postgres://ruanzhu@db.internal:5432/ruanzhu"

    assert database_options(tmp_path, DATABASE_URL=url) == {
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
    # Behind a pooler in transaction mode that does not keep prepared statements.
    assert database_options(tmp_path, DATABASE_URL=url, DB_PREPARED_STATEMENTS="0") == {}
    # SQLite has neither.
    assert "server_side_binding" not in database_options(tmp_path)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_query_run_again_is_prepared_and_gives_the_same_rows(db):
    alice = UserFactory(username="alice-prepared")
    # A query of its own, so that no earlier test on this connection has prepared it already.
    query = User.objects.filter(username__in=["alice-prepared", "nobody-prepared"]).values_list(
        "pk", flat=True
    )

    answers = [list(query.all()) for _ in range(4)]  # .all(): each a new run, not the cached rows

    assert answers == [[alice.pk]] * 4
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
            ["%accounts_user%", "%username%IN%"],
        )
        assert cursor.fetchone()[0] == 1
