"""The program deposit fits 源程序量: 60 pages from 3,000 lines, the whole program below."""

import io
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from ruanzhu.deposits import build_program_deposit
from ruanzhu.filings.states import Status
from tests.factories import NAME, VERSION
from tests.filings.flow import messages_of, post_step, start, step_url, upload


def program_deposit(lines: int) -> bytes:
    """Return a real program deposit of a program of ``lines`` lines, built by the deposit builder."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "src"
        source.mkdir()
        (source / "main.py").write_text(
            "\n".join(f"value_{index} = compute({index})" for index in range(lines)), encoding="utf-8"
        )
        output = Path(folder) / "program.pdf"
        build_program_deposit(source, name=NAME, version=VERSION, output=output)
        return output.read_bytes()


@pytest.fixture(scope="module")
def fifty_nine_pages():
    """The whole of a 2,950-line program: 59 pages."""
    pdf = program_deposit(2950)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 59
    return pdf


@pytest.fixture
def draft(client, verified_alice, private_storage):
    client.force_login(verified_alice)
    filing = start(client)
    post_step(client, filing, "software")
    post_step(client, filing, "development")
    filing.refresh_from_db()
    return filing


def declare(client, filing, lines: int):
    """Save 软件功能与特点 with 源程序量 ``lines`` (the step stays put while a deposit is missing)."""
    post_step(client, filing, "features", source_lines=str(lines))
    filing.refresh_from_db()
    assert filing.details["source_lines"] == lines


def test_59_pages_for_9600_lines_are_refused_with_both_figures(client, draft, fifty_nine_pages):
    declare(client, draft, 9600)
    response = upload(client, draft, "program_deposit", fifty_nine_pages, "program.pdf", follow=True)
    message = messages_of(response)
    assert "源程序量为9600行" in message and "共60页" in message and "上传的文件为59页" in message
    assert not draft.documents.filter(kind="program_deposit").exists()


def test_the_whole_small_program_passes_and_a_larger_declared_size_rechecks_it(
    client, draft, fifty_nine_pages
):
    declare(client, draft, 2950)
    upload(client, draft, "program_deposit", fifty_nine_pages, "program.pdf")
    document = draft.documents.get(kind="program_deposit")
    assert document.problems == [] and document.page_count == 59

    declare(client, draft, 9600)
    document.refresh_from_db()
    assert [problem["code"] for problem in document.problems] == ["size"]
    assert "9600" in document.problems[0]["message"] and "59页" in document.problems[0]["message"]
    page = client.get(step_url(draft, "features")).content.decode()
    assert 'data-testid="problems-program_deposit"' in page and "上传的文件为59页" in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_whole_program_short_of_ninety_percent_is_refused(client, draft):
    declare(client, draft, 2000)
    small = program_deposit(900)  # 18 pages hold 900 lines, less than 90 % of the 2,000 declared
    response = upload(client, draft, "program_deposit", small, "program.pdf", follow=True)
    assert "源程序量为2000行（不足3000行）" in messages_of(response) and "只有18页" in messages_of(response)
    assert not draft.documents.filter(kind="program_deposit").exists()

    declare(client, draft, 990)  # 900 lines are 90.9 % of 990: the whole program
    assert upload(client, draft, "program_deposit", small, "program.pdf").status_code < 400
    assert draft.documents.get(kind="program_deposit").problems == []
