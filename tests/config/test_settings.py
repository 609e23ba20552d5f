import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "RUANZHU_ENVIRONMENT": "production",
    "DJANGO_SECRET_KEY": "x" * 64 + "production-secret-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "ruanzhu.example.com",
    "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZHU=",
    "BLIND_INDEX_KEY": "blind-index-production-key",
    "OTP_HMAC_KEY": "otp-hmac-production-key",
}


def run_manage(*args, env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "RUANZHU_"))}
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
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr and "ImproperlyConfigured" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert Env({"X_FILE": str(secret)}).secret("X", dev_default="") == "from-a-file"


@pytest.mark.parametrize(("method", "value"), [("bool", "maybe"), ("int", "ten"), ("float", "fast")])
def test_wrong_value_names_the_variable(method, value):
    with pytest.raises(ImproperlyConfigured, match="SOME_SETTING"):
        getattr(Env({"SOME_SETTING": value}), method)("SOME_SETTING", 0)
