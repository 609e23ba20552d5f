from django.db import migrations

# The starting list of reasons an identity reviewer can give; staff edit it in the admin.
REASONS = [
    ("photo_unclear", "照片不清晰", "证件照片不清晰、反光或被遮挡，请上传清晰、平铺、无反光、无遮边的证件照片。"),
    ("document_invalid", "证件无效", "证件已过有效期或不是有效的身份证件，请使用有效证件重新认证。"),
    ("data_mismatch", "信息不一致", "填写的姓名、证件号码或有效期与证件不一致，请核对后修改。"),
    ("face_mismatch", "人像不符", "手持证件照片中的人像与证件照不一致，或无法看清人脸，请本人手持证件重新拍摄。"),
    ("handheld_missing", "手持照不合要求", "手持证件照片须为本人手持证件的照片，且证件信息清晰可见。"),
    ("licence_unclear", "营业执照不合要求", "营业执照（登记证书）照片不清晰或与填写的机构信息不一致。"),
    ("letter_template", "授权书不合要求", "授权书须使用本系统模板，并由法定代表人签字、加盖单位公章。"),
    ("other", "其他", "材料不符合要求，请根据审核意见修改后再提交。"),
]


def add_reasons(apps, schema_editor):
    ReasonCode = apps.get_model("core", "ReasonCode")
    for position, (code, label, text) in enumerate(REASONS):
        ReasonCode.objects.update_or_create(
            queue="identity", code=code, defaults={"label": label, "applicant_text": text, "position": position}
        )


def remove_reasons(apps, schema_editor):
    ReasonCode = apps.get_model("core", "ReasonCode")
    ReasonCode.objects.filter(queue="identity", code__in=[code for code, _, _ in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        ("core", "0003_reason_code"),
    ]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
