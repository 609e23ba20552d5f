import pytest
from django.urls import reverse

CATALOG = reverse("filings:catalog")
GATE = reverse("filings:verification_required")


def test_catalog_lists_the_three_services_with_立即登记(client, db):
    page = client.get(CATALOG).content.decode()
    for title in (
        "计算机软件著作权登记申请",
        "计算机软件著作权转让或专有许可合同登记申请",
        "软件登记事项变更或补充申请",
    ):
        assert title in page
    assert page.count("立即登记") == 3


@pytest.mark.parametrize("code", ["R11", "R21", "R41"])
def test_立即登记_needs_login(client, db, code):
    response = client.get(reverse("filings:start", args=[code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("code", ["R11", "R21", "R41"])
def test_unverified_account_is_sent_to_前往实名认证(client, newcomer, code):
    client.force_login(newcomer)
    response = client.get(reverse("filings:start", args=[code]))
    assert response.status_code == 302
    assert response["Location"] == GATE
    assert "前往实名认证" in client.get(GATE).content.decode()


def test_pending_verification_is_told_to_wait(client, newcomer):
    newcomer.identity_status = "pending"
    newcomer.save()
    client.force_login(newcomer)
    page = client.get(GATE).content.decode()
    assert "您已提交实名认证申请，我们将在1-3个工作日内审核。" in page


def test_verified_account_passes_the_gate(client, alice):
    client.force_login(alice)
    response = client.get(reverse("filings:start", args=["R11"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "计算机软件著作权登记申请" in page
    assert 'data-testid="wizard-step-role"' in page  # the wizard's first step, 申请方式


def test_unknown_service_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("filings:start", args=["R99"])).status_code == 404


def test_gate_page_needs_login(client, db):
    assert client.get(GATE).status_code == 302


def test_catalog_refuses_post(client, db):
    assert client.post(CATALOG).status_code == 405
