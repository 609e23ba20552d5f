import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("filings", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="filing",
            name="mandate",
            field=models.ForeignKey(
                blank=True,
                help_text="代理机构据以办理本申请的委托；申请人自行办理时为空。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="filings",
                to="agents.mandate",
                verbose_name="委托",
            ),
        ),
        migrations.AddField(
            model_name="filing",
            name="agent_block",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="出申请表时从委托和代理机构信息复制，打印在申请表上。",
                verbose_name="代理机构栏",
            ),
        ),
    ]
