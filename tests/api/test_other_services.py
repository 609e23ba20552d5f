"""R21 (transfer or licence contract) and R41 (change or supplement) through the API, as through their pages.

R41's rows of changes are fields its form adds when built: the API takes them as the page does.

Both name a registered work; only its owners of record, by their verified identity, may file about it. A
stranger whose verified name is the owner's name is refused as on the page, and nothing is created.
"""

import pytest

from ruanzhu.filings.models import Filing
from tests.api.conftest import problem
from tests.factories import VerificationFactory


def contract(number: str) -> dict:
    return {
        "registration_number": number,
        "software_name": "智慧园区管理平台",
        "version": "V1.0",
        "contract_type": "transfer",
        "rights_scope": "all",
        "territory": "中国大陆",
        "effective_date": "2026-11-01",
    }


def change(number: str) -> dict:
    return {
        "registration_type": "R11",
        "registration_number": number,
        "change_kind": "change",
        "reason": "公司统一产品命名",
        "item_1": "software_name",
        "before_1": "智慧园区管理平台",
        "after_1": "智慧园区综合管理平台",
    }


FIELDS = {"R21": contract, "R41": change}


@pytest.mark.parametrize("service", ["R21", "R41"])
def test_the_owner_of_record_starts_a_draft_about_its_work(api, verified_alice, work, service):
    response = api(verified_alice).post(
        "/filings", {"service": service, "fields": FIELDS[service](work.registration_number)}
    )
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    filing = Filing.objects.get(pk=body["id"])
    assert (body["service"], filing.service, filing.applicant) == (service, service, verified_alice)
    assert filing.details["registration_number"] == work.registration_number
    assert api(verified_alice).get(f"/filings/{filing.pk}").json()["service"] == service


@pytest.mark.parametrize("service", ["R21", "R41"])
def test_a_stranger_with_the_owners_name_is_refused_and_nothing_is_created(api, carol, work, service):
    VerificationFactory(account=carol, real_name="李爱丽", id_number="11010519491231002X")
    response = api(carol).post(
        "/filings", {"service": service, "fields": FIELDS[service](work.registration_number)}
    )
    detail = problem(response, 409, "action_refused")["detail"]
    assert f"只有登记号{work.registration_number}的著作权人" in detail and "不以名称核对" in detail
    assert not Filing.objects.exists()
