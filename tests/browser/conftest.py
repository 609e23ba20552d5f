"""End-to-end tests in Debian's Chromium driven by Playwright, against a live server of the portal."""

import os
import shutil

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.pages import staff_log_in

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the tests themselves
# (reading the SMS outbox, checking saved state) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# An assertion waits as long as an action does. Playwright's own 5 s was too short for an upload's checks on a
# machine three times slower than usual, with the other database's pass running beside it.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium.")
    from django.db import connections

    # Playwright's sync API runs the rest of the session in another context, where Django hands out new
    # connection objects. Give them the database contents serialized at set-up, so that transactional tests
    # still restore the migrated data (reason codes, permissions) instead of flushing it for good.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def portal(settings, tmp_path):
    """Settings for the live server too: private files and the signing key in a temporary folder, codes twice
    within a minute."""
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"
    settings.DATA_DIR = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


@pytest.fixture
def staff_page(browser, live_server, request):
    """The examiner, logged in on the staff login page with the password and a TOTP code."""
    # Playwright's event loop gives this test another database connection object, which the serialized
    # rollback does not restore after an earlier transactional test: recreate the permissions if needed,
    # before the examiner is given its role.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    examiner = request.getfixturevalue("examiner")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    staff_log_in(page, "examiner", TOTPDevice.objects.get(user=examiner))
    expect(page.get_by_test_id("examination-queue-summary")).to_be_visible()
    yield page
    context.close()
