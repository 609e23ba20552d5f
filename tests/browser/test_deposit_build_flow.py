"""在线生成 in the browser: alice uploads her source archive on 软件功能与特点, watches the build's progress, looks at
the first and last pages, uses the result as her 程序鉴别材料 and goes on to 出申请表."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from ruanzhu.core import outbox
from ruanzhu.core.models import OutboxEntry
from ruanzhu.filings.models import DepositBuild
from ruanzhu.filings.services.deposit_builds import deposit_build_run
from tests.browser.looks import findings
from tests.browser.pages import enter_codes, log_in, read_form
from tests.factories import NAME, PASSWORD, FilingFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BUILD_TASK = "ruanzhu.filings.tasks.deposit_build_task"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def source_archive() -> dict:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("park/main.py", "\n".join(f"value_{n} = compute({n})" for n in range(2000)))
        bundle.writestr("park/gates.py", "\n".join(f"gate_{n} = open_gate({n})" for n in range(2000)))
        bundle.writestr("park/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0")
    return {"name": "park.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}


def test_alice_builds_her_program_deposit_online_and_issues_the_form(
    browser, live_server, portal, verified_alice, verified_bob, deposits, monkeypatch
):
    filing = FilingFactory(applicant=verified_alice, co_owners=[verified_bob])
    # No worker here: the build waits in the outbox until the test runs it, while the page polls; the rest
    # (the codes of 出申请表) runs in-process as usual.
    publish = outbox._publish_after_commit

    def publish_all_but_builds(*, entry_id: int) -> None:
        if OutboxEntry.objects.get(pk=entry_id).task != BUILD_TASK:
            publish(entry_id=entry_id)

    monkeypatch.setattr(outbox, "_publish_after_commit", publish_all_but_builds)
    # bypass_csp: the page's policy would refuse the injected axe-core script of the look checks.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "alice", PASSWORD)
    page.goto(f"/services/filings/{filing.pk}/edit/features/")
    builder = page.get_by_test_id("build-program_deposit")
    page.get_by_test_id("build-file-program_deposit").set_input_files(source_archive())
    page.get_by_test_id("build-start-program_deposit").click()

    # Queued: an accessible bar that the fragment polls.
    bar = page.get_by_test_id("build-progress-program_deposit")
    expect(bar).to_have_attribute("value", "0")
    expect(builder).to_contain_text("排队中")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    builder.screenshot(path=SCREENSHOTS / "alice-deposit-build-queued-1366.png")
    build = DepositBuild.objects.get(filing=filing, kind="program_deposit")
    entry = OutboxEntry.objects.get(task=BUILD_TASK, args=[build.pk])
    deposit_build_run(build_id=build.pk, outbox_entry=entry.pk)

    # Done: the figures and the first and last pages, without reloading the page.
    expect(page.get_by_test_id("build-figures-program_deposit")).to_contain_text("共2个源文件，4000行")
    preview = page.get_by_test_id("build-preview-program_deposit")
    expect(preview.locator("img")).to_have_count(2)
    expect(preview).to_contain_text("第60页")
    assert preview.locator("img").first.evaluate("image => image.naturalWidth") > 0
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        builder.scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOTS / f"alice-deposit-build-done-{width}.png", full_page=True)
        assert findings(page) == []

    # 使用此文件: the upload's checks pass and the box shows the built file as the deposit.
    page.get_by_test_id("build-accept-program_deposit").click()
    expect(page.locator(".messages")).to_contain_text("程序鉴别材料已上传")
    expect(page.get_by_test_id("document-program_deposit")).to_contain_text("park.pdf")
    expect(page.get_by_test_id("checks-program_deposit")).to_contain_text("检查通过")
    expect(page.get_by_test_id("build-file-program_deposit")).to_be_attached()  # ready for another build
    assert not DepositBuild.objects.filter(filing=filing).exists()

    # 下一步 → 确认 → 出申请表
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("wizard-step-confirm")).to_be_visible()
    page.get_by_test_id("send-codes").click()
    expect(page.locator(".messages")).to_contain_text("验证码已发送")
    enter_codes(page, [verified_alice, verified_bob])
    assert NAME in read_form(page)
    context.close()


def test_a_hostile_archive_shows_the_builders_message(browser, live_server, portal, verified_alice, deposits):
    filing = FilingFactory(applicant=verified_alice)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "alice", PASSWORD)
    page.goto(f"/services/filings/{filing.pk}/edit/features/")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("../outside.py", "x = 1")
    archive = {"name": "slip.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}
    page.get_by_test_id("build-file-program_deposit").set_input_files(archive)
    page.get_by_test_id("build-start-program_deposit").click()
    # Built in-process here: the fragment polls once more and shows the failure.
    expect(page.get_by_test_id("build-error-program_deposit")).to_contain_text(
        "压缩包中的文件 ../outside.py 指向压缩包目录之外，拒绝解压"
    )
    expect(page.get_by_test_id("checks-program_deposit")).to_contain_text("检查通过")  # the old deposit stays
    context.close()
