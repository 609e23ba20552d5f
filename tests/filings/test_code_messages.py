"""The code SMS of 出申请表 says what it approves, fits one segment, and a refused send changes nothing."""

from django.utils import translation

from ruanzhu.filings.models import Confirmation, Filing, FilingEvent, FormVersion
from ruanzhu.filings.services.issue import code_about
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import OneTimeCode, Purpose, SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from ruanzhu.otp.services import GSM_SEGMENT_LENGTH, SMS_SEGMENT_LENGTH, code_message
from tests.factories import VerificationFactory
from tests.filings.flow import filing_url, messages_of, post_step

LONG_NAME = "星河" + "企业级多租户分布式实时数据采集清洗分析与可视化决策支持" * 6 + "平台软件"


url = filing_url


def test_the_code_names_the_filer_the_software_and_the_service(ready, send, verified_bob):
    send(ready)
    body = outbox_messages(verified_bob.phone).first().body
    code = latest_code_in_outbox(verified_bob.phone)
    assert body == (
        f"【软著】李爱丽申请对《智慧园区管理平台V1.0》出申请表（R11），验证码{code}，5分钟内有效。非本人操作请忽略。"
    )
    assert len(body) <= SMS_SEGMENT_LENGTH


def test_a_long_software_name_is_shortened_to_fit_one_segment(ready, send, verified_bob):
    Filing.objects.filter(pk=ready.pk).update(title=LONG_NAME)
    send(ready)
    body = outbox_messages(verified_bob.phone).first().body
    assert len(body) <= SMS_SEGMENT_LENGTH
    assert body.startswith("【软著】李爱丽申请对《星河企业级") and "…》出申请表（R11），验证码" in body
    assert body.endswith("5分钟内有效。非本人操作请忽略。")


def test_a_long_filer_name_and_software_name_still_fit(db):
    institution = VerificationFactory(
        institution=True, institution_name="北京" + "星河数据智能科技研究院" * 4 + "有限责任公司"
    ).account
    filing = Filing(service="R11", filer=institution, title=LONG_NAME, details={"version": "V1.0"})
    about = code_about(filing, action="出申请表")
    body = code_message(code="123456", purpose=Purpose.FILING_CONFIRM, about=about)
    assert len(body) == SMS_SEGMENT_LENGTH
    assert "《星河企业级多租…》出申请表（R11）" in body and about.startswith("北京星河数据")


def test_in_english_the_message_keeps_the_names_it_has_room_for(db):
    filer = VerificationFactory(real_name="李爱丽").account
    filing = Filing(service="R11", filer=filer, title="星河分析软件", details={"version": "V1.0"})
    with translation.override("en"):
        about = code_about(filing, action="出申请表")
        body = code_message(code="123456", purpose=Purpose.FILING_CONFIRM, about=about)
    assert "李爱丽" in about and "星河分析软件V1.0" in about and "…" not in about
    assert len(body) <= GSM_SEGMENT_LENGTH and "123456" in body


def test_a_refused_send_changes_nothing(ready, send, alice_client, verified_alice, verified_bob):
    """The per-phone limit (1 a minute) refuses the second 出申请表 within the minute: nothing moves."""
    send(ready)
    assert ready.status == Status.AWAITING_CODES and ready.form_version == 1
    Confirmation.objects.create(
        filing=ready,
        party=ready.parties.get(account=verified_bob),
        version=FormVersion.objects.get(filing=ready),
        fingerprint=ready.fingerprint,
        via="account",
    )
    response = post_step(alice_client, ready, "features", purpose="园区精细化管理")
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT
    before = (
        SmsMessage.objects.count(),
        OneTimeCode.objects.count(),
        FilingEvent.objects.filter(filing=ready).count(),
        list(Confirmation.objects.values_list("pk", "version_id")),
    )

    response = send(ready)

    text = messages_of(response)
    assert "发送过于频繁" in text and "李爱丽" in text and "未作任何更改" in text
    assert ready.status == Status.DRAFT and ready.form_version == 1 and ready.fingerprint == ""
    assert FormVersion.objects.filter(filing=ready).count() == 1
    assert before == (
        SmsMessage.objects.count(),
        OneTimeCode.objects.count(),
        FilingEvent.objects.filter(filing=ready).count(),
        list(Confirmation.objects.values_list("pk", "version_id")),
    )


def test_a_refused_send_to_one_owner_sends_nobody_a_code(
    ready, send, alice_client, verified_alice, verified_bob, settings
):
    send(ready)
    post_step(alice_client, ready, "features", purpose="园区精细化管理")
    # Bob's phone may take a code again, alice's may not: still nobody gets one.
    SmsMessage.objects.filter(
        phone_index=ready.parties.get(account=verified_bob).account.phone_index
    ).delete()
    messages_to_bob = outbox_messages(verified_bob.phone).count()

    response = send(ready)

    assert "李爱丽：发送过于频繁" in messages_of(response)
    assert outbox_messages(verified_bob.phone).count() == messages_to_bob
    assert ready.status == Status.DRAFT and ready.form_version == 1
