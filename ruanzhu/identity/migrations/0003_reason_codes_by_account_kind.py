from django.db import migrations

# Reasons that can only concern one kind of applicant.
KINDS = {
    "face_mismatch": "individual",
    "handheld_missing": "individual",
    "licence_unclear": "institution",
    "letter_template": "institution",
}


def set_kinds(apps, schema_editor):
    ReasonCode = apps.get_model("core", "ReasonCode")
    for code, kind in KINDS.items():
        ReasonCode.objects.filter(queue="identity", code=code).update(account_kind=kind)


def clear_kinds(apps, schema_editor):
    ReasonCode = apps.get_model("core", "ReasonCode")
    ReasonCode.objects.filter(queue="identity", code__in=list(KINDS)).update(account_kind="")


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_identity_reason_codes"),
        ("core", "0004_reasoncode_account_kind"),
    ]

    operations = [migrations.RunPython(set_kinds, clear_kinds)]
