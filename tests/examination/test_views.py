import datetime

import pytest
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from ruanzhu.core.files import read_private_file
from ruanzhu.core.models import AuditEntry, ReasonCode
from ruanzhu.core.review import item_claim
from ruanzhu.examination import services
from ruanzhu.examination.models import Certificate, CorrectionRound
from ruanzhu.filings.services.issue import form_confirm_in_account
from ruanzhu.filings.states import Status
from ruanzhu.notifications.models import Notification
from ruanzhu.registry.models import Registration
from tests.examination.checklist import every_point
from tests.factories import staff_session


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name, filing=None, *args):
    return reverse(f"examination:{name}", args=[filing.pk, *args] if filing else args)


@pytest.fixture
def claimed(submitted_filing, examiner):
    return item_claim(item=submitted_filing, by=examiner)


@pytest.fixture
def examining(claimed, examiner):
    filing = services.filing_accept(filing=claimed, by=examiner)
    return services.examination_start(filing=filing, by=examiner)


@pytest.fixture
def in_correction(examining, examiner):
    services.correction_request(
        filing=examining,
        by=examiner,
        items=[
            services.CorrectionItem("field:purpose", "开发目的过于笼统"),
            services.CorrectionItem("document:document_deposit", "文档页眉与软件名称不一致"),
        ],
        note="请于期限内补正",
    )
    examining.refresh_from_db()
    return examining


def applicant_url(name, filing):
    return reverse(f"examination_applicant:{name}", args=[filing.pk])


STAFF_GETS = ["queue", "dashboard", "detail", "document"]


def staff_get_url(name, filing):
    if name in ("queue", "dashboard"):
        return url(name)
    if name == "document":
        return url(name, filing, "program_deposit")
    return url(name, filing)


# --- Who may come in -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STAFF_GETS)
def test_staff_pages_work_for_an_examiner(examiner_client, submitted_filing, name):
    response = examiner_client.get(staff_get_url(name, submitted_filing))
    assert response.status_code == 200


@pytest.mark.parametrize("name", STAFF_GETS)
def test_staff_pages_need_login(client, submitted_filing, name):
    response = client.get(staff_get_url(name, submitted_filing))
    assert response.status_code == 302 and reverse("accounts:staff_login") in response.url


@pytest.mark.parametrize("name", STAFF_GETS)
def test_staff_pages_need_the_second_factor(client, examiner, submitted_filing, name):
    client.force_login(examiner)
    response = client.get(staff_get_url(name, submitted_filing))
    assert response.status_code == 302 and reverse("accounts:staff_login") in response.url


@pytest.mark.parametrize("name", STAFF_GETS)
def test_identity_reviewer_gets_404(client, submitted_filing, name, reviewer):
    staff_session(client, reviewer)
    assert client.get(staff_get_url(name, submitted_filing)).status_code == 404


@pytest.mark.parametrize("name", STAFF_GETS)
def test_applicant_gets_404_on_staff_pages(client, submitted_filing, verified_alice, name):
    client.force_login(verified_alice)
    assert client.get(staff_get_url(name, submitted_filing)).status_code == 404


def test_applicant_cannot_act_as_examiner(client, submitted_filing, verified_alice):
    client.force_login(verified_alice)
    assert client.post(url("claim", submitted_filing)).status_code == 404
    submitted_filing.refresh_from_db()
    assert submitted_filing.claimed_by is None


@pytest.mark.parametrize(
    "name",
    ["claim", "release", "accept", "reject_acceptance", "start", "request_correction", "register", "refuse"],
)
def test_actions_refuse_get(examiner_client, submitted_filing, name):
    assert examiner_client.get(url(name, submitted_filing)).status_code == 405


def test_pages_refuse_post(examiner_client, submitted_filing):
    assert examiner_client.post(url("queue")).status_code == 405
    assert examiner_client.post(url("detail", submitted_filing)).status_code == 405
    assert examiner_client.post(url("dashboard")).status_code == 405


def test_draft_is_not_shown_to_examiners(examiner_client, verified_alice):
    from ruanzhu.filings.services.drafts import filing_create

    draft = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    assert examiner_client.get(url("detail", draft)).status_code == 404


# --- The examination page ------------------------------------------------------------------------------------------
def test_detail_shows_details_owners_masked_documents_and_history(examiner_client, submitted_filing):
    response = examiner_client.get(url("detail", submitted_filing))
    page = response.content.decode()
    assert "智慧园区管理平台" in page and "软件功能与特点" in page and "园区数字化管理" in page
    assert "李爱丽" in page and "鲍勃" in page
    assert "110105199003070017" not in page and "110***********0017" in page
    assert url("document", submitted_filing, "program_deposit") in page
    assert "待受理" in page  # the event of the submission


def test_document_download_is_streamed_and_audited(examiner_client, submitted_filing, examiner):
    response = examiner_client.get(url("document", submitted_filing, "program_deposit"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.getvalue().startswith(b"%PDF")
    entry = AuditEntry.objects.get(actor=examiner)
    assert entry.action == AuditEntry.Action.EXPORT_DATA and entry.field_label == "程序鉴别材料"
    assert entry.target_object_id == str(submitted_filing.pk)


def test_unknown_document_is_404(examiner_client, submitted_filing):
    assert examiner_client.get(url("document", submitted_filing, "nothing")).status_code == 404
    assert not AuditEntry.objects.exists()


# --- Claims --------------------------------------------------------------------------------------------------------
def test_claim_and_release(examiner_client, submitted_filing, examiner):
    examiner_client.post(url("claim", submitted_filing))
    submitted_filing.refresh_from_db()
    assert submitted_filing.claimed_by == examiner
    examiner_client.post(url("release", submitted_filing))
    submitted_filing.refresh_from_db()
    assert submitted_filing.claimed_by is None


def test_claim_keeps_a_second_examiner_off(client, claimed, second_examiner, examiner):
    staff_session(client, second_examiner)
    page = client.get(url("detail", claimed)).content.decode()
    assert "examiner 正在处理" in page and 'data-testid="claim"' not in page
    response = client.post(url("claim", claimed))
    assert "该事项已由其他工作人员领取。" in texts(response)
    response = client.post(url("accept", claimed))
    assert "请先领取该事项。" in texts(response)
    response = client.post(url("release", claimed))
    assert "只能退回自己领取的事项。" in texts(response)
    claimed.refresh_from_db()
    assert claimed.claimed_by == examiner and claimed.status == Status.SUBMITTED


def test_action_without_claim_is_refused(examiner_client, submitted_filing):
    response = examiner_client.post(url("accept", submitted_filing))
    assert "请先领取该事项。" in texts(response)
    submitted_filing.refresh_from_db()
    assert submitted_filing.status == Status.SUBMITTED


# --- Acceptance ----------------------------------------------------------------------------------------------------
def test_accept_and_start(examiner_client, claimed):
    response = examiner_client.post(url("accept", claimed))
    assert response.status_code == 302 and "已受理。" in texts(response)
    claimed.refresh_from_db()
    assert claimed.status == Status.ACCEPTED
    examiner_client.post(url("start", claimed))
    claimed.refresh_from_db()
    assert claimed.status == Status.EXAMINING


def test_action_in_the_wrong_state_is_refused(examiner_client, claimed):
    response = examiner_client.post(url("register", claimed))
    assert "当前状态下不能进行此操作。" in texts(response)
    claimed.refresh_from_db()
    assert claimed.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "请说明不予受理的理由。"), ("   ", "请说明不予受理的理由。"), ("理" * 501, "500")],
)
def test_reject_acceptance_needs_a_reason(examiner_client, claimed, reason, message):
    response = examiner_client.post(url("reject_acceptance", claimed), {"reason": reason})
    assert any(message in text for text in texts(response))
    claimed.refresh_from_db()
    assert claimed.status == Status.SUBMITTED


def test_reject_acceptance(examiner_client, claimed):
    examiner_client.post(url("reject_acceptance", claimed), {"reason": "重复申请"})
    claimed.refresh_from_db()
    assert claimed.status == Status.NOT_ACCEPTED
    assert claimed.events.last().note == "重复申请"


# --- Correction ----------------------------------------------------------------------------------------------------
def test_correction_form_lists_the_targets(examiner_client, examining):
    page = examiner_client.get(url("detail", examining)).content.decode()
    assert 'value="field:purpose"' in page and 'value="document:program_deposit"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请至少列出一项补正事项并说明问题。"),
        ({"targets": ["field:nothing"], "message:field:nothing": "x"}, "补正事项无效。"),
        ({"targets": ["field:purpose"]}, "请说明“软件功能与特点 · 开发目的”的问题。"),
        ({"targets": ["field:purpose"], "message:field:purpose": "问" * 301}, "300"),
        ({"targets": ["field:purpose"], "message:field:purpose": "太笼统", "note": "意" * 1001}, "1000"),
    ],
)
def test_bad_correction_request_changes_nothing(examiner_client, examining, data, message):
    response = examiner_client.post(url("request_correction", examining), data)
    assert any(message in text for text in texts(response)), texts(response)
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING and not CorrectionRound.objects.exists()


def test_correction_request(examiner_client, examining):
    examiner_client.post(
        url("request_correction", examining),
        {
            "targets": ["field:purpose", "document:program_deposit"],
            "message:field:purpose": "开发目的过于笼统",
            "message:document:program_deposit": "页眉有误",
            "message:field:version": "unticked: ignored",
            "note": "请补正",
        },
    )
    examining.refresh_from_db()
    assert examining.status == Status.CORRECTION
    correction = CorrectionRound.objects.get(filing=examining)
    assert [item["target"] for item in correction.items] == ["field:purpose", "document:program_deposit"]
    assert correction.note == "请补正"


# --- Decisions -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ground", ["", "unknown"])
def test_refuse_needs_a_known_ground(examiner_client, examining, ground):
    response = examiner_client.post(url("refuse", examining), {"ground": ground, "note": "x"})
    assert "请选择不予登记的理由。" in texts(response)
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING


def test_refuse(examiner_client, examining):
    examiner_client.post(url("refuse", examining), {"ground": "dispute", "note": "双方均主张权利"})
    examining.refresh_from_db()
    assert examining.status == Status.REFUSED
    assert examining.events.last().note == "存在权属争议：双方均主张权利"
    body = Notification.objects.filter(title="不予登记通知").latest("id").body
    assert body.endswith(
        "不予登记：" + ReasonCode.objects.get(queue="examination", code="dispute").clause + "。"
    )
    assert "。。" not in body


def test_register_shows_the_numbers(examiner_client, examining):
    response = examiner_client.post(
        url("register", examining), {"checklist": every_point(examining)}, follow=True
    )
    examining.refresh_from_db()
    assert examining.status == Status.REGISTERED
    assert examining.certificate.registration.registration_number in response.content.decode()


def test_the_page_lists_the_checklist_of_the_service(examiner_client, examining):
    page = examiner_client.get(url("detail", examining)).content.decode()
    for key in every_point(examining):
        assert f'data-testid="checklist-{key}"' in page


@pytest.mark.parametrize("ticked", [0, 1, 2])
def test_register_is_refused_until_every_point_is_ticked(examiner_client, examining, ticked):
    points = every_point(examining)
    response = examiner_client.post(url("register", examining), {"checklist": points[:ticked]}, follow=True)
    assert any("请逐项核对审查要点后再准予登记" in text for text in texts(response))
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING
    assert not Registration.objects.exists() and not Certificate.objects.exists()
    assert not examining.events.filter(to_status=Status.REGISTERED).exists()


# --- The applicant's correction page -------------------------------------------------------------------------------
def test_correction_page_shows_items_and_only_the_listed_fields(client, in_correction, verified_alice):
    client.force_login(verified_alice)
    page = client.get(applicant_url("correction", in_correction)).content.decode()
    assert "开发目的过于笼统" in page and "请于期限内补正" in page
    assert 'name="purpose"' in page and 'value="园区数字化管理"' in page
    assert 'name="document_document_deposit"' in page
    assert 'name="full_name"' not in page


def test_correction_page_needs_login(client, in_correction):
    response = client.get(applicant_url("correction", in_correction))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_correction_page_is_404_for_another_applicant_and_staff(in_correction, carol, examiner_client):
    assert examiner_client.get(applicant_url("correction", in_correction)).status_code == 404
    client = Client()
    client.force_login(carol)
    assert client.get(applicant_url("correction", in_correction)).status_code == 404
    assert client.post(applicant_url("correction", in_correction), {"purpose": "x"}).status_code == 404


def test_correction_page_refuses_other_methods(client, in_correction, verified_alice):
    client.force_login(verified_alice)
    assert client.put(applicant_url("correction", in_correction)).status_code == 405


def test_co_owner_reads_but_cannot_submit(client, in_correction, verified_bob):
    client.force_login(verified_bob)
    page = client.get(applicant_url("correction", in_correction)).content.decode()
    assert "开发目的过于笼统" in page and 'data-testid="correction-form"' not in page
    response = client.post(applicant_url("correction", in_correction), {"purpose": "新的开发目的"})
    assert "只有填报人或申请人可以提交补正。" in texts(response)
    in_correction.refresh_from_db()
    assert in_correction.status == Status.CORRECTION and in_correction.details["purpose"] == "园区数字化管理"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"purpose": "新的开发目的", "full_name": "别的名字"}, "只能修改审查员要求补正的事项。"),
        ({"purpose": "目" * 51}, "开发目的"),
        ({"purpose": ""}, "开发目的"),
    ],
)
def test_bad_correction_changes_nothing(client, in_correction, verified_alice, data, message):
    client.force_login(verified_alice)
    response = client.post(applicant_url("correction", in_correction), data)
    assert response.status_code == 200
    assert any(message in text for text in texts(response)), texts(response)
    in_correction.refresh_from_db()
    assert in_correction.status == Status.CORRECTION
    assert in_correction.details["purpose"] == "园区数字化管理" and in_correction.title == "智慧园区管理平台"


def test_correction_of_an_unlisted_document_is_refused(client, in_correction, verified_alice, deposits):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(verified_alice)
    response = client.post(
        applicant_url("correction", in_correction),
        {
            "purpose": "新的开发目的",
            "document_program_deposit": SimpleUploadedFile("p.pdf", deposits["program"]),
        },
    )
    assert "只能修改审查员要求补正的事项。" in texts(response)
    in_correction.refresh_from_db()
    assert in_correction.status == Status.CORRECTION


def test_correction_is_submitted_and_the_examiner_sees_the_diff(
    in_correction, verified_alice, deposits, examiner_client, settings
):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"  # the codes of the new version follow the form's at once
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(verified_alice)
    first_upload = in_correction.documents.get(kind="document_deposit").uploaded_at
    response = client.post(
        applicant_url("correction", in_correction),
        {
            "purpose": "园区访客与能耗管理",
            "document_document_deposit": SimpleUploadedFile("manual-v2.pdf", deposits["document"]),
        },
    )
    # The corrected content is a new form version, to be confirmed by both owners and signed anew
    # before the correction counts (it used to count at once).
    assert response.status_code == 302 and any("补正尚未提交" in text for text in texts(response))
    in_correction.refresh_from_db()
    assert in_correction.status == Status.CORRECTION
    # The replaced document carries the time it was replaced, not the first upload's.
    assert in_correction.documents.get(kind="document_deposit").uploaded_at > first_upload
    for owner in in_correction.parties.select_related("account"):
        form_confirm_in_account(filing=in_correction, account=owner.account)
    in_correction.refresh_from_db()  # the form of version 2, rendered once both confirmed
    response = client.post(
        applicant_url("correction_signature_page", in_correction),
        {"file": SimpleUploadedFile("signed-v2.pdf", read_private_file(in_correction.form_storage_name))},
    )
    assert "签章页已上传，补正已提交，等待审查员审查。" in texts(response)
    in_correction.refresh_from_db()
    assert in_correction.status == Status.EXAMINING
    assert in_correction.details["purpose"] == "园区访客与能耗管理"
    page = examiner_client.get(url("detail", in_correction)).content.decode()
    assert 'data-testid="diff-1"' in page and "园区访客与能耗管理" in page and "manual-v2.pdf" in page
    queue = examiner_client.get(url("queue") + "?tab=answered").content.decode()
    assert f'data-testid="queue-row-{in_correction.pk}"' in queue


def test_correction_after_the_deadline_says_so(client, in_correction, verified_alice):
    CorrectionRound.objects.filter(filing=in_correction).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(verified_alice)
    page = client.get(applicant_url("correction", in_correction)).content.decode()
    assert "已过" in page and 'data-testid="correction-form"' not in page
    response = client.post(applicant_url("correction", in_correction), {"purpose": "新的开发目的"})
    assert "补正期限已过。" in texts(response)
    in_correction.refresh_from_db()
    assert in_correction.status == Status.CORRECTION


def test_correction_page_without_a_correction(client, submitted_filing, verified_alice):
    client.force_login(verified_alice)
    assert (
        "该申请当前不需要补正。" in client.get(applicant_url("correction", submitted_filing)).content.decode()
    )
    response = client.post(applicant_url("correction", submitted_filing), {"purpose": "x"})
    assert "该申请当前不需要补正。" in texts(response)


# --- Certificate ---------------------------------------------------------------------------------------------------
@pytest.fixture
def registered(examining, examiner):
    return services.filing_register(filing=examining, by=examiner, checked=every_point(examining))


def test_owners_download_the_certificate(client, registered, verified_alice, verified_bob):
    for owner in (verified_alice, verified_bob):
        client.force_login(owner)
        response = client.get(applicant_url("certificate", registered))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert response["Content-Type"] == "application/pdf"


def test_certificate_is_404_for_others(registered, carol, examiner_client):
    client = Client()
    assert client.get(applicant_url("certificate", registered)).status_code == 302
    client.force_login(carol)
    assert client.get(applicant_url("certificate", registered)).status_code == 404
    assert examiner_client.get(applicant_url("certificate", registered)).status_code == 404


def test_no_certificate_before_registration(client, submitted_filing, verified_alice):
    client.force_login(verified_alice)
    assert client.get(applicant_url("certificate", submitted_filing)).status_code == 404
    assert client.post(applicant_url("certificate", submitted_filing)).status_code == 405


# --- The panel for the filing page and the workbench ---------------------------------------------------------------
def render_panel(user, filing) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load examination %}{% examination_panel filing %}")
    return template.render(Context({"request": request, "filing": filing}))


def test_panel_links_the_correction_and_the_certificate(
    in_correction, verified_alice, verified_bob, examiner, settings
):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"  # the codes of the new version follow the form's at once
    html = render_panel(verified_alice, in_correction)
    assert applicant_url("correction", in_correction) in html and "去补正" in html
    assert "查看补正要求" in render_panel(verified_bob, in_correction)
    in_correction.refresh_from_db()
    services.correction_submit(
        filing=in_correction, by=verified_alice, fields={"purpose": "新目的"}, documents={}
    )
    in_correction.refresh_from_db()
    # The corrected content is a new version: both owners confirm it and its signature page is signed anew.
    for owner in (verified_alice, verified_bob):
        form_confirm_in_account(filing=in_correction, account=owner)
    in_correction.refresh_from_db()  # the form of version 2, rendered once both confirmed
    services.correction_signature_page_upload(
        filing=in_correction,
        by=verified_alice,
        data=read_private_file(in_correction.form_storage_name),
        filename="signed-v2.pdf",
    )
    in_correction.refresh_from_db()
    services.filing_register(filing=in_correction, by=examiner, checked=every_point(in_correction))
    in_correction.refresh_from_db()
    html = render_panel(verified_bob, in_correction)
    assert applicant_url("certificate", in_correction) in html


def test_workbench_shows_the_examination_card(examiner_client, submitted_filing):
    page = examiner_client.get(reverse("staff:home")).content.decode()
    assert 'data-testid="examination-queue-summary"' in page and "待受理 1 件" in page


def test_workbench_hides_the_card_from_an_identity_reviewer(client, reviewer):
    staff_session(client, reviewer)
    page = client.get(reverse("staff:home")).content.decode()
    assert 'data-testid="identity-queue-summary"' in page
    assert 'data-testid="examination-queue-summary"' not in page
