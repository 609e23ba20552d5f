"""The 事件推送 page: endpoints of one's own only, addresses checked, the secret shown once."""

import pytest
from django.test import TestCase
from django.urls import reverse

from ruanzhu.accounts.models import User
from ruanzhu.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import staff_session
from tests.webhooks.conftest import change_status, endpoint_for

pytestmark = pytest.mark.django_db

PAGE = reverse("webhooks:page")
CREATE = reverse("webhooks:endpoint_create")
ACTIONS = ("endpoint_disable", "endpoint_enable", "endpoint_rotate", "endpoint_delete")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def test_the_page_needs_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_staff_get_no_page(client, examiner):
    staff_session(client, examiner)
    assert client.get(PAGE).status_code == 404


def test_the_agent_dashboard_links_to_the_page(agent_client):
    assert PAGE in agent_client.get(reverse("agents:dashboard")).content.decode()


def test_the_page_lists_own_endpoints_only(agent_client, agent, other_agent):
    mine = endpoint_for(agent, "https://hooks.example.com/mine", description="生产环境")
    theirs = endpoint_for(other_agent, "https://hooks.example.com/theirs")
    page = agent_client.get(PAGE).content.decode()
    assert mine.url in page and "生产环境" in page
    assert theirs.url not in page
    # The secret is never on the page after it was shown once.
    assert mine.secret not in page


def test_registering_an_address_shows_its_secret_once(agent_client, agent):
    response = agent_client.post(CREATE, {"url": "https://hooks.example.com/ruanzhu", "description": "测试"})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(owner=agent)
    assert endpoint.url == "https://hooks.example.com/ruanzhu" and endpoint.is_active
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert endpoint.secret not in agent_client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "请填写推送地址。"),
        ("http://hooks.example.com/ruanzhu", "推送地址必须以 https:// 开头。"),
        ("ftp://hooks.example.com/ruanzhu", "推送地址必须以 https:// 开头。"),
        ("javascript:alert(1)", "推送地址必须以 https:// 开头。"),
        ("hooks.example.com/ruanzhu", "推送地址必须以 https:// 开头。"),
        ("https://user:secret@hooks.example.com/ruanzhu", "推送地址中不能包含用户名或密码。"),
        ("https://:443/ruanzhu", "推送地址缺少主机名。"),
        ("https://hooks.example.com:99999/", "推送地址格式不正确。"),
        ("https://hooks.example.com/a#b", "推送地址不能包含“#”及其后的部分。"),
        ("https://127.0.0.1/hook", "推送地址必须是公网地址，不能指向本机或内部网络。"),
        ("https://10.0.0.8/hook", "推送地址必须是公网地址，不能指向本机或内部网络。"),
        ("https://169.254.169.254/latest", "推送地址必须是公网地址，不能指向本机或内部网络。"),
        ("https://[fd00::1]/hook", "推送地址必须是公网地址，不能指向本机或内部网络。"),
        ("https://localhost/hook", "推送地址必须是公网地址，不能指向本机或内部网络。"),
        ("https://hooks.example.com/" + "a" * 500, "推送地址不能超过500个字符。"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_saved(agent_client, url, message):
    response = agent_client.post(CREATE, {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_same_address_twice_is_refused(agent_client, agent):
    endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    response = agent_client.post(CREATE, {"url": "https://hooks.example.com/ruanzhu"})
    assert response.status_code == 400 and "该推送地址已经登记过。" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_the_number_of_addresses_is_capped(agent_client, agent, settings):
    settings.WEBHOOK_ENDPOINTS_PER_ACCOUNT = 2
    endpoint_for(agent, "https://hooks.example.com/1")
    endpoint_for(agent, "https://hooks.example.com/2")
    response = agent_client.post(CREATE, {"url": "https://hooks.example.com/3"})
    assert response.status_code == 400 and "每个账户最多登记2个推送地址。" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 2


def test_an_applicant_may_register_too(client, verified_alice):
    client.force_login(verified_alice)
    assert client.post(CREATE, {"url": "https://hooks.example.com/alice"}).status_code == 200
    assert WebhookEndpoint.objects.get().owner == verified_alice


def test_disable_enable_rotate_and_delete(agent_client, agent):
    endpoint = endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    secret = endpoint.secret

    assert agent_client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk])).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active

    assert agent_client.post(reverse("webhooks:endpoint_enable", args=[endpoint.pk])).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active

    response = agent_client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != secret and endpoint.secret_rotated_at is not None
    assert endpoint.secret in response.content.decode() and response["Cache-Control"] == "no-store"

    assert agent_client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 302
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_another_accounts_endpoint_is_not_found(client, other_agent, agent, action):
    endpoint = endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    client.force_login(other_agent)
    assert client.post(reverse(f"webhooks:{action}", args=[endpoint.pk])).status_code == 404
    after = WebhookEndpoint.objects.get()
    assert (after.secret, after.is_active) == (endpoint.secret, endpoint.is_active)


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_refuse_get(agent_client, agent, action):
    endpoint = endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    assert agent_client.get(reverse(f"webhooks:{action}", args=[endpoint.pk])).status_code == 405
    assert WebhookEndpoint.objects.get().is_active


def failed_delivery(agent, agent_filing) -> WebhookDelivery:
    endpoint_for(agent, "https://192.0.2.1/ruanzhu")  # a documentation address: refused, never reached
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.FAILED)
    return delivery


def test_the_log_shows_deliveries_and_resend_queues_a_new_one(agent_client, agent, agent_filing):
    delivery = failed_delivery(agent, agent_filing)
    page = agent_client.get(PAGE).content.decode()
    assert f'data-testid="webhook-delivery-{delivery.pk}"' in page
    assert "推送地址必须是公网地址" in page and "失败" in page

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = agent_client.post(reverse("webhooks:delivery_resend", args=[delivery.pk]))
    assert response.status_code == 302
    copy = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert copy.event_id == delivery.event_id and copy.attempts == 1


def test_a_pending_delivery_is_not_resent(agent_client, agent, agent_filing):
    delivery = failed_delivery(agent, agent_filing)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.PENDING)
    response = agent_client.post(reverse("webhooks:delivery_resend", args=[delivery.pk]), follow=True)
    assert "该事件正在发送，请等待结果后再重新发送。" in response.content.decode()
    assert WebhookDelivery.objects.count() == 1


def test_a_delivery_to_a_disabled_endpoint_is_not_resent(agent_client, agent, agent_filing):
    delivery = failed_delivery(agent, agent_filing)
    WebhookEndpoint.objects.update(is_active=False)
    response = agent_client.post(reverse("webhooks:delivery_resend", args=[delivery.pk]), follow=True)
    assert "推送地址已停用，请先启用。" in response.content.decode()
    assert WebhookDelivery.objects.count() == 1


def test_another_accounts_delivery_is_not_resent(client, other_agent, agent, agent_filing):
    delivery = failed_delivery(agent, agent_filing)
    client.force_login(other_agent)
    assert client.post(reverse("webhooks:delivery_resend", args=[delivery.pk])).status_code == 404
    assert WebhookDelivery.objects.count() == 1


def test_the_page_takes_the_same_queries_however_long_the_log(
    agent_client, agent, agent_filing, django_assert_max_num_queries
):
    delivery = failed_delivery(agent, agent_filing)
    for _ in range(20):
        delivery.pk = None
        delivery.save()
    with django_assert_max_num_queries(8):
        agent_client.get(PAGE)


def test_the_admin_lists_deliveries_read_only_without_secrets(client, agent, agent_filing):
    delivery = failed_delivery(agent, agent_filing)
    superuser = User.objects.create_superuser(username="root", password="x", is_staff=True)
    staff_session(client, superuser)
    changelist = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert changelist.status_code == 200 and "192.0.2.1" in changelist.content.decode()
    page = client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert delivery.endpoint.secret not in page.content.decode()
    assert (
        client.post(reverse("admin:webhooks_webhookdelivery_delete", args=[delivery.pk])).status_code == 403
    )
