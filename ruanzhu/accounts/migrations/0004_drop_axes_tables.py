# Drop the tables django-axes left behind: they hold login identifiers, phone numbers among them, in plain text.
#
# Login throttling no longer uses django-axes (accounts.LoginThrottle keeps blind indexes only). Its tables
# exist only in databases created while it did: they are dropped if present, and axes' own migration records
# go with them, so that installing axes again would start from a clean slate. Nothing comes back on reversal.

from django.db import migrations

# Children before parents: the expiration rows point at the attempts.
AXES_TABLES = ("axes_accessattemptexpiration", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog")


def drop_axes_tables(apps, schema_editor):
    existing = set(schema_editor.connection.introspection.table_names())
    for table in AXES_TABLES:
        if table in existing:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["axes"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_loginthrottle'),
    ]

    operations = [
        migrations.RunPython(drop_axes_tables, migrations.RunPython.noop, elidable=True),
    ]
