"""在线生成 over the API: the deposits step's build services, followed and accepted or discarded."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruanzhu.filings.models import DepositBuild, FilingDocument
from ruanzhu.filings.services.deposit_builds import deposit_build_run
from tests.api.conftest import ApiClient, multipart, problem
from tests.filings.test_deposit_build import SOURCES, zip_of

PATH = "/filings/{pk}/deposit-builds/program_deposit"


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice)


def start(client, filing, content: bytes = b"", filename: str = "park.zip"):
    archive = SimpleUploadedFile(filename, content or zip_of(SOURCES), content_type="application/zip")
    return multipart(client, PATH.format(pk=filing.pk), {"file": archive})


def test_a_build_is_started_followed_and_accepted_as_the_deposit(alice_api, ready):
    before = FilingDocument.objects.get(filing=ready, kind="program_deposit").sha256
    response = start(alice_api, ready)
    assert response.status_code == 202, response.content.decode()
    assert response.json()["status"] == "queued" and response.json()["source_filename"] == "park.zip"
    assert alice_api.get(PATH.format(pk=ready.pk)).json()["stage"] == "queued"
    problem(alice_api.post(PATH.format(pk=ready.pk) + "/accept"), 409, "action_refused")

    deposit_build_run(build_id=DepositBuild.objects.get(filing=ready).pk)  # what the worker does
    body = alice_api.get(PATH.format(pk=ready.pk)).json()
    assert (body["status"], body["progress"], body["files"], body["lines"], body["pages"]) == (
        "done",
        100,
        2,
        4000,
        60,
    )
    accepted = alice_api.post(PATH.format(pk=ready.pk) + "/accept")
    assert accepted.status_code == 200, accepted.content.decode()
    document = FilingDocument.objects.get(filing=ready, kind="program_deposit")
    assert accepted.json()["sha256"] == document.sha256 != before and document.page_count == 60
    assert not DepositBuild.objects.exists()
    problem(alice_api.get(PATH.format(pk=ready.pk)), 404, "not_found")


def test_a_build_is_discarded(alice_api, ready):
    start(alice_api, ready)
    response = alice_api.client.delete(
        "/api/v1" + PATH.format(pk=ready.pk), headers={"Authorization": f"Bearer {alice_api.secret}"}
    )
    assert response.status_code == 204
    assert not DepositBuild.objects.exists()


@pytest.mark.parametrize(
    "data, status, code",
    [
        ({}, 422, "validation_failed"),
        ({"file": SimpleUploadedFile("notes.exe", b"MZ\x90\x00" * 10)}, 409, "action_refused"),
        ({"file": SimpleUploadedFile("empty.zip", b"")}, 422, "validation_failed"),
    ],
)
def test_bad_sources_are_refused_and_start_nothing(alice_api, ready, data, status, code):
    body = problem(multipart(alice_api, PATH.format(pk=ready.pk), data), status, code)
    assert body["detail"]
    assert not DepositBuild.objects.exists()


def test_builds_need_a_token_the_scope_the_filer_and_a_deposit_kind(
    api, alice_api, ready, verified_alice, verified_bob, verified_carol
):
    problem(start(ApiClient(None), ready), 401, "unauthenticated")
    problem(start(api(verified_alice, scopes=["read"]), ready), 403, "insufficient_scope")
    problem(start(api(verified_carol), ready), 404, "not_found")
    problem(start(api(verified_bob), ready), 404, "not_found")
    archive = SimpleUploadedFile("park.zip", zip_of(SOURCES))
    problem(
        multipart(alice_api, f"/filings/{ready.pk}/deposit-builds/nothing", {"file": archive}),
        404,
        "not_found",
    )
    assert not DepositBuild.objects.exists()
    start(alice_api, ready)
    problem(api(verified_carol).get(PATH.format(pk=ready.pk)), 404, "not_found")
    problem(api(verified_bob).post(PATH.format(pk=ready.pk) + "/accept"), 404, "not_found")
    problem(ApiClient(None).get(PATH.format(pk=ready.pk)), 401, "unauthenticated")
    assert DepositBuild.objects.count() == 1


def test_an_agent_builds_under_its_mandate(api, agent, other_agent, agent_ready):
    problem(start(api(other_agent), agent_ready), 404, "not_found")
    assert start(api(agent), agent_ready).status_code == 202
