"""The webhook settings: production refuses the switches that only tests and development may turn on."""

import pytest

from tests.config.test_settings import PRODUCTION, run_manage


@pytest.mark.parametrize("switch", ["WEBHOOK_ALLOW_HTTP", "WEBHOOK_ALLOW_PRIVATE_HOSTS"])
def test_production_refuses_to_deliver_to_http_or_private_addresses(switch):
    result = run_manage("check", env={**PRODUCTION, switch: "1"})
    assert result.returncode != 0
    assert switch in result.stderr and "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("WEBHOOK_RETRY_DELAYS", "60,soon"), ("WEBHOOK_RETRY_DELAYS", "0"), ("WEBHOOK_TIMEOUT_SECONDS", "0")],
)
def test_a_wrong_value_names_the_variable(name, value, tmp_path):
    result = run_manage("check", env={"RUANZHU_DATA_DIR": str(tmp_path), name: value})
    assert result.returncode != 0
    assert name in result.stderr and "ImproperlyConfigured" in result.stderr
