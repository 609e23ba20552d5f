"""The data migration that makes today's owner names into owners of record with who they are."""

import importlib

from django.apps import apps

from ruanzhu.registry.models import RegistrationOwner
from tests.factories import FilingFactory, RegistrationFactory, registration_of

migration = importlib.import_module("ruanzhu.registry.migrations.0004_owners_of_record_from_json")


def test_owners_of_a_record_registered_here_take_their_identity_from_its_filing(
    verified_alice, verified_bob, deposits, examiner, private_storage, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    registration = registration_of(
        FilingFactory(registered=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits)
    )
    expected = [
        (row.name, row.identity_index, row.account_id, row.kind)
        for row in registration.owners_of_record.all()
    ]
    RegistrationOwner.objects.all().delete()  # as before the migration: names only

    migration.owners_to_rows(apps, None)

    rows = [
        (row.name, row.identity_index, row.account_id, row.kind)
        for row in registration.owners_of_record.all()
    ]
    assert rows == expected
    assert [row[0] for row in rows] == ["李爱丽", "鲍勃"] and all(row[1] for row in rows)


def test_owners_of_an_imported_record_keep_their_names_only(db):
    registration = RegistrationFactory(owners=["王五", "示例科技有限公司"])
    RegistrationOwner.objects.all().delete()

    migration.owners_to_rows(apps, None)

    rows = list(registration.owners_of_record.values_list("position", "name", "identity_index", "account_id"))
    assert rows == [(1, "王五", "", None), (2, "示例科技有限公司", "", None)]
    migration.rows_to_nothing(apps, None)
    assert not RegistrationOwner.objects.exists()
