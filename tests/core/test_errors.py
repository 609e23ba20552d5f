import os
import subprocess
import sys

import pytest

from ruanzhu.agents.services import AgentError
from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.review import ReviewError
from ruanzhu.deposits import DepositError
from ruanzhu.filings.services import FilingError
from ruanzhu.identity.services import VerificationError
from ruanzhu.otp.services import CodeRejected, SendRefused
from ruanzhu.registry.services import RegistryError


@pytest.mark.parametrize(
    "error_class",
    [AgentError, CodeRejected, DepositError, FilingError, RegistryError, ReviewError, VerificationError],
)
def test_refusals_share_the_base_and_carry_their_message(error_class):
    error = error_class("不能这样做。")
    assert isinstance(error, ApplicationError)
    assert error.message == "不能这样做。" == str(error)


def test_a_refused_code_send_also_says_how_long_to_wait():
    refusal = SendRefused("请稍后再试。", retry_after=60)
    assert isinstance(refusal, ApplicationError)
    assert refusal.message == "请稍后再试。" and refusal.retry_after == 60


def test_deposit_errors_import_no_django():
    """The deposit builder runs from the command line: sharing the base must not pull Django in."""
    script = (
        "import sys, ruanzhu.deposits; print(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.strip() == "False"
