from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_remove_user_login_lock'),
    ]

    operations = [
        migrations.CreateModel(
            name='LoginThrottle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(editable=False, max_length=64, unique=True)),
                ('scope', models.CharField(choices=[('account', '账户'), ('identifier', '登录名'), ('address', 'IP地址'), ('device', '登录过的浏览器')], editable=False, max_length=16, verbose_name='范围')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='尝试次数')),
                ('window_started_at', models.DateTimeField(verbose_name='计数开始时间')),
                ('blocked_until', models.DateTimeField(blank=True, null=True, verbose_name='等待至')),
                ('notified_at', models.DateTimeField(blank=True, null=True, verbose_name='通知时间')),
            ],
            options={
                'verbose_name': '登录限速',
                'verbose_name_plural': '登录限速',
                'indexes': [models.Index(fields=['window_started_at'], name='accounts_throttle_window_idx')],
            },
        ),
    ]
