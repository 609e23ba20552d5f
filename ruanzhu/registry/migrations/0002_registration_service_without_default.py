from django.db import migrations, models


class Migration(migrations.Migration):
    """A record names the service that created it; the registry no longer assumes one."""

    dependencies = [("registry", "0001_registry_search_and_numbers")]

    operations = [
        migrations.AlterField(
            model_name="registration",
            name="service",
            field=models.CharField(max_length=10, verbose_name="业务"),
        ),
    ]
