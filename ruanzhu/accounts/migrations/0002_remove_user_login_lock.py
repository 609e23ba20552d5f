# An account is no longer locked after failed logins: the login throttle (accounts.LoginThrottle) makes further
# attempts wait instead, so the failure streak and the lock time of the account go.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='user',
            name='failed_login_streak',
        ),
        migrations.RemoveField(
            model_name='user',
            name='locked_at',
        ),
    ]
