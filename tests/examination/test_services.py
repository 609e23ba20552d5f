import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from ruanzhu.core.files import read_private_file
from ruanzhu.core.models import ReasonCode
from ruanzhu.core.review import ReviewError, item_claim
from ruanzhu.documents.certificate import verify_signature
from ruanzhu.examination import services
from ruanzhu.examination.models import CorrectionRound
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.models import FilingEvent
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.issue import form_confirm_in_account
from ruanzhu.filings.states import Status
from ruanzhu.notifications.models import Notification
from ruanzhu.registry.models import Registration
from ruanzhu.registry.services import registration_numbers_next
from tests.examination.checklist import every_point


@pytest.fixture
def examining(submitted_filing, examiner):
    filing = item_claim(item=submitted_filing, by=examiner)
    filing = services.filing_accept(filing=filing, by=examiner)
    return services.examination_start(filing=filing, by=examiner)


def test_decisions_need_the_examiner_to_claim_the_filing(submitted_filing, examiner):
    with pytest.raises(ReviewError):
        services.filing_accept(filing=submitted_filing, by=examiner)
    submitted_filing.refresh_from_db()
    assert submitted_filing.status == Status.SUBMITTED


def test_acceptance_notifies_owners(examining, verified_alice, verified_bob):
    assert examining.status == Status.EXAMINING
    for owner in (verified_alice, verified_bob):
        assert Notification.objects.filter(recipient=owner, title="受理通知").exists()


def test_illegal_transition_is_refused_whoever_asks(submitted_filing, examiner):
    filing = item_claim(item=submitted_filing, by=examiner)
    with pytest.raises(ReviewError):
        services.filing_register(
            filing=filing, by=examiner, checked=every_point(filing)
        )  # submitted → registered skips acceptance
    filing.refresh_from_db()
    assert filing.status == Status.SUBMITTED and not Registration.objects.exists()


def test_not_accepted_needs_a_reason(submitted_filing, examiner):
    filing = item_claim(item=submitted_filing, by=examiner)
    with pytest.raises(ReviewError):
        services.filing_reject_acceptance(filing=filing, by=examiner, reason=" ")
    filing = services.filing_reject_acceptance(filing=filing, by=examiner, reason="重复申请")
    assert filing.status == Status.NOT_ACCEPTED


def test_correction_round_trip_changes_only_the_listed_items(
    examining, examiner, verified_alice, verified_bob, settings
):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"  # the codes of the new version follow the form's at once
    correction = services.correction_request(
        filing=examining,
        by=examiner,
        items=[services.CorrectionItem("field:purpose", "开发目的过于笼统")],
        note="请补正",
    )
    examining.refresh_from_db()
    assert examining.status == Status.CORRECTION
    assert (
        correction.deadline == datetime.date.today() + datetime.timedelta(days=30)
        or correction.deadline > datetime.date.today()
    )
    with pytest.raises(FilingError, match="只能修改"):
        services.correction_submit(
            filing=examining, by=verified_alice, fields={"full_name": "别的名字"}, documents={}
        )
    with pytest.raises(FilingError, match="开发目的"):
        services.correction_submit(
            filing=examining, by=verified_alice, fields={"purpose": "x" * 51}, documents={}
        )
    services.correction_submit(
        filing=examining, by=verified_alice, fields={"purpose": "园区访客与设备的统一管理"}, documents={}
    )
    examining.refresh_from_db()
    # The corrected content is a new form version; the correction counts once both owners confirmed it
    # and its newly signed signature page is uploaded (it used to count at once).
    assert (
        examining.status == Status.CORRECTION and examining.details["purpose"] == "园区访客与设备的统一管理"
    )
    for owner in (verified_alice, verified_bob):
        form_confirm_in_account(filing=examining, account=owner)
    examining.refresh_from_db()  # the form of version 2, rendered once both confirmed
    services.correction_signature_page_upload(
        filing=examining,
        by=verified_alice,
        data=read_private_file(examining.form_storage_name),
        filename="s.pdf",
    )
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING
    correction.refresh_from_db()
    diff = services.correction_diff(correction)
    assert [(item.before, item.after) for item in diff] == [("园区数字化管理", "园区访客与设备的统一管理")]


def test_past_the_deadline_the_filing_is_deemed_withdrawn(examining, examiner, verified_alice):
    correction = services.correction_request(
        filing=examining, by=examiner, items=[services.CorrectionItem("field:purpose", "请具体说明")]
    )
    reminder_day = correction.deadline - datetime.timedelta(days=2)
    assert services.corrections_expire(today=reminder_day) == {"expired": 0, "reminded": 1}
    assert Notification.objects.filter(recipient=verified_alice, title="补正期限提醒").count() == 1
    call_command("expire_corrections", today=correction.deadline + datetime.timedelta(days=1))
    examining.refresh_from_db()
    assert examining.status == Status.DEEMED_WITHDRAWN
    event = FilingEvent.objects.filter(filing=examining).order_by("-id").first()
    assert (event.from_status, event.to_status, event.actor) == (
        Status.CORRECTION,
        Status.DEEMED_WITHDRAWN,
        None,
    )
    with pytest.raises(FilingError):
        services.correction_submit(
            filing=examining, by=verified_alice, fields={"purpose": "迟到的补正"}, documents={}
        )


def test_registration_publishes_the_record_and_a_signed_certificate(examining, examiner):
    filing = services.filing_register(filing=examining, by=examiner, checked=every_point(examining))
    assert filing.status == Status.REGISTERED
    registration = Registration.objects.get()
    year = datetime.date.today().year
    assert (
        registration.registration_number.startswith(f"{year}SR")
        and len(registration.registration_number) == 13
    )
    assert registration.software_name == "智慧园区管理平台" and registration.owners == ["李爱丽", "鲍勃"]
    pdf = services.certificate_content(filing.certificate)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in (
        "计算机软件著作权登记证书",
        registration.registration_number,
        "智慧园区管理平台",
        "李爱丽",
        "未发表",
    ):
        assert expected in text
    _key, cert = signing_identity()
    report = verify_signature(pdf, trust_roots_pem=(cert,))
    assert report.valid and report.intact and report.trusted


def test_refusal_names_one_of_the_four_grounds(examining, examiner):
    with pytest.raises(ReviewError):
        services.filing_refuse(filing=examining, by=examiner, ground="because")
    dispute = ReasonCode.objects.get(queue=ReasonCode.Queue.EXAMINATION, code="dispute")
    filing = services.filing_refuse(filing=examining, by=examiner, ground=dispute)
    assert filing.status == Status.REFUSED
    assert "存在权属争议" in filing.events.order_by("-id").first().note


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_registration_numbers_are_gap_free_under_concurrent_decisions():
    numbers, errors = [], []

    def take():
        try:
            numbers.append(registration_numbers_next(year=2026))
        except Exception as error:  # the outcome is what the test inspects
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    sequences = sorted(int(number[6:]) for number, _certificate in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 8))
    certificates = sorted(certificate for _number, certificate in numbers)
    assert certificates == list(range(certificates[0], certificates[0] + 8))


def test_signing_key_command_creates_a_development_key(settings, tmp_path, capsys):
    from django.core.management import call_command

    from ruanzhu.examination import signing

    signing._load.cache_clear()
    settings.DATA_DIR = tmp_path
    call_command("signing_key")
    assert (tmp_path / "signing" / "key.pem").exists() and (tmp_path / "signing" / "cert.pem").exists()
    assert "signing key ready" in capsys.readouterr().out


def test_production_refuses_to_sign_without_a_configured_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    from ruanzhu.examination.signing import signing_identity

    settings.PRODUCTION = True
    settings.CERTIFICATE_SIGNING_KEY_FILE = settings.CERTIFICATE_SIGNING_CERT_FILE = ""
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_KEY_FILE"):
        signing_identity()


def test_the_schedule_of_make_run_expires_a_correction_by_itself(examining, examiner, capsys):
    correction = services.correction_request(
        filing=examining, by=examiner, items=[services.CorrectionItem("field:purpose", "请具体说明")]
    )
    CorrectionRound.objects.filter(pk=correction.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    call_command("run_schedule", once=True)
    examining.refresh_from_db()
    assert examining.status == Status.DEEMED_WITHDRAWN
    assert "corrections-expire: {'expired': 1, 'reminded': 0}" in capsys.readouterr().out
