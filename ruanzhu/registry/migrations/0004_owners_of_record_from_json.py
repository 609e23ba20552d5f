from django.db import migrations


def owners_to_rows(apps, schema_editor):
    """Make a row for every owner name of every record.

    A record registered here (source ``filing:<pk>``) takes who each owner is from that filing's owners, by
    name: their blind index, account and kind. Other records (imported) keep names only.
    """
    Registration = apps.get_model("registry", "Registration")
    RegistrationOwner = apps.get_model("registry", "RegistrationOwner")
    FilingParty = apps.get_model("filings", "FilingParty")
    Verification = apps.get_model("identity", "Verification")
    for registration in Registration.objects.only("pk", "owners", "source_reference").iterator():
        parties = {}
        reference = registration.source_reference
        if reference.startswith("filing:") and reference[7:].isdigit():
            for party in FilingParty.objects.filter(filing_id=int(reference[7:]), role="owner"):
                parties.setdefault(party.name, party)
        rows = []
        for position, name in enumerate(registration.owners, start=1):
            party = parties.get(name)
            kind = ""
            if party is not None:
                verification = (
                    Verification.objects.filter(account_id=party.account_id, status="approved")
                    .order_by("-id")
                    .only("kind")
                    .first()
                )
                kind = verification.kind if verification else ""
            rows.append(
                RegistrationOwner(
                    registration_id=registration.pk,
                    position=position,
                    name=name,
                    kind=kind,
                    country=party.nationality if party else "",
                    identity_index=party.identity_index if party else "",
                    account_id=party.account_id if party else None,
                )
            )
        RegistrationOwner.objects.bulk_create(rows)


def rows_to_nothing(apps, schema_editor):
    apps.get_model("registry", "RegistrationOwner").objects.all().delete()


class Migration(migrations.Migration):
    """Today's owners (a list of names) become owners of record with who they are."""

    dependencies = [
        ("registry", "0003_owners_of_record"),
        ("filings", "0005_party_identity_and_invitation"),
        ("identity", "0002_identity_reason_codes"),
    ]

    operations = [migrations.RunPython(owners_to_rows, rows_to_nothing)]
