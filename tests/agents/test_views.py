import datetime
import functools
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.core.files import read_private_file
from ruanzhu.filings.models import Filing
from ruanzhu.filings.states import Status as FilingStatus
from tests.agents.conftest import mandate_for

DAY = datetime.timedelta(days=1)


@functools.cache
def signed_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def photo_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (240, 240, 230)).save(buffer, "JPEG", exif=b"Exif\x00\x00secret-gps")
    return buffer.getvalue()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def follow_messages(client, response) -> list[str]:
    assert response.status_code == 302
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


def form_data(**overrides):
    today = datetime.date.today()
    data = {
        "client": "alice",
        "services": ["R11", "R21"],
        "start_date": today.isoformat(),
        "end_date": (today + 365 * DAY).isoformat(),
        "description": "代为办理软件著作权登记及变更",
    }
    data.update(overrides)
    return data


# --- Needs login, wrong method, 404 for others --------------------------------------------------------------------

MANDATE_GET = ("agents:mandate_detail", "agents:letter", "agents:signed_letter")
MANDATE_POST = ("agents:accept", "agents:decline", "agents:revoke", "agents:upload_letter")


def test_every_page_needs_login(client, agent, alice):
    mandate = mandate_for(agent, alice)
    urls = [reverse("agents:dashboard"), reverse("agents:propose"), reverse("agents:mandates")]
    urls += [reverse(name, args=[mandate.pk]) for name in MANDATE_GET + MANDATE_POST]
    for url in urls:
        response = (
            client.post(url)
            if any(url == reverse(n, args=[mandate.pk]) for n in MANDATE_POST)
            else client.get(url)
        )
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED


def test_wrong_methods_are_refused(client, agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    client.force_login(agent)
    assert client.post(reverse("agents:dashboard")).status_code == 405
    assert client.put(reverse("agents:propose")).status_code == 405
    for name in MANDATE_GET:
        assert client.post(reverse(name, args=[mandate.pk])).status_code == 405, name
    client.force_login(alice)
    assert client.post(reverse("agents:mandates")).status_code == 405
    for name in MANDATE_POST:
        assert client.get(reverse(name, args=[mandate.pk])).status_code == 405, name
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PROPOSED


def test_agent_pages_are_404_for_non_agents_and_suspended_agents(client, agent, acme, alice):
    for user in (acme, alice):
        client.force_login(user)
        assert client.get(reverse("agents:dashboard")).status_code == 404
        assert client.get(reverse("agents:propose")).status_code == 404
        assert client.post(reverse("agents:propose"), form_data()).status_code == 404
    AgentProfile.objects.filter(account=agent).update(is_active=False)
    client.force_login(agent)
    assert client.get(reverse("agents:dashboard")).status_code == 404
    assert Mandate.objects.count() == 0


def test_another_persons_mandate_is_404_everywhere(client, agent, other_agent, alice, carol):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    for outsider in (carol, other_agent):
        client.force_login(outsider)
        for name in MANDATE_GET:
            assert client.get(reverse(name, args=[mandate.pk])).status_code == 404, name
        for name in MANDATE_POST:
            assert client.post(reverse(name, args=[mandate.pk])).status_code == 404, name
        assert f"mandate-{mandate.pk}" not in client.get(reverse("agents:mandates")).content.decode()
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PROPOSED
    assert mandate.events.count() == 1


# --- Agent dashboard ----------------------------------------------------------------------------------------------


def test_dashboard_lists_clients_with_state_services_and_term(client, agent, alice, bob, carol, today):
    accepted = mandate_for(agent, alice, services=("R11", "R41"))
    proposed = mandate_for(agent, bob, status=Mandate.Status.PROPOSED)
    expired = mandate_for(agent, carol, start=today - 30 * DAY, end=today - DAY)
    client.force_login(agent)
    response = client.get(reverse("agents:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "示例知识产权代理有限公司" in page
    for mandate, label in ((accepted, "生效"), (proposed, "待确认"), (expired, "已过期")):
        row = page.split(f'data-testid="mandate-{mandate.pk}"')[1].split("</tr>")[0]
        assert label in row
        assert mandate.client.display_name in row
        assert mandate.end_date.strftime("%Y-%m-%d") in row
    assert "R41" in page.split(f'data-testid="mandate-{accepted.pk}"')[1].split("</tr>")[0]


def filing(agent, applicant, status=FilingStatus.DRAFT, title="示例软件"):
    return Filing.objects.create(
        service="R11", status=status, applicant=applicant, filer=agent, agent=agent, title=title
    )


def test_dashboard_lists_the_agents_filings_filtered_by_client_and_state_with_deadlines(
    client, agent, alice, bob, examiner, today
):
    from ruanzhu.examination.models import CorrectionRound

    mandate_for(agent, alice)
    mandate_for(agent, bob)
    draft = filing(agent, alice, title="甲软件")
    corrected = filing(agent, alice, status=FilingStatus.CORRECTION, title="乙软件")
    for_bob = filing(agent, bob, title="丙软件")
    not_mine = Filing.objects.create(service="R11", applicant=alice, filer=alice, title="自己的软件")
    CorrectionRound.objects.create(
        filing=corrected, number=1, items=[], deadline=today + 30 * DAY, requested_by=examiner
    )
    client.force_login(agent)

    page = client.get(reverse("agents:dashboard")).content.decode()
    for shown in (draft, corrected, for_bob):
        assert f'data-testid="filing-{shown.pk}"' in page
    assert f'data-testid="filing-{not_mine.pk}"' not in page
    assert (today + 30 * DAY).strftime("%Y-%m-%d") in page.split(f'data-testid="deadline-{corrected.pk}"')[1]

    page = client.get(reverse("agents:dashboard"), {"client": alice.pk}).content.decode()
    assert f'data-testid="filing-{draft.pk}"' in page and f'data-testid="filing-{for_bob.pk}"' not in page

    page = client.get(reverse("agents:dashboard"), {"status": "correction"}).content.decode()
    assert f'data-testid="filing-{corrected.pk}"' in page and f'data-testid="filing-{draft.pk}"' not in page

    response = client.get(reverse("agents:dashboard"), {"status": "nonsense", "client": "x"})
    assert response.status_code == 200
    assert "筛选条件无效，已显示全部申请。" in messages_of(response)


def test_dashboard_query_count_does_not_grow_with_rows(client, agent, django_assert_max_num_queries):
    from tests.factories import UserFactory

    client.force_login(agent)
    for _ in range(8):
        someone = UserFactory()
        mandate_for(agent, someone)
        filing(agent, someone)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("agents:dashboard")).status_code == 200


# --- Proposing ----------------------------------------------------------------------------------------------------


def test_propose_page_and_proposal(client, agent, alice):
    client.force_login(agent)
    assert client.get(reverse("agents:propose")).status_code == 200
    response = client.post(reverse("agents:propose"), form_data())
    mandate = Mandate.objects.get()
    assert response["Location"] == reverse("agents:mandate_detail", args=[mandate.pk])
    assert (mandate.agent, mandate.client, mandate.status) == (agent, alice, Mandate.Status.PROPOSED)
    assert mandate.services == ["R11", "R21"]
    assert "委托已发起，等待委托人确认。" in follow_messages(client, response)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client": "nobody"}, "没有找到该委托人，请填写委托人的用户名或注册手机号。"),
        ({"client": "newcomer"}, "该委托人尚未通过实名认证，认证通过后才能接受委托。"),
        ({"client": "agent"}, "不能委托自己。"),
        ({"services": []}, "请至少选择一项委托事项。"),
        ({"services": ["R11", "R99"]}, "未知的委托事项：R99。"),
        ({"end_date": (datetime.date.today() - DAY).isoformat()}, "委托期限的结束日期必须晚于开始日期。"),
        ({"description": "说" * 181}, "委托事项说明不能超过180个字（现为181个字）。"),
        ({"start_date": "2026-02-30"}, "有效日期"),
    ],
)
def test_bad_proposals_show_a_clear_message_and_create_nothing(
    client, agent, alice, newcomer, overrides, message
):
    client.force_login(agent)
    response = client.post(reverse("agents:propose"), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Mandate.objects.count() == 0


# --- The client's page and actions --------------------------------------------------------------------------------


def test_client_sees_their_mandates_with_buttons(client, agent, other_agent, alice, bob):
    proposed = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    accepted = mandate_for(other_agent, alice, start=proposed.end_date + DAY, end=proposed.end_date + 9 * DAY)
    bobs = mandate_for(agent, bob)
    client.force_login(alice)
    page = client.get(reverse("agents:mandates")).content.decode()
    assert f'data-testid="accept-{proposed.pk}"' in page and f'data-testid="decline-{proposed.pk}"' in page
    assert f'data-testid="revoke-{proposed.pk}"' in page
    assert f'data-testid="accept-{accepted.pk}"' not in page and f'data-testid="revoke-{accepted.pk}"' in page
    assert f'data-testid="letter-{accepted.pk}"' in page
    assert f"mandate-{bobs.pk}" not in page
    assert "另一家代理有限公司" in page


def test_client_accepts_from_the_list_and_comes_back_to_it(client, agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    client.force_login(alice)
    response = client.post(reverse("agents:accept", args=[mandate.pk]), {"back": "list"})
    assert response["Location"] == reverse("agents:mandates")
    assert "已确认委托，代理机构现在可以为您办理所委托的业务。" in follow_messages(client, response)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED


def test_accepting_twice_is_refused_with_a_message(client, agent, alice):
    mandate = mandate_for(agent, alice)
    client.force_login(alice)
    response = client.post(reverse("agents:accept", args=[mandate.pk]))
    assert "只有待确认的委托可以确认。" in follow_messages(client, response)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED
    assert mandate.events.count() == 1


def test_the_agent_cannot_accept_through_the_page(client, agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    client.force_login(agent)
    response = client.post(reverse("agents:accept", args=[mandate.pk]))
    assert "只有委托人可以确认委托。" in follow_messages(client, response)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PROPOSED


def test_client_declines_a_proposal_but_not_an_accepted_mandate(client, agent, alice, today):
    proposed = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    accepted = mandate_for(agent, alice, start=proposed.end_date + DAY, end=proposed.end_date + 9 * DAY)
    client.force_login(alice)
    response = client.post(reverse("agents:decline", args=[proposed.pk]))
    assert "已拒绝委托。" in follow_messages(client, response)
    response = client.post(reverse("agents:decline", args=[accepted.pk]))
    assert "只有待确认的委托可以拒绝。" in follow_messages(client, response)
    proposed.refresh_from_db()
    accepted.refresh_from_db()
    assert proposed.status == Mandate.Status.DECLINED
    assert accepted.status == Mandate.Status.ACCEPTED


@pytest.mark.parametrize("side", ["agent", "alice"])
def test_either_side_revokes_on_the_detail_page(client, agent, alice, side):
    mandate = mandate_for(agent, alice)
    client.force_login(agent if side == "agent" else alice)
    response = client.post(reverse("agents:revoke", args=[mandate.pk]))
    assert response["Location"] == reverse("agents:mandate_detail", args=[mandate.pk])
    assert "委托已撤销。" in follow_messages(client, response)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.REVOKED
    response = client.post(reverse("agents:revoke", args=[mandate.pk]))
    assert "该委托已结束，不能撤销。" in follow_messages(client, response)


def test_revoking_someone_elses_mandate_is_404_and_changes_nothing(client, agent, alice, bob):
    mandate = mandate_for(agent, alice)
    client.force_login(bob)
    assert client.post(reverse("agents:revoke", args=[mandate.pk])).status_code == 404
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED


def test_detail_page_shows_the_mandate_and_its_history_to_both_sides(client, agent, alice):
    mandate = mandate_for(agent, alice, services=("R11", "R21"), description="代为办理两项业务")
    for user in (agent, alice):
        client.force_login(user)
        page = client.get(reverse("agents:mandate_detail", args=[mandate.pk])).content.decode()
        assert "代为办理两项业务" in page and "R21" in page and "生效" in page
        assert f'data-testid="revoke-{mandate.pk}"' in page


# --- Letters ------------------------------------------------------------------------------------------------------


def test_signed_letter_pdf_upload_and_download_by_both_sides(client, agent, alice):
    mandate = mandate_for(agent, alice)
    client.force_login(agent)
    assert client.get(reverse("agents:signed_letter", args=[mandate.pk])).status_code == 404
    upload = SimpleUploadedFile("委托书.pdf", signed_pdf(), content_type="application/pdf")
    response = client.post(reverse("agents:upload_letter", args=[mandate.pk]), {"file": upload})
    assert "委托书已上传。" in follow_messages(client, response)
    for user in (agent, alice):
        client.force_login(user)
        download = client.get(reverse("agents:signed_letter", args=[mandate.pk]))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["Cache-Control"] == "private, no-store"
        assert download.getvalue() == signed_pdf()


def test_a_photo_of_the_letter_is_stored_without_its_metadata(client, agent, alice):
    mandate = mandate_for(agent, alice)
    client.force_login(alice)
    upload = SimpleUploadedFile("photo.jpg", photo_jpeg(), content_type="image/jpeg")
    client.post(reverse("agents:upload_letter", args=[mandate.pk]), {"file": upload})
    mandate.refresh_from_db()
    assert mandate.letter_content_type == "image/jpeg"
    stored = read_private_file(mandate.letter_storage_name)
    assert stored.startswith(b"\xff\xd8") and b"secret-gps" not in stored


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "请选择要上传的文件。"),
        (b"MZ\x90\x00 not a document", "请上传jpg、png、jpeg或pdf格式。"),
    ],
)
def test_bad_letter_uploads_show_a_message_and_store_nothing(client, agent, alice, payload, message):
    mandate = mandate_for(agent, alice)
    client.force_login(agent)
    data = {} if payload is None else {"file": SimpleUploadedFile("x.pdf", payload)}
    response = client.post(reverse("agents:upload_letter", args=[mandate.pk]), data)
    assert message in follow_messages(client, response)
    mandate.refresh_from_db()
    assert mandate.letter_storage_name == ""


def test_no_upload_to_a_revoked_mandate(client, agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.REVOKED)
    client.force_login(agent)
    upload = SimpleUploadedFile("委托书.pdf", signed_pdf())
    response = client.post(reverse("agents:upload_letter", args=[mandate.pk]), {"file": upload})
    assert "该委托已结束，不能再上传委托书。" in follow_messages(client, response)
    mandate.refresh_from_db()
    assert mandate.letter_storage_name == ""


def test_agent_and_client_pages_are_in_english(client, settings, agent, alice):
    from django.utils import translation

    mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        client.force_login(agent)
        dashboard = client.get(reverse("agents:dashboard")).content.decode()
        assert "Propose a mandate" in dashboard and "Awaiting confirmation" in dashboard
        refused = client.post(reverse("agents:propose"), form_data(client="nobody")).content.decode()
        assert "Client not found" in refused
        client.force_login(alice)
        mine = client.get(reverse("agents:mandates")).content.decode()
        assert "My mandates" in mine and "Accept" in mine and "Revoke" in mine
    finally:
        translation.deactivate()
