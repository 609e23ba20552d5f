import ruanzhu.filings.definitions.registry
from django.db import migrations, models


class Migration(migrations.Migration):
    """The services a filing may be for come from the registry of service definitions, not a fixed list."""

    dependencies = [("filings", "0003_move_mandate_and_agent_block_out_of_details")]

    operations = [
        migrations.AlterField(
            model_name="filing",
            name="service",
            field=models.CharField(
                choices=ruanzhu.filings.definitions.registry.service_choices, max_length=3, verbose_name="业务"
            ),
        ),
    ]
