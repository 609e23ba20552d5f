import pytest
from django.urls import reverse

from ruanzhu.identity.models import Verification

WIZARD_PAGES = (
    "identity:start",
    "identity:step1",
    "identity:step2",
    "identity:step3",
    "identity:status",
    "identity:authorization_letter",
)


@pytest.mark.parametrize("account", ["applicant", "institution"])
def test_visiting_the_wizard_opens_no_round(client, request, account):
    user = request.getfixturevalue(account)
    client.force_login(user)
    for name in WIZARD_PAGES:
        assert client.get(reverse(name)).status_code in (200, 302), name
    assert client.get(reverse("identity:slot_row", args=["id_front"])).status_code == 404
    assert not Verification.objects.filter(account=user).exists()


def test_first_step_shows_the_account_kind_before_anything_is_saved(client, institution):
    client.force_login(institution)
    assert client.get(reverse("identity:start"))["Location"] == reverse("identity:step1")
    page = client.get(reverse("identity:step1")).content.decode()
    assert "账户类型：机构" in page
    assert not Verification.objects.filter(account=institution).exists()


def test_the_round_is_opened_by_the_first_step_posted(client, applicant):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    verification = Verification.objects.get(account=applicant)
    assert verification.status == Verification.Status.DRAFT and verification.step == 1
    assert verification.kind == Verification.Kind.INDIVIDUAL


def test_an_invalid_first_step_opens_no_round(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("identity:step1"), {"nationality": "", "id_type": ""})
    assert response.status_code == 400
    assert not Verification.objects.filter(account=applicant).exists()
