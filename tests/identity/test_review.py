import threading

import pytest
from django.db import connection
from django.urls import reverse

from ruanzhu.accounts.models import User
from ruanzhu.core.models import AuditEntry, ReasonCode
from ruanzhu.core.review import ReviewError, item_claim
from ruanzhu.identity import services
from ruanzhu.identity.forms import RejectForm
from ruanzhu.identity.models import Verification, VerifiedIdentity
from ruanzhu.notifications.models import Notification
from tests.factories import StaffFactory, staff_session
from tests.identity.conftest import upload_file

CHECKLIST = {"document_genuine": "on", "face_matches": "on", "data_match": "on"}


def detail_url(verification):
    return reverse("identity_review:detail", args=[verification.pk])


def claim(client, verification):
    return client.post(reverse("identity_review:claim", args=[verification.pk]))


def test_queue_lists_submitted_items_by_due_date_with_overdue_marked(reviewer_client, submitted):
    Verification.objects.filter(pk=submitted.pk).update(due_date="2020-01-02")
    page = reviewer_client.get(reverse("identity_review:queue")).content.decode()
    assert f"#{submitted.pk}" in page and "已超期" in page
    overdue = reviewer_client.get(reverse("identity_review:queue"), {"state": "overdue"}).context["page"]
    assert [item.pk for item in overdue.rows] == [submitted.pk]
    institutions = reviewer_client.get(reverse("identity_review:queue"), {"kind": "institution"}).context[
        "page"
    ]
    assert list(institutions.rows) == []


def test_queue_order_is_by_due_date(reviewer_client, submitted, db):
    other = Verification.objects.create(
        account=StaffFactory(username="late", is_staff=False),
        kind="individual",
        status="submitted",
        due_date="2020-01-01",
    )
    Verification.objects.filter(pk=submitted.pk).update(due_date="2030-01-01")
    page = reviewer_client.get(reverse("identity_review:queue")).context["page"]
    assert [item.pk for item in page.rows] == [other.pk, submitted.pk]


def test_review_pages_are_404_for_applicants_and_staff_without_the_permission(
    client, submitted, applicant, examiner
):
    for user in (applicant, examiner):
        staff_session(client, user)
        assert client.get(reverse("identity_review:queue")).status_code in (403, 404)
        assert client.get(detail_url(submitted)).status_code in (403, 404)
        assert client.get(
            reverse("identity_review:document", args=[submitted.pk, "id_front"])
        ).status_code in (403, 404)
        assert client.post(reverse("identity_review:claim", args=[submitted.pk])).status_code in (403, 404)
    submitted.refresh_from_db()
    assert submitted.claimed_by is None


def test_review_pages_need_the_second_factor(client, submitted, reviewer):
    client.force_login(reviewer)
    response = client.get(detail_url(submitted))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:staff_login"))


def test_review_pages_need_login(client, submitted):
    assert client.get(reverse("identity_review:queue")).status_code == 302


def test_unknown_verification_is_404(reviewer_client, db):
    assert reviewer_client.get(reverse("identity_review:detail", args=[999999])).status_code == 404


def test_claim_keeps_other_reviewers_off(reviewer_client, submitted, second_reviewer):
    claim(reviewer_client, submitted)
    submitted.refresh_from_db()
    assert submitted.claimed_by.username == "reviewer"
    with pytest.raises(ReviewError):
        item_claim(item=submitted, by=second_reviewer)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_claims_give_the_item_to_one_reviewer(reviewer, second_reviewer, applicant):
    verification = Verification.objects.create(account=applicant, kind="individual", status="submitted")
    barrier = threading.Barrier(2)
    winners, losers = [], []

    def take(user):
        try:
            barrier.wait(timeout=10)
            item_claim(item=verification, by=user)
            winners.append(user.username)
        except ReviewError:
            losers.append(user.username)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in (reviewer, second_reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 1
    verification.refresh_from_db()
    assert verification.claimed_by.username == winners[0]


def test_decisions_need_a_claim(reviewer_client, submitted):
    response = reviewer_client.post(
        reverse("identity_review:approve", args=[submitted.pk]), CHECKLIST, follow=True
    )
    assert "请先领取" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Verification.Status.SUBMITTED


def test_approve_needs_the_whole_checklist(reviewer_client, submitted):
    claim(reviewer_client, submitted)
    partial = {"document_genuine": "on", "face_matches": "on"}
    response = reviewer_client.post(
        reverse("identity_review:approve", args=[submitted.pk]), partial, follow=True
    )
    assert "填写信息与证件一致" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Verification.Status.SUBMITTED


def test_approval_verifies_the_account_and_notifies_it(
    reviewer_client, submitted, applicant, django_capture_on_commit_callbacks, mailoutbox
):
    from ruanzhu.otp.selectors import outbox_messages

    claim(reviewer_client, submitted)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(reverse("identity_review:approve", args=[submitted.pk]), CHECKLIST)
    submitted.refresh_from_db()
    applicant.refresh_from_db()
    assert submitted.status == Verification.Status.APPROVED and submitted.decided_by.username == "reviewer"
    assert applicant.identity_status == User.IdentityStatus.VERIFIED
    assert VerifiedIdentity.objects.get(account=applicant).index == submitted.identity_index
    assert Notification.objects.filter(recipient=applicant, title="实名认证审核通过").exists()
    assert any("实名认证审核通过" in mail.subject for mail in mailoutbox)
    assert any("实名认证审核通过" in message.body for message in outbox_messages(applicant.phone))
    events = list(submitted.events.values_list("from_status", "to_status"))
    assert events == [("draft", "submitted"), ("submitted", "approved")]


def test_reject_needs_a_reason(reviewer_client, submitted):
    claim(reviewer_client, submitted)
    response = reviewer_client.post(
        reverse("identity_review:reject", args=[submitted.pk]), {"note": "x"}, follow=True
    )
    assert "请至少选择一项不通过理由" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Verification.Status.SUBMITTED


def test_rejection_shows_reasons_and_the_resubmission_shows_what_changed(
    client, reviewer_client, submitted, applicant, photos, reasons, django_capture_on_commit_callbacks
):
    assert reasons, "the identity reason codes are seeded by a migration"
    blurry = ReasonCode.objects.get(queue="identity", code="photo_unclear")
    claim(reviewer_client, submitted)
    reviewer_client.post(
        reverse("identity_review:reject", args=[submitted.pk]), {"reasons": [blurry.pk], "note": "手持照模糊"}
    )
    submitted.refresh_from_db()
    applicant.refresh_from_db()
    assert submitted.status == Verification.Status.REJECTED
    assert applicant.identity_status == User.IdentityStatus.REJECTED

    applicant_client = client.__class__()
    applicant_client.force_login(applicant)
    status = applicant_client.get(reverse("identity:status")).content.decode()
    assert blurry.applicant_text in status and "手持照模糊" not in status  # the internal note stays internal
    applicant_client.post(reverse("identity:revise"))
    second = applicant.verifications.get(status="draft")
    assert second.previous_id == submitted.pk and second.id_number == submitted.id_number
    applicant_client.post(
        reverse("identity:step2"),
        {
            "real_name": "张三丰",
            "id_number": second.id_number,
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(
            reverse("identity:upload", args=["handheld"]), {"file": upload_file(photos["id_back"])}
        )
        applicant_client.post(reverse("identity:step3"), {"consent_id_data": "on", "consent_face": "on"})
    second.refresh_from_db()
    assert second.status == Verification.Status.SUBMITTED
    page = reviewer_client.get(detail_url(second)).content.decode()
    assert "与上次提交相比的变化" in page and "张三丰" in page and "手持证件照片" in page


def test_reverification_keeps_the_id_number(client, applicant, submitted, reviewer):
    from ruanzhu.identity import services

    item_claim(item=submitted, by=reviewer)
    services.verification_approve(
        verification=submitted, by=reviewer, checklist={key: True for key in services.CHECKLIST}
    )
    client.force_login(applicant)
    client.post(reverse("identity:revise"))
    response = client.post(
        reverse("identity:step2"),
        {
            "real_name": "张三",
            "id_number": "310115198510120029",
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )
    assert response.status_code == 400 and "不能更改证件号码" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.identity_status == User.IdentityStatus.VERIFIED


def test_staff_view_of_an_image_is_audited_and_watermarked(reviewer_client, submitted, reviewer):
    from ruanzhu.core.files import read_private_file

    response = reviewer_client.get(reverse("identity_review:document", args=[submitted.pk, "id_front"]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    original = read_private_file(submitted.documents.get(slot="id_front").storage_name)
    assert response.content != original
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW_ID_IMAGE)
    assert entry.actor == reviewer and entry.target == submitted and entry.field_label == "证件照正面"


def test_owner_sees_their_own_image_and_nobody_else_does(client, submitted, applicant, carol):
    client.force_login(applicant)
    assert client.get(reverse("identity:document", args=["id_front"])).status_code == 200
    client.force_login(carol)
    assert client.get(reverse("identity:document", args=["id_front"])).status_code == 404
    client.logout()
    assert client.get(reverse("identity:document", args=["id_front"])).status_code == 302


def test_approved_account_passes_立即登记(client, applicant, submitted, reviewer):
    from ruanzhu.identity import services

    item_claim(item=submitted, by=reviewer)
    services.verification_approve(
        verification=submitted, by=reviewer, checklist={key: True for key in services.CHECKLIST}
    )
    client.force_login(applicant)
    response = client.get(reverse("filings:start", args=["R11"]))
    assert response.status_code == 200
    assert 'data-testid="wizard-step-role"' in response.content.decode()


def test_the_history_shows_the_states_by_name(reviewer_client, submitted):
    page = reviewer_client.get(detail_url(submitted)).content.decode()
    assert "填写中 → 待审核" in page
    assert "draft →" not in page and "→ submitted" not in page


def test_the_rejection_notice_reads_as_one_sentence(reviewer_client, submitted, applicant):
    codes = ReasonCode.objects.filter(queue="identity", code__in=["photo_unclear", "data_mismatch"])
    claim(reviewer_client, submitted)
    reviewer_client.post(
        reverse("identity_review:reject", args=[submitted.pk]), {"reasons": [code.pk for code in codes]}
    )
    body = Notification.objects.filter(recipient=applicant).latest("id").body
    assert body.startswith("您的实名认证未通过审核，原因：") and body.endswith("。请修改信息后再提交。")
    assert "。；" not in body and "。。" not in body and body.count("；") == 1


def test_an_individual_is_offered_no_reason_about_a_licence_or_a_letter(reviewer_client, submitted):
    claim(reviewer_client, submitted)
    page = reviewer_client.get(detail_url(submitted)).content.decode()
    assert "照片不清晰" in page and "人像不符" in page
    assert "营业执照不合要求" not in page and "授权书不合要求" not in page


def test_a_reason_that_cannot_concern_the_applicant_is_refused_and_changes_nothing(
    reviewer_client, submitted
):
    licence = ReasonCode.objects.get(queue="identity", code="licence_unclear")
    claim(reviewer_client, submitted)
    response = reviewer_client.post(
        reverse("identity_review:reject", args=[submitted.pk]), {"reasons": [licence.pk]}, follow=True
    )
    assert "所选理由不适用于该申请，请重新选择。" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Verification.Status.SUBMITTED and not submitted.rejection_reasons.exists()
    with pytest.raises(ReviewError, match="请至少选择一项不通过理由"):
        services.verification_reject(verification=submitted, by=submitted.claimed_by, reasons=[licence])


def test_an_institution_is_offered_no_reason_about_a_handheld_photo(db):
    kinds = {
        reason.code for reason in RejectForm(kind=Verification.Kind.INSTITUTION).fields["reasons"].queryset
    }
    assert {"licence_unclear", "letter_template", "photo_unclear"} <= kinds
    assert not kinds & {"handheld_missing", "face_mismatch"}
