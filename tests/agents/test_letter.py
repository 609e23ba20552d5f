import io

from django.urls import reverse
from pypdf import PdfReader

from tests.agents.conftest import mandate_for
from tests.conftest import AGENT_CREDIT_CODE, ALICE_ID
from tests.factories import VerificationFactory


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return "".join("".join(page.extract_text() for page in pages).split())


def test_the_letter_names_both_parties_the_services_and_the_term(client, agent, alice):
    VerificationFactory(account=alice, real_name="李小华", id_number=ALICE_ID, city="海淀区")
    mandate = mandate_for(agent, alice, services=("R11", "R41"))
    client.force_login(alice)
    response = client.get(reverse("agents:letter", args=[mandate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    for expected in (
        "委托书",
        "李小华",
        ALICE_ID,  # the client signs their own copy: the number in full
        "北京市海淀区",
        "示例知识产权代理有限公司",
        "北京市海淀区知春路1号",
        "100083",
        "钱经办",
        "计算机软件著作权登记申请（R11）",
        "软件登记事项变更或补充申请（R41）",
        f"{mandate.start_date.year}年{mandate.start_date.month}月{mandate.start_date.day}日至",
        f"{mandate.end_date.year}年{mandate.end_date.month}月{mandate.end_date.day}日",
    ):
        assert expected in text, expected
    assert "R21" not in text


def test_the_agents_copy_masks_a_persons_id_number(client, agent, alice):
    VerificationFactory(account=alice, real_name="李小华", id_number=ALICE_ID, city="海淀区")
    mandate = mandate_for(agent, alice)
    client.force_login(agent)
    text = pdf_text(client.get(reverse("agents:letter", args=[mandate.pk])).content)
    assert "李小华" in text
    assert ALICE_ID not in text
    assert ALICE_ID[:3] in text and ALICE_ID[-4:] in text


def test_an_institution_client_is_named_with_its_credit_code(client, agent, acme):
    VerificationFactory(
        institution=True,
        account=acme,
        institution_name="示例科技有限公司",
        credit_code="91110000600037341L",
        address="上海市浦东新区1号",
    )
    mandate = mandate_for(agent, acme, services=("R21",))
    client.force_login(agent)
    text = pdf_text(client.get(reverse("agents:letter", args=[mandate.pk])).content)
    for expected in (
        "示例科技有限公司",
        "统一社会信用代码",
        "91110000600037341L",
        "上海市浦东新区1号",
        "（R21）",
    ):
        assert expected in text, expected
    assert AGENT_CREDIT_CODE not in text
