"""The migration that moves PostgreSQL's registry search from the token table to the GIN index of grams."""

import datetime

import pytest
from django.db import connection

from ruanzhu.registry.selectors import SearchField, registration_search
from ruanzhu.registry.tokens import texts_tokens
from tests.migrating import migrate

BEFORE = [("registry", "0004_owners_of_record_from_json")]
AFTER = [("registry", "0005_search_grams_on_postgresql")]


def _tokens(apps) -> set[tuple[str, str]]:
    RegistrationSearchToken = apps.get_model("registry", "RegistrationSearchToken")
    return set(RegistrationSearchToken.objects.values_list("scope", "token"))


@pytest.mark.django_db(transaction=True)
def test_records_are_found_before_after_and_back_and_postgresql_gives_up_the_tokens(latest_migrations_after):
    old = migrate(BEFORE)
    Registration = old.get_model("registry", "Registration")
    RegistrationSearchToken = old.get_model("registry", "RegistrationSearchToken")
    registration = Registration.objects.create(
        registration_number="2026SR0000001",
        certificate_number="软著登字第1号",
        certificate_sequence=1,
        service="R11",
        software_name="星河调度平台",
        short_name="星河",
        version="V1.0",
        owners=["甲乙科技有限公司"],
        owners_text="甲乙科技有限公司",
        completion_date=datetime.date(2026, 1, 1),
        registered_on=datetime.date(2026, 2, 1),
        search_name="星河调度平台\n星河",
        search_owners="甲乙科技有限公司",
    )
    tokens = {("n", token) for token in texts_tokens(["星河调度平台", "星河"])} | {
        ("o", token) for token in texts_tokens(["甲乙科技有限公司"])
    }
    RegistrationSearchToken.objects.bulk_create(
        RegistrationSearchToken(
            scope=scope, token=token, registered_on=registration.registered_on, registration=registration
        )
        for scope, token in tokens
    )

    new = migrate(AFTER)

    assert [r.pk for r in registration_search(query="调度平台").results] == [registration.pk]
    assert [r.pk for r in registration_search(query="乙科技", field=SearchField.OWNER).results] == [
        registration.pk
    ]
    if connection.vendor == "postgresql":
        assert _tokens(new) == set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_registration'")
            indexes = {row[0] for row in cursor.fetchall()}
        assert {"registry_name_grams_idx", "registry_owner_grams_idx", "registry_newest_idx"} <= indexes
    else:
        assert _tokens(new) == tokens

    back = migrate(BEFORE)

    # Going back gives the token table its rows again, as the records' texts make them.
    assert _tokens(back) == tokens
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'registry_search_grams'")
            assert cursor.fetchone() == (0,)
