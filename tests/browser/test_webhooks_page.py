"""In Chromium: the 事件推送 page of an agent at desk and phone width (layout, contrast, axe), its secret shown
once, reached from the agent dashboard."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from ruanzhu.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.browser.looks import findings
from tests.browser.pages import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = [(1366, 900), (390, 844)]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def delivery_log(agent) -> None:
    """An endpoint of the agent with a delivered, a retrying and a failed event."""
    endpoint = WebhookEndpoint.objects.create(
        owner=agent, url="https://hooks.example.com/ruanzhu/webhook", description="生产环境", secret="whsec_x"
    )
    now = timezone.now()
    for status, code, attempts, error in (
        (WebhookDelivery.Status.DELIVERED, 200, 1, ""),
        (WebhookDelivery.Status.PENDING, 503, 2, ""),
        (WebhookDelivery.Status.FAILED, None, 6, "超时未响应"),
    ):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="filing.status_changed",
            payload={"data": {"from_status": "submitted", "to_status": "accepted"}},
            status=status,
            response_status=code,
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + timedelta(minutes=30) if status == WebhookDelivery.Status.PENDING else None,
        )


def test_webhooks_page_at_desk_and_phone_width(browser, live_server, agent):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    delivery_log(agent)
    # bypass_csp: the page's policy would refuse the injected axe-core script.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, "agent", PASSWORD, tab="institution")
    page.goto("/agents/")
    page.get_by_test_id("webhooks-link").click()
    page.locator("[name=url]").fill("https://ci.example.com/hooks/ruanzhu")
    page.locator("[name=description]").fill("持续集成")
    page.get_by_test_id("webhook-form").get_by_role("button").click()
    secret = page.get_by_test_id("webhook-secret")
    expect(secret).to_be_visible()
    assert secret.input_value().startswith("whsec_")
    wrong = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SCREENSHOTS / f"agent-webhooks-page-{width}.png", full_page=True)
        wrong += [f"@{width}px: {finding}" for finding in findings(page)]
    page.goto("/webhooks/")
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    expect(page.get_by_test_id("webhook-endpoints")).to_contain_text("https://ci.example.com/hooks/ruanzhu")
    page.locator("[name=url]").fill("http://ci.example.com/hooks")
    page.get_by_test_id("webhook-form").get_by_role("button").click()
    expect(page.get_by_test_id("error-url")).to_have_text("推送地址必须以 https:// 开头。")
    context.close()
    assert wrong == [], "\n".join(wrong)
