"""在线生成: deposits built from an uploaded source archive or manual, followed, previewed, accepted or discarded."""

import io
import stat
import tarfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from ruanzhu.core.files import read_private_file
from ruanzhu.core.pdfs import pdf_intake
from ruanzhu.core.uploads import UploadLimit
from ruanzhu.deposits import check_deposit
from ruanzhu.filings.models import DepositBuild
from ruanzhu.filings.services import deposit_builds
from ruanzhu.filings.views import deposit_builds as build_views
from tests.factories import NAME, VERSION
from tests.filings.flow import messages_of, post_step, start, step_url

PROGRAM = "program_deposit"
DOCUMENT = "document_deposit"
# 4,000 lines in two files: 80 pages of source, of which the deposit takes the first and last 30.
SOURCES = {
    "src/main.py": "\n".join(f"value_{index} = compute({index})" for index in range(2000)),
    "src/park/gates.py": "\n".join(f"gate_{index} = open_gate({index})" for index in range(2000)),
}
MANUAL = "# 用户手册\n\n" + "\n\n".join(
    f"第{index}步：打开园区平台，选择菜单并完成操作。" for index in range(900)
)


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def tar_gz_of(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for name, content in members.items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def alice_client(client, verified_alice, private_storage):
    client.force_login(verified_alice)
    return client


@pytest.fixture
def draft(alice_client):
    filing = start(alice_client)
    post_step(alice_client, filing, "software")
    post_step(alice_client, filing, "development")
    filing.refresh_from_db()
    return filing


def stored_files(private_storage) -> set[str]:
    return {path.name for path in private_storage.rglob("*") if path.is_file()}


def build_url(name: str, filing, kind: str = PROGRAM) -> str:
    return reverse(f"filings:deposit_build_{name}", args=[filing.pk, kind])


def start_build(client, filing, content: bytes, filename: str, kind: str = PROGRAM, **extra):
    return client.post(
        build_url("start", filing, kind),
        {"file": SimpleUploadedFile(filename, content, content_type="application/octet-stream")},
        **extra,
    )


def build_and_run(client, filing, content, filename, capture, kind=PROGRAM):
    """Start a build and run its task; return the builder fragment polled after it and the build."""
    with capture(execute=True):
        response = start_build(client, filing, content, filename, kind, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    response = client.get(build_url("status", filing, kind))
    return response, DepositBuild.objects.filter(filing=filing, kind=kind).first()


@pytest.mark.parametrize(
    ("archive", "filename"), [(zip_of(SOURCES), "park.zip"), (tar_gz_of(SOURCES), "park.tar.gz")]
)
def test_a_source_archive_builds_a_deposit_the_checks_accept(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks, archive, filename
):
    response, build = build_and_run(
        alice_client, draft, archive, filename, django_capture_on_commit_callbacks
    )
    assert (build.status, build.progress, build.files, build.lines) == ("done", 100, 2, 4000)
    assert (build.source_pages, build.pages, build.error) == (80, 60, "")
    data = read_private_file(build.result_storage_name)
    assert pdf_intake(data).page_count == 60
    assert check_deposit(data, kind="program", name=NAME, version=VERSION).ok
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 60 and f"{NAME} {VERSION}" in reader.pages[0].extract_text()
    assert "value_0 = compute(0)" in reader.pages[0].extract_text()
    assert "gate_1999 = open_gate(1999)" in reader.pages[-1].extract_text()
    # The fragment shows the figures and the first and last pages, and the upload is gone from storage.
    page = response.content.decode()
    assert 'data-testid="build-figures-program_deposit"' in page and "鉴别材料60页" in page
    assert page.count('src="data:image/png;base64,') == 2 and "第60页" in page
    assert "hx-trigger" not in page
    assert stored_files(private_storage) == {build.result_storage_name.rsplit("/", 1)[1]}
    assert not draft.documents.exists()


def test_progress_goes_from_queued_through_running_to_done(
    alice_client, draft, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = start_build(alice_client, draft, zip_of(SOURCES), "park.zip", HTTP_HX_REQUEST="true")
    build = DepositBuild.objects.get(filing=draft, kind=PROGRAM)
    assert (build.status, build.progress, build.stage) == ("queued", 0, "queued")
    page = response.content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="0"' in page and "排队中" in page
    seen = []
    real_build = deposit_builds._build

    def watched(build, source, progress):
        # While it runs, the polled fragment shows an accessible bar at the running build's value.
        running = DepositBuild.objects.get(pk=build.pk)
        fragment = alice_client.get(build_url("status", draft)).content.decode()
        seen.append((running.status, running.stage, running.progress))
        assert '<progress class="builder-progress" max="100" value="5"' in fragment
        assert (
            'aria-labelledby="build-stage-program_deposit"' in fragment
            and 'hx-trigger="every 1s"' in fragment
        )
        return real_build(build, source, progress)

    monkeypatch.setattr(deposit_builds, "_build", watched)
    monkeypatch.setattr(deposit_builds, "PROGRESS_INTERVAL", 0)
    saved = []
    real_save = deposit_builds._BuildProgress._save

    def save(self, **fields):
        real_save(self, **fields)
        saved.append(DepositBuild.objects.values_list("status", "progress").get(pk=self.build_id))

    monkeypatch.setattr(deposit_builds._BuildProgress, "_save", save)
    for callback in callbacks:
        callback()
    assert seen == [("running", "opening", 5)]
    assert {status for status, _progress in saved} == {"running"}
    progress = [value for _status, value in saved]
    assert progress == sorted(progress) and 20 < progress[-2] <= 80 and progress[-1] == 85
    build.refresh_from_db()
    assert (build.status, build.stage, build.progress) == ("done", "finished", 100)


def test_the_accepted_build_becomes_the_deposit_through_the_upload_checks(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks
):
    _response, build = build_and_run(
        alice_client, draft, zip_of(SOURCES), "park.zip", django_capture_on_commit_callbacks
    )
    built = read_private_file(build.result_storage_name)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(build_url("accept", draft), follow=True)
    assert "程序鉴别材料已上传" in messages_of(response)
    document = draft.documents.get(kind=PROGRAM)
    assert (document.original_name, document.page_count, document.problems) == ("park.pdf", 60, [])
    assert read_private_file(document.storage_name) == built
    # The build and its result are gone; the deposit's own copy stays.
    assert not DepositBuild.objects.filter(pk=build.pk).exists()
    assert stored_files(private_storage) == {document.storage_name.rsplit("/", 1)[1]}


def test_an_accepted_build_that_fails_the_checks_is_refused_like_an_upload(
    alice_client, draft, django_capture_on_commit_callbacks
):
    _response, build = build_and_run(
        alice_client, draft, zip_of(SOURCES), "park.zip", django_capture_on_commit_callbacks
    )
    # The name on the form changed after the build: the header no longer matches, as for an uploaded PDF.
    post_step(alice_client, draft, "software", full_name="智慧园区综合管理平台")
    response = alice_client.post(build_url("accept", draft), follow=True)
    assert "程序鉴别材料未上传" in messages_of(response) and "智慧园区综合管理平台" in messages_of(response)
    assert not draft.documents.exists()
    assert DepositBuild.objects.get(pk=build.pk).status == "done"


def test_a_manual_builds_the_documentation_deposit(alice_client, draft, django_capture_on_commit_callbacks):
    _response, build = build_and_run(
        alice_client, draft, MANUAL.encode(), "手册.md", django_capture_on_commit_callbacks, kind=DOCUMENT
    )
    # 23 pages laid out: the deposit holds them all.
    assert (build.status, build.source_pages, build.pages) == ("done", 23, 23)
    data = read_private_file(build.result_storage_name)
    assert check_deposit(data, kind="document", name=NAME, version=VERSION).ok
    response = alice_client.post(build_url("accept", draft, DOCUMENT), follow=True)
    assert "文档鉴别材料已上传" in messages_of(response)
    assert draft.documents.get(kind=DOCUMENT).original_name == "手册.pdf"


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("src/main.py", SOURCES["src/main.py"])
        link = zipfile.ZipInfo("src/secret.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _symlink_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        link = tarfile.TarInfo("src/secret.py")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        bundle.addfile(link)
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        bundle.writestr("src/main.py", b"\n" * (8 << 20))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("archive", "filename", "message"),
    [
        (
            zip_of({"../evil.py": "x = 1"}),
            "slip.zip",
            "压缩包中的文件 ../evil.py 指向压缩包目录之外，拒绝解压",
        ),
        (_symlink_zip(), "link.zip", "压缩包中含有符号链接 src/secret.py，拒绝处理"),
        (_symlink_tar(), "link.tar.gz", "压缩包中含有链接 src/secret.py，拒绝处理"),
        (_bomb(), "bomb.zip", "压缩包解压后超过 1 MB，疑似压缩炸弹，拒绝处理"),
        (zip_of({"logo.png": b"\x89PNG\r\n\x1a\n\0\0"}), "images.zip", "中没有可打印的源程序"),
    ],
)
def test_hostile_archives_fail_with_the_builders_message_and_change_nothing(
    alice_client,
    draft,
    private_storage,
    django_capture_on_commit_callbacks,
    monkeypatch,
    archive,
    filename,
    message,
):
    monkeypatch.setattr(deposit_builds, "EXPANDED_MAX_BYTES", 1 << 20)
    before = (draft.status, draft.updated_at, draft.fingerprint)
    response, build = build_and_run(
        alice_client, draft, archive, filename, django_capture_on_commit_callbacks
    )
    assert build.status == "failed" and message in build.error
    assert "/tmp" not in build.error and "ruanzhu-build" not in build.error
    page = response.content.decode()
    assert 'data-testid="build-error-program_deposit"' in page and message in page
    draft.refresh_from_db()
    assert (draft.status, draft.updated_at, draft.fingerprint) == before
    assert not draft.documents.exists() and not stored_files(private_storage)
    response = alice_client.post(build_url("accept", draft), follow=True)
    assert "尚未生成完成" in messages_of(response) and not draft.documents.exists()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"not an archive at all", "park.zip", "请上传 .zip 或 .tar.gz 格式的源程序压缩包"),
        (zip_of(SOURCES), "park.rar", "请上传 .zip 或 .tar.gz 格式的源程序压缩包"),
        (b"", "park.zip", "所提交的是空文件"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks, content, filename, message
):
    with django_capture_on_commit_callbacks(execute=True):
        response = start_build(alice_client, draft, content, filename, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'data-testid="build-refused-program_deposit"' in page and message in page
    response = start_build(alice_client, draft, content, filename, follow=True)
    assert message in messages_of(response)
    assert not DepositBuild.objects.exists() and not stored_files(private_storage)


def test_an_archive_over_the_limit_is_refused_as_it_streams_in(
    alice_client, draft, private_storage, monkeypatch
):
    monkeypatch.setattr(build_views.deposit_build_start_view, "upload_limit", UploadLimit(max_bytes=1000))
    response = start_build(alice_client, draft, zip_of(SOURCES), "park.zip", follow=True)
    assert "文件不能超过" in messages_of(response)
    monkeypatch.setattr(deposit_builds, "SOURCE_MAX_BYTES", 1000)
    with pytest.raises(deposit_builds.FilingError, match="文件不能超过"):
        deposit_builds.deposit_build_start(
            filing=draft, by=draft.filer, kind=PROGRAM, data=zip_of(SOURCES), filename="park.zip"
        )
    assert not DepositBuild.objects.exists() and not stored_files(private_storage)


def test_a_new_build_replaces_the_last_and_discarding_deletes_its_files(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks
):
    _response, first = build_and_run(
        alice_client, draft, zip_of(SOURCES), "park.zip", django_capture_on_commit_callbacks
    )
    _response, second = build_and_run(
        alice_client, draft, tar_gz_of(SOURCES), "park.tar.gz", django_capture_on_commit_callbacks
    )
    assert not DepositBuild.objects.filter(pk=first.pk).exists()
    assert stored_files(private_storage) == {second.result_storage_name.rsplit("/", 1)[1]}
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(build_url("discard", draft), follow=True)
    assert "已放弃在线生成的程序鉴别材料" in messages_of(response)
    assert not DepositBuild.objects.exists() and not stored_files(private_storage)
    assert not draft.documents.exists()


def test_a_build_discarded_while_queued_leaves_nothing_behind(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        start_build(alice_client, draft, zip_of(SOURCES), "park.zip")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(build_url("discard", draft))
    for callback in callbacks:
        callback()
    assert not DepositBuild.objects.exists() and not stored_files(private_storage)


def test_a_build_left_running_by_a_lost_worker_fails_when_delivered_again(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        start_build(alice_client, draft, zip_of(SOURCES), "park.zip")
    DepositBuild.objects.update(status="running", progress=40)  # claimed by a worker that then died
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    build = DepositBuild.objects.get(filing=draft)
    assert (build.status, build.error) == ("failed", "生成中断，请重新上传。")
    assert not stored_files(private_storage) and not draft.documents.exists()


def test_the_step_page_shows_the_builder_next_to_each_deposit(alice_client, draft):
    page = alice_client.get(step_url(draft, "features")).content.decode()
    assert 'data-testid="build-program_deposit"' in page and 'data-testid="build-document_deposit"' in page
    assert "在线生成" in page


def test_login_is_required(client, draft):
    anonymous = Client()
    for name, method in (("start", "post"), ("status", "get"), ("accept", "post"), ("discard", "post")):
        response = getattr(anonymous, method)(build_url(name, draft))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_another_applicants_filing_is_404_and_left_alone(
    draft, verified_carol, django_capture_on_commit_callbacks, alice_client
):
    build_and_run(alice_client, draft, zip_of(SOURCES), "park.zip", django_capture_on_commit_callbacks)
    carol = Client()
    carol.force_login(verified_carol)
    assert start_build(carol, draft, zip_of(SOURCES), "park.zip").status_code == 404
    assert carol.get(build_url("status", draft)).status_code == 404
    assert carol.post(build_url("accept", draft)).status_code == 404
    assert carol.post(build_url("discard", draft)).status_code == 404
    assert DepositBuild.objects.get(filing=draft).status == "done" and not draft.documents.exists()


def test_wrong_methods_and_kinds_are_refused(alice_client, draft):
    assert alice_client.get(build_url("start", draft)).status_code == 405
    assert alice_client.post(build_url("status", draft)).status_code == 405
    assert alice_client.get(build_url("accept", draft)).status_code == 405
    assert alice_client.get(build_url("status", draft, "signature_page")).status_code == 404
    assert alice_client.get(build_url("status", draft, "passport")).status_code == 404


def test_deleting_the_draft_deletes_its_built_deposit(
    alice_client, draft, private_storage, django_capture_on_commit_callbacks
):
    _response, build = build_and_run(
        alice_client, draft, zip_of(SOURCES), "park.zip", django_capture_on_commit_callbacks
    )
    assert stored_files(private_storage) == {build.result_storage_name.rsplit("/", 1)[1]}
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("filings:delete", args=[draft.pk]))
    assert not DepositBuild.objects.exists() and not stored_files(private_storage)
