"""In Chromium: the account page's API令牌 section at desk and phone width (layout, contrast, axe), and the API
docs page working under the site's Content-Security-Policy with nothing fetched from another host."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.looks import findings
from tests.browser.pages import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = [(1366, 900), (390, 844)]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def test_token_section_at_desk_and_phone_width(browser, live_server, verified_alice):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # bypass_csp: the page's policy would refuse the injected axe-core script.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, "alice", PASSWORD)
    page.goto("/accounts/me/")
    page.locator("[name=name]").fill("持续集成")
    page.get_by_label("读取").check()
    page.get_by_label("填报").check()
    page.locator("[name=days]").select_option("90")
    page.get_by_test_id("api-token-form").get_by_role("button").click()
    secret = page.get_by_test_id("api-token-secret")
    expect(secret).to_be_visible()
    assert secret.input_value().startswith("rz_")
    wrong = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        section = page.get_by_test_id("api-tokens")
        section.screenshot(path=SCREENSHOTS / f"alice-api-tokens-{width}.png")
        wrong += [f"@{width}px: {finding}" for finding in findings(page)]
    # Shown once: the account page afterwards lists the token without its secret.
    page.goto("/accounts/me/")
    expect(page.get_by_test_id("api-token-secret")).to_have_count(0)
    expect(page.get_by_test_id("api-token-list")).to_contain_text("持续集成")
    context.close()
    assert wrong == [], "\n".join(wrong)


def test_docs_page_works_under_the_sites_csp(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    hosts, problems = set(), []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ruanzhu API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "api-docs-1366.png")
    context.close()
    assert hosts == {urlsplit(live_server.url).netloc}
    assert not [text for text in problems if "Content Security Policy" in text], problems
