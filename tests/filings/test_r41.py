"""R41 — 软件登记事项变更或补充申请: its rules, who may file it, and what approval does to the registry."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ruanzhu.documents.certificate import verify_signature
from ruanzhu.examination.services import certificate_content
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.definitions.r41.forms import ChangeForm
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.documents import filing_upload_document
from ruanzhu.filings.services.drafts import filing_create, filing_save_step
from ruanzhu.filings.services.issue import completeness_problems
from ruanzhu.filings.states import Status
from ruanzhu.registry.models import Registration, RegistrationChange
from ruanzhu.registry.services import registration_create
from tests.factories import owner_of
from tests.filings.registered import (
    confirm_with_codes_and_submit,
    examine_and_register,
    one_page_pdf,
    registered_work,
    save_steps,
)

NEW_NAME = "智慧园区综合管理平台"


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.DATA_DIR = tmp_path  # the development signing key is created here


def record(**overrides) -> Registration:
    values = {
        "service": "R11",
        "software_name": "智慧园区管理平台",
        "version": "V1.0",
        "owners": ["李爱丽", "鲍勃"],
        "completion_date": datetime.date(2026, 1, 10),
        "registered_on": datetime.date(2026, 2, 1),
        "first_publication_date": None,
    }
    return registration_create(**{**values, **overrides})


def change(number: str, *rows, kind: str = "change", reason: str = "公司统一产品命名") -> dict:
    data = {"registration_type": "R11", "registration_number": number, "change_kind": kind, "reason": reason}
    for index, (item, before, after) in enumerate(rows, start=1):
        data |= {f"item_{index}": item, f"before_{index}": before, f"after_{index}": after}
    return data


def errors_of(data: dict) -> dict:
    form = ChangeForm(data=data)
    assert not form.is_valid()
    return form.errors


@pytest.fixture
def unpublished(verified_alice, verified_bob):
    """alice's and bob's unpublished work, its owners of record by their verified identities."""
    return record(owners=[owner_of(verified_alice), owner_of(verified_bob)])


def test_a_name_change_is_accepted_and_remembers_the_record(unpublished):
    form = ChangeForm(
        data=change(unpublished.registration_number.lower(), ("software_name", "智慧园区管理平台", NEW_NAME))
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["registration_number"] == unpublished.registration_number
    assert form.cleaned_data["record_name"] == "智慧园区管理平台"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("function", "软件功能的变更不能通过变更或补充登记办理"),
        ("rights_transfer", "计算机软件著作权转让或专有许可合同登记申请"),
        ("completion_date", "开发完成日期不能变更或补充"),
    ],
)
def test_changes_outside_R41_are_refused_with_a_reason(unpublished, item, message):
    errors = errors_of(change(unpublished.registration_number, (item, "旧", "新")))
    assert message in errors["item_1"][0]


def test_an_unknown_or_malformed_registration_number_is_refused(db):
    assert (
        "不在本系统的登记簿中"
        in errors_of(change("2026SR9999999", ("version", "V1.0", "1.0")))["registration_number"][0]
    )
    assert "登记号格式" in errors_of(change("2026-1", ("version", "V1.0", "1.0")))["registration_number"][0]


def test_at_least_one_row_and_each_row_names_its_item(unpublished):
    assert "至少填写一项" in errors_of(change(unpublished.registration_number))["item_1"][0]
    assert "请选择" in errors_of(change(unpublished.registration_number, ("", "a", "b")))["item_1"][0]
    twice = change(
        unpublished.registration_number,
        ("software_name", "智慧园区管理平台", NEW_NAME),
        ("software_name", "智慧园区管理平台", "别的名称"),
    )
    assert "只能填写一次" in errors_of(twice)["item_2"][0]


def test_the_version_may_only_gain_or_lose_its_V(unpublished):
    number = unpublished.registration_number
    assert ChangeForm(data=change(number, ("version", "V1.0", "1.0"))).is_valid()
    assert "增加或去掉“V”" in errors_of(change(number, ("version", "V1.0", "V2.0")))["item_1"][0]
    assert "须与登记记录一致：V1.0" in errors_of(change(number, ("version", "1.0", "V1.0")))["item_1"][0]


def test_before_must_match_the_record(unpublished):
    number = unpublished.registration_number
    assert (
        "须与登记记录一致" in errors_of(change(number, ("software_name", "别的软件", NEW_NAME)))["item_1"][0]
    )
    owner = errors_of(change(number, ("owner_name", "王五", "王五公司")))["item_1"][0]
    assert "李爱丽、鲍勃" in owner
    same = errors_of(change(number, ("software_name", "智慧园区管理平台", "智慧园区管理平台")))
    assert "与变更前相同" in same["item_1"][0]
    assert "变更后" in errors_of(change(number, ("owner_name", "鲍勃", "")))["item_1"][0]


def test_changes_and_supplements_are_not_mixed(unpublished):
    number = unpublished.registration_number
    as_supplement = change(number, ("software_name", "智慧园区管理平台", NEW_NAME), kind="supplement")
    assert "请选择“变更”" in errors_of(as_supplement)["item_1"][0]
    as_change = change(number, ("first_publication_date", "", "2026-02-01"))
    assert "请选择“补充”" in errors_of(as_change)["item_1"][0]


def test_a_first_publication_date_is_supplemented_only_for_unpublished_software(unpublished):
    number = unpublished.registration_number
    assert ChangeForm(
        data=change(number, ("first_publication_date", "", "2026-01-20"), kind="supplement")
    ).is_valid()
    published = record(software_name="已发表的软件", first_publication_date=datetime.date(2026, 1, 15))
    errors = errors_of(
        change(published.registration_number, ("first_publication_date", "", "2026-01-20"), kind="supplement")
    )
    assert "已发表（首次发表日期2026-01-15），不能补充" in errors["item_1"][0]
    for after, message in (
        ("2026/01/20", "格式"),
        ("2026-01-01", "不能早于开发完成日期2026-01-10"),
        ((timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "不能晚于今天"),
    ):
        errors = errors_of(change(number, ("first_publication_date", "", after), kind="supplement"))
        assert message in errors["item_1"][0]


def test_lengths_are_limited(unpublished):
    number = unpublished.registration_number
    errors = errors_of(change(number, ("software_name", "智慧园区管理平台", "名" * 201), reason="因" * 201))
    assert "after_1" in errors and "reason" in errors
    assert "reason" in errors_of({**change(number, ("version", "V1.0", "1.0")), "reason": ""})


def test_a_filer_who_is_not_an_owner_of_record_is_refused_and_nothing_is_saved(unpublished, verified_carol):
    filing = filing_create(service="R41", applicant=verified_carol, filer=verified_carol)
    form = ChangeForm(data=change(unpublished.registration_number, ("version", "V1.0", "1.0")))
    assert form.is_valid()
    with pytest.raises(FilingError) as refusal:
        filing_save_step(filing=filing, by=verified_carol, step="change", cleaned_data=form.cleaned_data)
    assert f"只有登记号{unpublished.registration_number}的著作权人或其委托的代理机构" in refusal.value.message
    filing.refresh_from_db()
    assert "registration_number" not in filing.details and filing.step == 0 and filing.title == ""


def test_a_renamed_owner_files_under_its_new_name(verified_carol):
    registration = record(owners=[owner_of(verified_carol, name="柯萝旧名")])
    filing = filing_create(service="R41", applicant=verified_carol, filer=verified_carol)
    filing = save_steps(
        filing,
        verified_carol,
        {"change": change(registration.registration_number, ("owner_name", "柯萝旧名", "柯萝"))},
    )
    assert filing.details["item_1"] == "owner_name"


def test_an_agent_files_for_an_owner_of_record(unpublished, verified_alice, verified_carol):
    agent = verified_carol  # not an owner of record itself
    filing = filing_create(service="R41", applicant=verified_alice, filer=agent, agent=agent)
    filing = save_steps(
        filing, agent, {"change": change(unpublished.registration_number, ("version", "V1.0", "1.0"))}
    )
    assert filing.step == 2 and filing.details["registration_number"] == unpublished.registration_number


def test_the_evidence_is_required_before_the_form_is_issued(unpublished, verified_alice):
    filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(
        filing,
        verified_alice,
        {"change": change(unpublished.registration_number, ("version", "V1.0", "1.0"))},
    )
    assert "请上传变更或补充证明文件。" in completeness_problems(filing)
    filing_upload_document(
        filing=filing, by=verified_alice, kind="evidence", data=one_page_pdf(), filename="e.pdf"
    )
    assert completeness_problems(filing) == []
    with pytest.raises(FilingError):
        filing_upload_document(
            filing=filing, by=verified_alice, kind="evidence", data=b"not a pdf", filename="e.txt"
        )


def _name_change(registration, alice, capture):
    filing = filing_create(service="R41", applicant=alice, filer=alice)
    filing = save_steps(
        filing,
        alice,
        {
            "change": change(
                registration.registration_number,
                ("software_name", registration.software_name, NEW_NAME),
                ("version", "V1.0", "1.0"),
            )
        },
    )
    filing_upload_document(filing=filing, by=alice, kind="evidence", data=one_page_pdf(), filename="e.pdf")
    filing.refresh_from_db()
    return confirm_with_codes_and_submit(filing, alice, capture)


def test_approval_renames_the_record_keeps_its_history_and_issues_a_change_certificate(
    verified_alice, verified_bob, deposits, django_capture_on_commit_callbacks, examiner, client
):
    capture = django_capture_on_commit_callbacks
    registration = registered_work(verified_alice, verified_bob, deposits, capture, examiner)
    filing = _name_change(registration, verified_alice, capture)
    assert filing.status == Status.SUBMITTED and filing.flow_number.startswith("R41")
    filing = examine_and_register(filing, examiner)

    assert filing.status == Status.REGISTERED
    registration.refresh_from_db()
    assert (registration.software_name, registration.version) == (NEW_NAME, "1.0")
    assert registration.status == Registration.Status.CHANGED
    entry = RegistrationChange.objects.get(registration=registration)
    assert entry.kind == "change"
    assert entry.before == {"software_name": "智慧园区管理平台", "version": "V1.0"}
    assert entry.after == {"software_name": NEW_NAME, "version": "1.0"}

    certificate = Filing.objects.get(pk=filing.pk).certificate
    assert certificate.kind == "change" and certificate.registration == registration
    assert certificate.certificate_number == entry.certificate_number
    assert certificate.certificate_number != registration.certificate_number
    pdf = certificate_content(certificate)
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for expected in (
        "变更或补充证明",
        "变更事项",
        "智慧园区管理平台→" + NEW_NAME,
        certificate.certificate_number,
    ):
        assert expected in text
    _key, cert = signing_identity()
    report = verify_signature(pdf, trust_roots_pem=(cert,))
    assert report.valid and report.intact and report.trusted

    history = f"软件名称：智慧园区管理平台 → {NEW_NAME}"
    page = client.get(reverse("registry:record", args=[registration.registration_number])).content.decode()
    assert NEW_NAME in page and history in page and certificate.certificate_number in page
    page = client.get(reverse("registry:verify", args=[registration.certificate_token])).content.decode()
    assert NEW_NAME in page and history in page and "登记事项在发证后有变更" in page
    found = client.get(reverse("registry:search"), {"q": "综合"}).content.decode()
    assert registration.registration_number in found


def test_approval_of_a_supplement_sets_the_first_publication_date(
    verified_alice, verified_bob, deposits, django_capture_on_commit_callbacks, examiner
):
    capture = django_capture_on_commit_callbacks
    registration = registered_work(verified_alice, verified_bob, deposits, capture, examiner)
    published = timezone.localdate().isoformat()
    filing = filing_create(service="R41", applicant=verified_bob, filer=verified_bob)
    filing = save_steps(
        filing,
        verified_bob,
        {
            "change": change(
                registration.registration_number,
                ("first_publication_date", "", published),
                kind="supplement",
                reason="补充发表日期",
            )
        },
    )
    filing_upload_document(
        filing=filing, by=verified_bob, kind="evidence", data=one_page_pdf(), filename="e.pdf"
    )
    filing.refresh_from_db()
    filing = examine_and_register(confirm_with_codes_and_submit(filing, verified_bob, capture), examiner)

    registration.refresh_from_db()
    assert registration.first_publication_date.isoformat() == published
    entry = registration.changes.get()
    assert entry.kind == "supplement" and entry.after == {"first_publication_date": published}
    assert Filing.objects.get(pk=filing.pk).certificate.kind == "change"
