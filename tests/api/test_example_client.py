"""docs/examples/agent_client.py, run for real against a live server: an agent files drafts for its client.

The client is run three times, as its user would run it: the first run creates the drafts, uploads the deposits,
issues what forms it can and stops waiting at its (short) timeout; the owner then confirms in its own account, and
the runs with --resume pick the drafts up from the state file until every form is confirmed and submitted.
"""

import csv
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db.models import F

from ruanzhu.api.models import IdempotencyKey
from ruanzhu.api.services import token_create
from ruanzhu.core.phones import phone_index
from ruanzhu.filings.models import Filing, FilingDocument
from ruanzhu.filings.services.issue import form_confirm_in_account
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import SmsMessage
from tests.api.conftest import signed_page
from tests.factories import (
    NAME,
    STEP_DATA,
    VERSION,
    AgentProfileFactory,
    MandateFactory,
    VerificationFactory,
    deposit_pdfs,
)

CLIENT = Path(django_settings.BASE_DIR) / "docs" / "examples" / "agent_client.py"
SAMPLE = CLIENT.parent / "drafts.csv"


@pytest.fixture
def live_settings(settings, tmp_path):
    """Settings for the live server too: private files in a temporary folder, two codes a minute per phone."""
    settings.DATA_DIR = tmp_path
    settings.OTP_SEND_LIMITS_PER_PHONE = "2/60"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


def write_csv(path: Path, client_id: int) -> None:
    """Three drafts of the client (single owner, the client) and a fourth whose version the form refuses."""
    with SAMPLE.open(encoding="utf-8") as sample:
        columns = next(csv.reader(sample))
    fields = {**STEP_DATA["role"], "owner_type": "single"}
    for step in ("software", "development", "features"):
        fields.update(STEP_DATA[step])
    row = {
        **{name: ";".join(value) if isinstance(value, list) else value for name, value in fields.items()},
        "client_id": client_id,
        "program_deposit": "program.pdf",
        "document_deposit": "document.pdf",
    }
    # The deposits carry the header of NAME VERSION: every good row names that software.
    assert (row["full_name"], row["version"]) == (NAME, VERSION)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows([row, row, {**row, "version": "第一版"}, row])


def run(live_server, tmp_path, token: str, *args: str) -> tuple[int, str]:
    """Run the example client against the live server, polling fast and briefly; return its status and output."""
    state = str(tmp_path / "state.json")
    options = ["--base-url", live_server.url, "--state", state, "--poll-seconds", "0.2", "--timeout", "1"]
    result = subprocess.run(
        [sys.executable, str(CLIENT), *options, *args],
        env={**os.environ, "RUANZHU_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_the_example_client_files_uploads_issues_waits_and_submits(live_server, live_settings, tmp_path):
    agent = AgentProfileFactory(verified=True).account
    client = VerificationFactory(real_name="李爱丽").account
    MandateFactory(agent=agent, client=client, services=["R11"])
    token = token_create(user=agent, name="示例程序", scopes=["read", "file", "submit"], days=1).secret
    for kind, data in deposit_pdfs().items():
        (tmp_path / f"{kind}.pdf").write_bytes(data)
    write_csv(tmp_path / "drafts.csv", client.pk)

    def sent() -> list[SmsMessage]:
        return list(SmsMessage.objects.filter(phone_index=phone_index(client.phone)))

    # 1. Three drafts created, the fourth row refused with its field and message; both deposits uploaded; two
    #    forms issued, the third refused (two codes a minute per phone); still waiting at the timeout.
    code, output = run(
        live_server, tmp_path, token, "--csv", str(tmp_path / "drafts.csv"), "--deposits", str(tmp_path)
    )
    assert code == 3, output
    filings = list(Filing.objects.filter(agent=agent, applicant=client).order_by("pk"))
    assert len(filings) == 3
    assert "line 4: REFUSED" in output and "version: 版本号应包含数字，例如 V1.0。" in output
    for filing in filings:
        kinds = set(FilingDocument.objects.filter(filing=filing).values_list("kind", flat=True))
        assert kinds == {"program_deposit", "document_deposit"}
    assert [status(filing) for filing in filings] == [
        Status.AWAITING_CODES,
        Status.AWAITING_CODES,
        Status.DRAFT,
    ]
    assert f"draft {filings[2].pk}: form not issued yet" in output and "发送过于频繁" in output
    assert len(sent()) == 2 and all(message.phone == client.phone for message in sent())
    assert "0/3 drafts confirmed" in output and "Run again with --resume" in output

    # 2. The owner confirms the two forms in its account; a minute later, --resume issues the third form.
    SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(minutes=2))
    for filing in filings[:2]:
        form_confirm_in_account(filing=Filing.objects.get(pk=filing.pk), account=client)
    code, output = run(live_server, tmp_path, token, "--resume")
    assert code == 3, output
    assert f"draft {filings[2].pk}: form issued" in output and len(sent()) == 3
    assert f"draft {filings[0].pk}: 1/1 owners confirmed — form issued" in output
    assert "2/3 drafts confirmed" in output
    assert [status(filing) for filing in filings] == [
        Status.FORM_ISSUED,
        Status.FORM_ISSUED,
        Status.AWAITING_CODES,
    ]

    # 3. The last confirmation; the signed signature pages, named by flow number, are uploaded and submitted.
    form_confirm_in_account(filing=Filing.objects.get(pk=filings[2].pk), account=client)
    signed = tmp_path / "signed"
    signed.mkdir()
    for filing in filings:
        filing.refresh_from_db()
        (signed / f"{filing.flow_number}.pdf").write_bytes(signed_page())
    code, output = run(live_server, tmp_path, token, "--resume", "--submit-with-signature", str(signed))
    assert code == 0, output
    assert "3/3 drafts confirmed" in output and "Done: every draft confirmed by every owner." in output
    assert [status(filing) for filing in filings] == [Status.SUBMITTED] * 3
    assert all(f"draft {filing.pk}: submitted ({filing.flow_number})" in output for filing in filings)
    assert IdempotencyKey.objects.count() == 3
    assert Filing.objects.filter(agent=agent).count() == 3 and len(sent()) == 3


def status(filing: Filing) -> str:
    filing.refresh_from_db()
    return filing.status


def test_a_bad_token_is_reported_as_the_apis_problem(live_server, tmp_path):
    code, output = run(live_server, tmp_path, "rz_not-a-token", "--csv", str(SAMPLE))
    assert code == 1
    assert "401 unauthenticated" in output and "Authorization: Bearer" in output
    assert not Filing.objects.exists()
