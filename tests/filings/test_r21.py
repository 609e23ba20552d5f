"""R21 — 计算机软件著作权转让或专有许可合同登记申请: its rules, its parties' codes, and what approval records."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ruanzhu.core.files import read_private_file
from ruanzhu.documents.certificate import verify_signature
from ruanzhu.examination.services import certificate_content
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.definitions.r21.forms import ContractForm, PartiesForm
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.documents import filing_upload_document
from ruanzhu.filings.services.drafts import filing_create
from ruanzhu.filings.services.issue import completeness_problems, form_request_codes
from ruanzhu.filings.services.parties import owner_add
from ruanzhu.filings.states import Status
from ruanzhu.registry.models import RegistrationChange
from tests.factories import invitation_accept_as
from tests.filings.registered import (
    confirm_with_codes_and_submit,
    examine_and_register,
    one_page_pdf,
    registered_work,
    save_steps,
)


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.DATA_DIR = tmp_path


def contract(number: str, **overrides) -> dict:
    return {
        "registration_number": number,
        "software_name": "智慧园区管理平台",
        "version": "V1.0",
        "contract_type": "transfer",
        "applicant_side": "transferor",
        "rights_scope": "all",
        "territory": "中国大陆",
        "effective_date": "2026-11-01",
        **overrides,
    }


PARTIES = {
    "transferor_address": "北京市海淀区中关村大街1号",
    "transferee_address": "上海市浦东新区世纪大道100号",
}


def errors_of(data: dict, form_class=ContractForm) -> dict:
    form = form_class(data=data)
    assert not form.is_valid()
    return form.errors


def test_a_transfer_of_a_registered_work_is_accepted(work):
    form = ContractForm(data=contract(work.registration_number.lower()))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["registration_number"] == work.registration_number
    assert form.cleaned_data["licence_start"] is None


def test_name_and_version_must_match_the_registration(work):
    message = (
        "软件全称和版本号须与登记号" + work.registration_number + "的登记记录一致：智慧园区管理平台 V1.0。"
    )
    assert errors_of(contract(work.registration_number, version="V2.0"))["software_name"] == [message]
    assert errors_of(contract(work.registration_number, software_name="别的软件"))["software_name"] == [
        message
    ]


def test_a_registration_from_elsewhere_is_refused_nobody_here_can_be_its_owner_of_record(db):
    errors = errors_of(contract("2019SR0000001", software_name="别处登记的软件"))
    assert errors["registration_number"] == ["登记号2019SR0000001不在本系统的登记簿中，请核对。"]


def test_the_registration_number_has_its_format(db):
    assert "登记号格式" in errors_of(contract("2026SR12"))["registration_number"][0]
    assert "registration_number" in errors_of(contract(""))


def test_the_term_follows_the_contract_type(work):
    number = work.registration_number
    assert "转让生效日期" in errors_of(contract(number, effective_date=""))["effective_date"][0]
    licence = contract(number, contract_type="exclusive_licence", effective_date="")
    errors = errors_of(licence)
    assert "起始日期" in errors["licence_start"][0] and "终止日期" in errors["licence_end"][0]
    backwards = {**licence, "licence_start": "2026-12-01", "licence_end": "2026-11-01"}
    assert "不能早于起始日期" in errors_of(backwards)["licence_end"][0]
    form = ContractForm(data={**licence, "licence_start": "2026-11-01", "licence_end": "2029-10-31"})
    assert form.is_valid() and form.cleaned_data["effective_date"] is None
    assert "contract_type" in errors_of(contract(number, contract_type="gift"))


def test_rights_territory_and_addresses_have_their_rules(work):
    number = work.registration_number
    assert "至少选择一项" in errors_of(contract(number, rights_scope="partial"))["rights"][0]
    other = contract(number, rights_scope="partial", rights=["other"])
    assert "说明具体权利" in errors_of(other)["rights_other"][0]
    assert ContractForm(data=contract(number, rights_scope="partial", rights=["reproduction"])).is_valid()
    assert "territory" in errors_of(contract(number, territory="地" * 201))
    assert "territory" in errors_of(contract(number, territory=""))
    errors = errors_of({"transferor_address": "址" * 201, "transferee_address": ""}, PartiesForm)
    assert set(errors) == {"transferor_address", "transferee_address"}


def test_the_applicant_is_a_transferor_and_a_transferee_is_needed(work, verified_alice, verified_bob):
    filing = filing_create(service="R21", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(filing, verified_alice, {"contract": contract(work.registration_number)})
    assert list(filing.parties.values_list("role", flat=True)) == ["transferor"]
    problems = completeness_problems(filing)
    assert "请添加受让方/被许可方。" in problems and "请上传合同文本。" in problems
    assert "“当事人”尚未填写完整。" in problems
    # The transferor side is the owners of record: nobody is added to it by hand.
    with pytest.raises(FilingError) as refusal:
        owner_add(filing=filing, by=verified_alice, identifier="bob", role="transferor")
    assert "转让方/许可方为登记记录中的著作权人" in refusal.value.message
    with pytest.raises(FilingError):
        form_request_codes(filing=filing, by=verified_alice)
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT and not filing.fingerprint


def _transfer(number, alice, carol, capture, **overrides):
    filing = filing_create(service="R21", applicant=alice, filer=alice)
    filing = save_steps(filing, alice, {"contract": contract(number, **overrides), "parties": PARTIES})
    owner_add(filing=filing, by=alice, identifier=carol.username, role="transferee")
    invitation_accept_as(filing, carol)
    filing_upload_document(filing=filing, by=alice, kind="contract", data=one_page_pdf(), filename="合同.pdf")
    filing.refresh_from_db()
    assert completeness_problems(filing) == []
    return confirm_with_codes_and_submit(filing, alice, capture)


def test_every_party_confirms_with_its_code_and_the_form_prints_both_sides(
    work, verified_alice, verified_carol, django_capture_on_commit_callbacks
):
    filing = _transfer(
        work.registration_number, verified_alice, verified_carol, django_capture_on_commit_callbacks
    )
    assert filing.status == Status.SUBMITTED and filing.flow_number.startswith("R21")
    assert filing.confirmations.filter(fingerprint=filing.fingerprint, via="code").count() == 2
    reader = PdfReader(io.BytesIO(read_private_file(filing.form_storage_name)))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "计算机软件著作权转让或专有许可合同登记申请表",
        "转让方/许可方",
        "受让方/被许可方",
        "李爱丽",
        "柯萝",
        "北京市海淀区中关村大街1号",
        "转让合同",
        "中国大陆",
        filing.flow_number,
    ):
        assert expected in text


def test_approval_records_the_transfer_on_the_record_and_issues_a_contract_certificate(
    verified_alice,
    verified_bob,
    verified_carol,
    deposits,
    django_capture_on_commit_callbacks,
    examiner,
    client,
):
    capture = django_capture_on_commit_callbacks
    registration = registered_work(verified_alice, verified_bob, deposits, capture, examiner)
    filing = _transfer(registration.registration_number, verified_alice, verified_carol, capture)
    filing = examine_and_register(filing, examiner)

    assert filing.status == Status.REGISTERED
    entry = RegistrationChange.objects.get(registration=registration)
    assert entry.kind == "contract" and entry.after["transferees"] == ["柯萝"]
    certificate = Filing.objects.get(pk=filing.pk).certificate
    assert certificate.kind == "contract" and certificate.certificate_number == entry.certificate_number
    pdf = certificate_content(certificate)
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for expected in (
        "合同登记证书",
        "转让合同",
        "柯萝",
        "中国大陆",
        "2026-11-01",
        certificate.certificate_number,
    ):
        assert expected in text
    _key, cert = signing_identity()
    assert verify_signature(pdf, trust_roots_pem=(cert,)).valid

    page = client.get(reverse("registry:record", args=[registration.registration_number])).content.decode()
    assert (
        "合同登记" in page
        and "转让合同" in page
        and "柯萝" in page
        and certificate.certificate_number in page
    )
    registration.refresh_from_db()
    assert registration.software_name == "智慧园区管理平台" and registration.status == "valid"
