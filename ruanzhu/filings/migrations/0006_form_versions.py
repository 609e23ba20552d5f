import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

ISSUED = (
    "form_issued",
    "submitted",
    "not_accepted",
    "accepted",
    "examining",
    "correction",
    "registered",
    "refused",
)


def _current_content(filing, FilingParty, FilingDocument) -> dict:
    """Return the content of the filing as it stands: what its current version froze (ID numbers left out)."""
    return {
        "details": filing.details,
        "agent_block": filing.agent_block,
        "parties": [
            {
                "role": party.role,
                "name": party.name,
                "category": party.category,
                "id_type": party.id_type,
                "nationality": party.nationality,
                "province": party.province,
                "city": party.city,
            }
            for party in FilingParty.objects.filter(filing=filing).order_by("position", "id")
        ],
        "documents": {
            document.kind: {"sha256": document.sha256, "name": document.original_name}
            for document in FilingDocument.objects.filter(filing=filing).exclude(kind="signature_page")
        },
    }


def versions_from_fingerprints(apps, schema_editor):
    """Make one version per fingerprint a filing was confirmed or frozen under, the current one last.

    Confirmations move to the version of their fingerprint; those of the current fingerprint to the current
    version. Earlier fingerprints keep no content: it was not kept before.
    """
    Filing = apps.get_model("filings", "Filing")
    FormVersion = apps.get_model("filings", "FormVersion")
    Confirmation = apps.get_model("filings", "Confirmation")
    FilingParty = apps.get_model("filings", "FilingParty")
    FilingDocument = apps.get_model("filings", "FilingDocument")
    filings = Filing.objects.exclude(fingerprint="") | Filing.objects.filter(confirmations__isnull=False)
    for filing in filings.distinct().iterator():
        confirmations = list(Confirmation.objects.filter(filing=filing).order_by("confirmed_at", "id"))
        order = []
        for confirmation in confirmations:
            if confirmation.fingerprint not in order:
                order.append(confirmation.fingerprint)
        if filing.fingerprint:
            if filing.fingerprint in order:
                order.remove(filing.fingerprint)
            order.append(filing.fingerprint)
        versions = {}
        for number, fingerprint in enumerate(order, start=1):
            current = fingerprint == filing.fingerprint
            given = [item for item in confirmations if item.fingerprint == fingerprint]
            issued_at = given[0].confirmed_at if given else (filing.form_issued_at or filing.updated_at)
            versions[fingerprint] = FormVersion.objects.create(
                filing=filing,
                number=number,
                fingerprint=fingerprint,
                content=_current_content(filing, FilingParty, FilingDocument) if current else {},
                issued_at=issued_at,
                confirmed_at=(filing.form_issued_at or (given[-1].confirmed_at if given else issued_at))
                if current and filing.status in ISSUED
                else None,
            )
        for confirmation in confirmations:
            Confirmation.objects.filter(pk=confirmation.pk).update(version=versions[confirmation.fingerprint])
        Filing.objects.filter(pk=filing.pk).update(form_version=len(order))


def constraints_now(apps, schema_editor):
    # PostgreSQL defers foreign key checks to the commit, and will not alter a table with checks pending.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    """Form versions: every change of content after the form was frozen is a new version, confirmed anew."""

    dependencies = [
        ("filings", "0005_party_identity_and_invitation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="filing",
            name="form_version",
            field=models.PositiveIntegerField(default=0, verbose_name="表单版本"),
        ),
        migrations.CreateModel(
            name="FormVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(verbose_name="版本")),
                (
                    "reason",
                    models.CharField(
                        choices=[("issue", "出申请表"), ("correction", "补正")],
                        default="issue",
                        max_length=12,
                        verbose_name="原因",
                    ),
                ),
                ("fingerprint", models.CharField(max_length=64, verbose_name="表单指纹")),
                ("content", models.JSONField(blank=True, default=dict, verbose_name="内容")),
                (
                    "issued_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="生成时间"),
                ),
                ("confirmed_at", models.DateTimeField(blank=True, null=True, verbose_name="全部确认时间")),
                ("signature_page_sha256", models.CharField(blank=True, max_length=64)),
                ("signed_at", models.DateTimeField(blank=True, null=True, verbose_name="签章页上传时间")),
                (
                    "filing",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="form_versions",
                        to="filings.filing",
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
            ],
            options={
                "verbose_name": "申请表版本",
                "verbose_name_plural": "申请表版本",
                "ordering": ["filing", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("filing", "number"), name="form_version_unique")
                ],
            },
        ),
        migrations.AddField(
            model_name="confirmation",
            name="version",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="confirmations",
                to="filings.formversion",
            ),
        ),
        migrations.RemoveConstraint(model_name="confirmation", name="confirmation_once_per_version"),
        migrations.RunPython(versions_from_fingerprints, migrations.RunPython.noop),
        migrations.RunPython(constraints_now, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="confirmation",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="confirmations",
                to="filings.formversion",
            ),
        ),
        migrations.AddConstraint(
            model_name="confirmation",
            constraint=models.UniqueConstraint(
                fields=("party", "version"), name="confirmation_once_per_version"
            ),
        ),
    ]
