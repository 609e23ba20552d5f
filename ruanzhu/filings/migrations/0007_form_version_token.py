"""Form versions get the token their QR code carries, and the time their form was rendered.

Forms printed before carry the flow number alone in their QR code; that address no longer shows anything of a
filing, whatever the flow number (see ``views.public.form_verify_without_token``).
"""

import secrets

from django.db import migrations, models

import ruanzhu.filings.models


def tokens_for_existing_versions(apps, schema_editor):
    """Give every version its own token, and the version in force of an issued form its render time."""
    FormVersion = apps.get_model("filings", "FormVersion")
    for version in FormVersion.objects.filter(token__isnull=True).select_related("filing").iterator():
        version.token = secrets.token_urlsafe(18)
        filing = version.filing
        rendered = (
            filing.form_issued_at is not None
            and version.number == filing.form_version
            and version.fingerprint == filing.fingerprint
        )
        version.rendered_at = filing.form_issued_at if rendered else None
        version.save(update_fields=["token", "rendered_at"])


class Migration(migrations.Migration):
    dependencies = [("filings", "0006_form_versions")]

    operations = [
        migrations.AddField(
            model_name="formversion",
            name="rendered_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="出表时间"),
        ),
        # Nullable first: a default would give every existing row the same token.
        migrations.AddField(
            model_name="formversion",
            name="token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(tokens_for_existing_versions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="formversion",
            name="token",
            field=models.CharField(
                default=ruanzhu.filings.models.new_form_token, editable=False, max_length=32, unique=True
            ),
        ),
    ]
