"""Personal data stays encrypted at rest: after the flows a person goes through in the browser, a dump of the
whole database, every stored file, the cache, the logs and the mail hold no ID number, no phone number and no
ID photo or PDF in clear.

The flows: sign-up by phone code, a failed and a good login by phone, real-name verification with ID photos
approved by a reviewer, a mandate proposed by an agent to the typed phone number with its signed letter, an R11
filing with a co-owner invited by phone, issued and confirmed by codes to both phones, submitted, examined and
registered, and a password reset by SMS code.
"""

import contextlib
import datetime
import logging

import pytest
from celery.signals import task_postrun
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.storage import default_storage
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ruanzhu.accounts.models import User
from ruanzhu.agents.models import Mandate
from ruanzhu.filings.states import Status
from ruanzhu.identity.models import Verification
from tests.browser.pages import (
    accept_invitation,
    fill_features,
    invite,
    issue_and_submit,
    log_in,
    pdf_file,
    staff_log_in,
    upload_deposit,
)
from tests.browser.test_accounts_flow import sign_up, wait_for_code
from tests.browser.test_identity_flow import open_in_queue, submit, upload
from tests.factories import NAME, PASSWORD, VERSION, UserFactory, VerificationFactory
from tests.identity import images_fixtures as pictures
from tests.security.pii import Allowed, PiiScanner, database_dump

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Numbers used nowhere else in the tests, so that any trace of them comes from this flow.
PERSON_PHONE = "15867213490"
PERSON_ID = "330106198807153814"
PERSON_NAME = "欧阳明远"
PARTNER_PHONE = "18926534071"
PARTNER_ID = "44030519921203604X"  # a check digit X, for the lower-case spelling
SIGNUP_PASSWORD = "Lantern-Orchid-2026"  # what test_accounts_flow.sign_up sets
NEW_PASSWORD = "Harbour-Lilac-Quartz-77"

# Matches that are not personal data, each with why. None so far: the only phone number kept in clear is the
# agent's office line (AgentProfile.phone, printed on forms), a landline in the tests (010-62000000) that the
# mobile pattern does not match. An agent giving a mobile number there would need an entry here.
ALLOWED: tuple[Allowed, ...] = ()


def jpeg(image) -> dict:
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": pictures.jpeg_bytes(image)}


@pytest.fixture
def partner(db):
    """The co-owner, verified before the flow: 司马青."""
    user = UserFactory(username="partner", phone=PARTNER_PHONE)
    VerificationFactory(account=user, real_name="司马青", id_number=PARTNER_ID)
    return user


@pytest.fixture
def open_page(browser, live_server):
    """Open a page in a browser context of its own (one per person), closed after the test."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def staff_pages(open_page, request):
    """The reviewer and the examiner, each logged in with password and TOTP code in its own browser."""
    # As in conftest's staff_page: the permissions the roles are built from may need recreating first.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    pages = {}
    for role in ("reviewer", "examiner"):
        user = request.getfixturevalue(role)
        pages[role] = open_page()
        staff_log_in(pages[role], user.username, TOTPDevice.objects.get(user=user))
        expect(pages[role].get_by_test_id("staff-home")).to_be_visible()
    return pages


@contextlib.contextmanager
def every_log_record(caplog):
    """Capture every record at DEBUG, from every logger and thread, those that do not propagate included."""
    caplog.set_level(logging.DEBUG)
    loggers = [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        if logger.level:
            caplog.set_level(logging.DEBUG, logger=logger.name)
    kept = [logger for logger in loggers if not logger.propagate]
    for logger in kept:
        logger.addHandler(caplog.handler)
    try:
        yield caplog.records
    finally:
        for logger in kept:
            logger.removeHandler(caplog.handler)


@contextlib.contextmanager
def every_task_run():
    """Record the name, arguments and result of every Celery task run: outside tests they wait in the broker."""
    runs = []

    def record(sender=None, args=None, kwargs=None, retval=None, **_signal):
        runs.append((sender.name, args, kwargs, retval))

    task_postrun.connect(record, weak=False)
    try:
        yield runs
    finally:
        task_postrun.disconnect(record)


# --- The flows --------------------------------------------------------------------------------------------------
def log_in_by_phone(page, phone: str, password: str):
    page.goto("/accounts/login/?tab=individual")
    page.locator("[name=identifier]").fill(phone)
    page.locator("[name=password]").fill(password)
    page.get_by_test_id("login").click()


def verify_identity(page, reviewer_page):
    """Fill 实名认证 with the person's ID number and photos; the reviewer approves it."""
    page.goto("/identity/")
    page.locator("[name=id_type]").select_option("resident_id")
    page.get_by_test_id("next").click()
    page.locator("[name=real_name]").fill(PERSON_NAME)
    page.locator("[name=id_number]").fill(PERSON_ID)
    page.locator("[name=id_valid_from]").fill("2020-01-01")
    page.locator("[name=id_long_term]").check()
    page.locator("[name=province]").select_option("浙江省")
    # htmx loads the province's cities into 城市.
    expect(page.locator("[name=city] option[value=杭州市]")).to_have_count(1)
    page.locator("[name=city]").select_option("杭州市")
    page.get_by_test_id("next").click()
    upload(page, "id_front", jpeg(pictures.photo_of_card(pictures.id_card_front(), seed=41)))
    upload(page, "id_back", jpeg(pictures.photo_of_card(pictures.id_card_back(), seed=42)))
    upload(page, "handheld", jpeg(pictures.handheld_photo(seed=43)))
    submit(page)

    open_in_queue(reviewer_page, PERSON_NAME)
    expect(reviewer_page.get_by_test_id("masked-id")).to_have_text("330***********3814")
    reviewer_page.get_by_test_id("claim").click()
    approve = reviewer_page.get_by_test_id("approve-form")
    for label in ("证件真实有效", "手持照片人像与证件照一致", "填写信息与证件一致"):
        approve.get_by_label(label).check()
    reviewer_page.get_by_test_id("approve").click()
    expect(reviewer_page.get_by_test_id("review-status")).to_have_text("审核通过")


def give_mandate_with_signed_letter(page, agent_page):
    """The agent proposes a mandate to the phone number the person gave it; the person accepts it and
    uploads the signed 委托书 as a photo."""
    today = timezone.localdate()
    agent_page.goto(reverse("agents:propose"))
    agent_page.locator("[name=client]").fill("+86 158 6721 3490")
    agent_page.locator("[name=services][value=R11]").check()
    agent_page.locator("[name=start_date]").fill(today.isoformat())
    agent_page.locator("[name=end_date]").fill((today + datetime.timedelta(days=365)).isoformat())
    agent_page.locator("[name=description]").fill("代为办理计算机软件著作权登记申请")
    agent_page.get_by_role("button", name="发起委托").click()
    expect(agent_page.get_by_test_id("mandate-state")).to_have_text("待确认")

    page.goto(reverse("agents:mandates"))
    page.locator("[data-testid^=accept-]").click()
    expect(page.locator(".messages")).to_contain_text("已确认委托")
    page.goto(reverse("agents:mandate_detail", args=[Mandate.objects.get().pk]))
    letter = page.get_by_test_id("upload-letter")
    letter.locator("[name=file]").set_input_files(
        jpeg(pictures.photo_of_card(pictures.id_card_back(), seed=44))
    )
    letter.get_by_role("button", name="上传").click()
    expect(page.locator(".messages")).to_contain_text("委托书已上传")


def file_r11_with_partner(page, browser, base_url: str, person, partner, deposits):
    """立即登记 → the wizard with the partner invited by phone → codes to both phones → submitted."""
    page.goto("/services/software/")
    page.get_by_test_id("start-R11").click()
    page.locator("[name=owner_type][value=joint]").check()
    page.locator("[name=development_mode][value=independent]").check()
    page.get_by_test_id("next").click()
    page.locator("[name=full_name]").fill(NAME)
    page.locator("[name=version]").fill(VERSION)
    page.locator("[name=category]").select_option("应用软件")
    page.locator("[name=work_type][value=original]").check()
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("wizard-step-development")).to_be_visible()
    invite(page, "189 2653 4071", "189****4071")
    accept_invitation(browser, base_url, partner.username, PASSWORD, NAME)
    page.reload()
    expect(page.get_by_test_id("owner-partner")).to_contain_text("司马青")
    page.locator("[name=completion_date]").fill("2026-06-30")
    page.locator("[name=publication][value=unpublished]").check()
    page.locator("[name=acquisition][value=original]").check()
    page.locator("[name=rights_scope][value=all]").check()
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("wizard-step-features")).to_be_visible()
    fill_features(page)
    upload_deposit(page, "program_deposit", pdf_file("program.pdf", deposits["program"]))
    expect(page.get_by_test_id("checks-program_deposit")).to_contain_text("检查通过")
    upload_deposit(page, "document_deposit", pdf_file("manual.pdf", deposits["document"]))
    expect(page.get_by_test_id("checks-document_deposit")).to_contain_text("检查通过")
    page.get_by_test_id("next").click()
    return issue_and_submit(page, [person, partner], "R11")


def examiner_registers(examiner_page, filing):
    examiner_page.goto(reverse("examination:detail", args=[filing.pk]))
    examiner_page.get_by_test_id("claim").click()
    examiner_page.get_by_test_id("accept").click()
    expect(examiner_page.get_by_test_id("filing-status")).to_have_text("已受理")
    examiner_page.get_by_test_id("start").click()
    expect(examiner_page.get_by_test_id("filing-status")).to_have_text("审查中")
    checklist = examiner_page.locator("[name=checklist]")
    expect(checklist.first).to_be_visible()
    for index in range(checklist.count()):
        checklist.nth(index).check()
    examiner_page.get_by_test_id("register").click()
    expect(examiner_page.get_by_test_id("filing-status")).to_have_text("已登记")


def ask_for_reset_code(page):
    page.goto(reverse("accounts:password_reset"))
    page.locator("[name=phone]").fill("158 6721 3490")
    page.get_by_test_id("send-reset-code").click()
    expect(page.locator("[name=code]")).to_be_visible()


def reset_password(page):
    """忘记密码 in a fresh browser: the phone, the code it receives, a new password."""
    ask_for_reset_code(page)
    page.locator("[name=code]").fill(wait_for_code("+86" + PERSON_PHONE))
    page.locator("[name=new_password]").fill(NEW_PASSWORD)
    page.locator("[name=new_password_again]").fill(NEW_PASSWORD)
    page.get_by_test_id("reset-password").click()
    expect(page.locator(".messages")).to_contain_text("密码已重置")
    log_in_by_phone(page, PERSON_PHONE, NEW_PASSWORD)
    expect(page.get_by_test_id("account-name")).to_have_text("ouyang")


# --- The scan ---------------------------------------------------------------------------------------------------
def scan_everything(scanner, *, log_records, task_runs, output: str, emails) -> list:
    """Return every hit: database dump, stored files, cache, log records, task arguments and results, the
    process's output and e-mail."""
    hits = scanner.in_dump(database_dump(connection))
    hits += scanner.in_storage(default_storage)
    if isinstance(caches["default"], RedisCache):
        # Sessions (cached_db) and counters live there too; Django's backend exposes its redis-py client here.
        hits += scanner.in_redis(caches["default"]._cache.get_client(write=False))
    hits += scanner.in_log_records(log_records)
    for name, args, kwargs, result in task_runs:
        hits += scanner.in_text(repr((args, kwargs, result)), f"celery task {name} (arguments and result)")
    hits += scanner.in_text(output, "output of the test process (live server included)")
    return hits + scanner.in_emails(emails)


def stored_folders() -> set[str]:
    return set(default_storage.listdir("")[0])


def test_no_personal_data_in_clear_after_the_flows(
    page,
    browser,
    live_server,
    portal,
    open_page,
    staff_pages,
    agent,
    partner,
    deposits,
    caplog,
    capfd,
    mailoutbox,
):
    with every_log_record(caplog) as log_records, every_task_run() as task_runs:
        sign_up(page, kind="individual", username="ouyang", phone=PERSON_PHONE, email="ouyang@example.com")
        log_in_by_phone(page, "158 6721 3490", "Wrong-Password-2026")
        expect(page.get_by_test_id("form-errors")).to_be_visible()
        log_in_by_phone(page, PERSON_PHONE, SIGNUP_PASSWORD)
        expect(page.get_by_test_id("account-name")).to_have_text("ouyang")
        person = User.objects.get(username="ouyang")

        verify_identity(page, staff_pages["reviewer"])
        agent_page = open_page()
        log_in(agent_page, agent.username, PASSWORD, "institution")
        give_mandate_with_signed_letter(page, agent_page)
        filing = file_r11_with_partner(page, browser, live_server.url, person, partner, deposits)
        examiner_registers(staff_pages["examiner"], filing)
        reset_password(open_page())

        # The flows really went through with these numbers: what the scan looks for was there to find.
        person.refresh_from_db()
        filing.refresh_from_db()
        assert person.phone == "+86" + PERSON_PHONE and filing.status == Status.REGISTERED
        assert Verification.objects.get(account=person, status="approved").id_number == PERSON_ID
        assert {"identity", "filings", "forms", "certificates", "mandates"} <= stored_folders()

    scanner = PiiScanner(
        phones=[PERSON_PHONE, PARTNER_PHONE], id_numbers=[PERSON_ID, PARTNER_ID], allowed=ALLOWED
    )
    hits = scan_everything(
        scanner,
        log_records=log_records,
        task_runs=task_runs,
        output="".join(capfd.readouterr()),
        emails=mailoutbox,
    )
    assert log_records and task_runs, "no log record or task run was captured: their scan would prove nothing"
    assert not hits, "personal data in clear:\n" + "\n".join(map(str, hits))


def test_abandoned_password_reset_leaves_no_phone_number_in_clear(page, live_server, portal, caplog):
    """Someone asks for a reset code and never uses it: the number they typed must not stay in the sessions."""
    UserFactory(username="ouyang", phone=PERSON_PHONE)
    with every_log_record(caplog) as log_records:
        ask_for_reset_code(page)
    scanner = PiiScanner(phones=[PERSON_PHONE], allowed=ALLOWED)
    hits = scanner.in_dump(database_dump(connection)) + scanner.in_log_records(log_records)
    assert not hits, "personal data in clear:\n" + "\n".join(map(str, hits))
