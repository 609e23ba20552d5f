from django.db import migrations

# The grounds of 不予登记 (SPEC §10), once the examination model's RefusalGround; staff edit the texts in the admin.
REASONS = [
    ("not_corrected", "申请表未在规定期限内补正", "申请表未在规定期限内补正。"),
    ("not_program", "提交的鉴别材料不是程序或文档", "提交的鉴别材料不是程序或文档。"),
    (
        "inconsistent",
        "申请文件中的名称、著作权人不一致且未提供证明",
        "申请文件中的名称、著作权人不一致，且未提供证明文件。",
    ),
    ("dispute", "存在权属争议", "该软件存在权属争议。"),
]


def add_reasons(apps, schema_editor):
    ReasonCode = apps.get_model("core", "ReasonCode")
    for position, (code, label, text) in enumerate(REASONS):
        ReasonCode.objects.update_or_create(
            queue="examination",
            code=code,
            defaults={"label": label, "applicant_text": text, "position": position},
        )


def remove_reasons(apps, schema_editor):
    ReasonCode = apps.get_model("core", "ReasonCode")
    ReasonCode.objects.filter(queue="examination", code__in=[code for code, _, _ in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("examination", "0001_initial"),
        ("core", "0003_reason_code"),
    ]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
