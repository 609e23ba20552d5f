import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from config.env import Env
from ruanzhu.accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "RUANZHU_ENVIRONMENT": "production",
    "DJANGO_SECRET_KEY": "x" * 64 + "production-secret-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "ruanzhu.example.com",
    "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZHU=",
    "BLIND_INDEX_KEY": "blind-index-production-key",
    "OTP_HMAC_KEY": "otp-hmac-production-key",
    "PROXY_COUNT": "1",
    "SMS_BACKEND": "ruanzhu.otp.backends.HttpProviderBackend",
    "SMS_HTTP_URL": "https://sms.example.com/send",
    "SMS_HTTP_KEY_ID": "ruanzhu",
    "SMS_HTTP_SECRET": "sms-production-secret",
}


def without(*names: str) -> dict[str, str]:
    return {key: value for key, value in PRODUCTION.items() if key not in names}


def run_manage(*args, env):
    # Nothing of the test run's own configuration leaks in: the subprocess sees exactly ``env``.
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RUANZHU_", "SMS_", "PROXY_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_check_deploy_with_production_variables_reports_nothing():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "OTP_HMAC_KEY"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    result = run_manage("check", env=without(missing))
    assert result.returncode != 0
    assert missing in result.stderr and "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (without("SMS_BACKEND"), "SMS_BACKEND"),
        ({**PRODUCTION, "SMS_BACKEND": "ruanzhu.otp.backends.OutboxBackend"}, "SMS_BACKEND"),
        ({**PRODUCTION, "SMS_BACKEND": ""}, "SMS_BACKEND"),
        (without("SMS_HTTP_URL"), "SMS_HTTP_URL"),
        (without("SMS_HTTP_SECRET"), "SMS_HTTP_SECRET"),
        (without("PROXY_COUNT"), "PROXY_COUNT"),
    ],
    ids=[
        "no-sms-backend",
        "sms-outbox",
        "sms-backend-empty",
        "no-sms-url",
        "no-sms-secret",
        "no-proxy-count",
    ],
)
def test_production_refuses_to_start_with_a_development_default(env, named):
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert named in result.stderr and "ImproperlyConfigured" in result.stderr


def test_production_without_a_proxy_says_so_with_zero():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "PROXY_COUNT": "0"}
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_runs_without_sms_backend_or_proxy_count(tmp_path):
    result = run_manage(
        "check", env={"RUANZHU_ENVIRONMENT": "development", "RUANZHU_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_data_refuses_in_production_and_touches_nothing(tmp_path):
    database = tmp_path / "ruanzhu.sqlite3"
    result = run_manage("demo_data", env={**PRODUCTION, "SQLITE_PATH": str(database)})
    assert result.returncode != 0
    assert "demo_data is refused in production" in result.stderr
    assert "password for all" not in result.stdout
    assert not database.exists()


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert Env({"X_FILE": str(secret)}).secret("X", dev_default="") == "from-a-file"


@pytest.mark.parametrize(("method", "value"), [("bool", "maybe"), ("int", "ten"), ("float", "fast")])
def test_wrong_value_names_the_variable(method, value):
    with pytest.raises(ImproperlyConfigured, match="SOME_SETTING"):
        getattr(Env({"SOME_SETTING": value}), method)("SOME_SETTING", 0)


def test_demo_data_creates_no_account_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused in production"):
        call_command("demo_data")
    assert not User.objects.exists()
