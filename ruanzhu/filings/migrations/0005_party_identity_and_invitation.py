from django.db import migrations, models


def fill_identity_index(apps, schema_editor):
    """Give every party the blind index of its account's verified identity."""
    FilingParty = apps.get_model("filings", "FilingParty")
    VerifiedIdentity = apps.get_model("identity", "VerifiedIdentity")
    indexes = dict(VerifiedIdentity.objects.values_list("account_id", "index"))
    for party in FilingParty.objects.filter(identity_index="").only("pk", "account_id").iterator():
        if party.account_id in indexes:
            FilingParty.objects.filter(pk=party.pk).update(identity_index=indexes[party.account_id])


class Migration(migrations.Migration):
    """Parties carry the blind index of their verified identity, and co-owners join by invitation."""

    dependencies = [
        ("filings", "0004_filing_service_choices_from_definitions"),
        ("identity", "0002_identity_reason_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="filingparty",
            name="identity_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="filingparty",
            name="status",
            field=models.CharField(
                choices=[("accepted", "已加入"), ("invited", "待接受邀请"), ("declined", "已拒绝")],
                default="accepted",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="filingparty",
            name="invited_as",
            field=models.CharField(blank=True, max_length=40, verbose_name="邀请时填写"),
        ),
        migrations.RunPython(fill_identity_index, migrations.RunPython.noop),
    ]
