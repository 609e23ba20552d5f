"""Registry records belong to verified identities: who may file R21/R41 on a record, and who must consent.

People are matched by the blind index of their verified ID number or credit code. A stranger whose name looks
the same, or who "renames" an owner into their own name, is refused at the first step and nothing is created;
every owner of record confirms with a code to their own phone; an owner with no account here consents on paper.
"""

import datetime
import re

import pytest
from django.urls import reverse

from ruanzhu.core.review import ReviewError, item_claim
from ruanzhu.examination import services as examination
from ruanzhu.filings.models import Filing, PartyRole
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.documents import filing_upload_document
from ruanzhu.filings.services.drafts import filing_create
from ruanzhu.filings.services.issue import completeness_problems, form_confirm_with_code, form_request_codes
from ruanzhu.filings.services.parties import party_add
from ruanzhu.filings.services.submission import filing_withdraw
from ruanzhu.filings.states import Status
from ruanzhu.notifications.models import Notification
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from ruanzhu.registry.models import Registration, RegistrationChange
from ruanzhu.registry.selectors import record_owners
from ruanzhu.registry.services import registration_create
from tests.examination.checklist import every_point
from tests.factories import MandateFactory, UserFactory, VerificationFactory, owner_of, staff_session
from tests.filings.registered import confirm_with_codes_and_submit, one_page_pdf, save_steps

NEW_NAME = "智慧园区综合管理平台"


@pytest.fixture(autouse=True)
def _signing(settings, tmp_path, private_storage):
    settings.DATA_DIR = tmp_path  # the development signing key is created here


def record(*owners, name: str = "智慧园区管理平台") -> Registration:
    return registration_create(
        service="R11",
        software_name=name,
        version="V1.0",
        owners=list(owners),
        completion_date=datetime.date(2026, 1, 10),
        registered_on=datetime.date(2026, 2, 1),
    )


@pytest.fixture
def joint(verified_alice, verified_bob):
    """alice's and bob's work, its owners of record by their verified identities."""
    return record(owner_of(verified_alice), owner_of(verified_bob))


def change(registration, *rows) -> dict:
    data = {
        "registration_type": "R11",
        "registration_number": registration.registration_number,
        "change_kind": "change",
        "reason": "公司统一产品命名",
    }
    for index, (item, before, after) in enumerate(rows, start=1):
        data |= {f"item_{index}": item, f"before_{index}": before, f"after_{index}": after}
    return data


def contract(registration, **overrides) -> dict:
    return {
        "registration_number": registration.registration_number,
        "software_name": registration.software_name,
        "version": registration.version,
        "contract_type": "transfer",
        "rights_scope": "all",
        "territory": "中国大陆",
        "effective_date": "2026-11-01",
        **overrides,
    }


def start(client, user, service: str, data: dict):
    client.force_login(user)
    return client.post(reverse("filings:start", args=[service]), {**data, "action": "next"})


REFUSED = "的著作权人或其委托的代理机构可以办理本业务"


# --- Finding 1: R41 takeover ----------------------------------------------------------------------------------------
def test_a_stranger_renaming_an_owner_into_their_own_name_is_refused_at_the_first_step(
    client, joint, verified_carol
):
    response = start(client, verified_carol, "R41", change(joint, ("owner_name", "李爱丽", "柯萝")))
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert not Filing.objects.exists()
    assert [owner.name for owner in record_owners(registration=joint)] == ["李爱丽", "鲍勃"]


def test_a_stranger_whose_verified_name_is_an_owners_name_is_refused(client, joint):
    namesake = VerificationFactory(account=UserFactory(username="namesake"), real_name="李爱丽").account
    response = start(client, namesake, "R41", change(joint, ("version", "V1.0", "1.0")))
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert not Filing.objects.exists()


def test_a_renamed_institution_with_the_same_credit_code_files_for_its_record(client, verified_acme):
    registration = record(owner_of(verified_acme, name="示例科技旧名有限公司"))
    response = start(
        client,
        verified_acme,
        "R41",
        change(registration, ("owner_name", "示例科技旧名有限公司", "示例科技有限公司")),
    )
    assert response.status_code == 302
    filing = Filing.objects.get()
    assert list(filing.parties.values_list("account", flat=True)) == [verified_acme.pk]


def test_one_co_owner_alone_cannot_change_a_joint_record(
    joint, verified_alice, verified_bob, django_capture_on_commit_callbacks
):
    filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(
        filing, verified_alice, {"change": change(joint, ("software_name", joint.software_name, NEW_NAME))}
    )
    assert set(filing.parties.values_list("account", flat=True)) == {verified_alice.pk, verified_bob.pk}
    filing_upload_document(
        filing=filing, by=verified_alice, kind="evidence", data=one_page_pdf(), filename="e.pdf"
    )
    with django_capture_on_commit_callbacks(execute=True):
        form_request_codes(filing=filing, by=verified_alice)
    filing.refresh_from_db()
    own = filing.parties.get(account=verified_alice)
    filing = form_confirm_with_code(
        filing=filing, by=verified_alice, party_id=own.pk, code=latest_code_in_outbox(verified_alice.phone)
    )
    filing.refresh_from_db()
    assert filing.status == Status.AWAITING_CODES  # bob's own code is still needed
    assert latest_code_in_outbox(verified_bob.phone)


# --- Finding 2: R21 by a non-owner ----------------------------------------------------------------------------------
def test_an_institution_that_owns_nothing_cannot_record_a_transfer(client, joint, verified_acme):
    response = start(client, verified_acme, "R21", contract(joint))
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert not Filing.objects.exists()


def test_a_contract_on_a_number_not_in_the_registry_is_refused_at_the_first_step(client, verified_alice):
    response = start(
        client,
        verified_alice,
        "R21",
        {**contract(record(owner_of(verified_alice))), "registration_number": "2019SR0000001"},
    )
    assert response.status_code == 400 and "不在本系统的登记簿中" in response.content.decode()
    assert not Filing.objects.exists()


def test_the_transferor_side_is_exactly_the_owners_of_record(joint, verified_alice, verified_bob):
    filing = filing_create(service="R21", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(filing, verified_alice, {"contract": contract(joint)})
    transferors = filing.parties.filter(role=PartyRole.TRANSFEROR)
    assert set(transferors.values_list("account", flat=True)) == {verified_alice.pk, verified_bob.pk}
    assert "请添加受让方/被许可方。" in completeness_problems(filing)


def test_a_transfer_makes_the_transferees_the_owners_of_record(
    joint, verified_alice, verified_bob, verified_carol, examiner, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    filing = filing_create(service="R21", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(
        filing,
        verified_alice,
        {
            "contract": contract(joint),
            "parties": {"transferor_address": "北京", "transferee_address": "上海"},
        },
    )
    party_for(filing, verified_carol, PartyRole.TRANSFEREE)
    filing_upload_document(
        filing=filing, by=verified_alice, kind="contract", data=one_page_pdf(), filename="c.pdf"
    )
    filing.refresh_from_db()
    filing = confirm_with_codes_and_submit(filing, verified_alice, capture)
    register(filing, examiner)

    owners = record_owners(registration=joint)
    assert [(owner.name, owner.account_id) for owner in owners] == [("柯萝", verified_carol.pk)]
    entry = RegistrationChange.objects.get(registration=joint)
    assert entry.before["owners"] == ["李爱丽", "鲍勃"] and entry.after["owners"] == ["柯萝"]
    assert "著作权人：李爱丽、鲍勃 → 柯萝" in entry.description
    # The new owner may now change the record; the former owners may not.
    carol_filing = filing_create(service="R41", applicant=verified_carol, filer=verified_carol)
    save_steps(carol_filing, verified_carol, {"change": change(joint, ("version", "V1.0", "1.0"))})
    alice_filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    with pytest.raises(FilingError):
        save_steps(alice_filing, verified_alice, {"change": change(joint, ("version", "V1.0", "1.0"))})


# --- Agents ---------------------------------------------------------------------------------------------------------
def test_an_agent_without_a_mandate_from_an_owner_of_record_is_refused(
    joint, agent, verified_alice, verified_carol
):
    with pytest.raises(FilingError):
        filing_create_for_client(service="R41", agent=agent, client=verified_alice)
    MandateFactory(agent=agent, client=verified_carol, services=["R41"])
    filing = filing_create_for_client(service="R41", agent=agent, client=verified_carol)
    with pytest.raises(FilingError) as refusal:
        save_steps(filing, agent, {"change": change(joint, ("version", "V1.0", "1.0"))})
    assert REFUSED in refusal.value.message


def test_an_agent_under_a_mandate_from_an_owner_files_and_every_owner_confirms(
    joint, agent, verified_alice, verified_bob
):
    MandateFactory(agent=agent, client=verified_alice, services=["R41"])
    filing = filing_create_for_client(service="R41", agent=agent, client=verified_alice)
    filing = save_steps(filing, agent, {"change": change(joint, ("version", "V1.0", "1.0"))})
    assert set(filing.parties.values_list("account", flat=True)) == {verified_alice.pk, verified_bob.pk}


# --- Owners of record with no account here --------------------------------------------------------------------------
def test_an_imported_owner_without_an_account_needs_the_consent_form_and_the_examiners_tick(
    verified_alice, examiner, client, django_capture_on_commit_callbacks
):
    registration = record(owner_of(verified_alice), "王五")
    filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(filing, verified_alice, {"change": change(registration, ("version", "V1.0", "1.0"))})
    filing_upload_document(
        filing=filing, by=verified_alice, kind="evidence", data=one_page_pdf(), filename="e.pdf"
    )
    assert any("著作权人同意书" in problem for problem in completeness_problems(filing))
    filing_upload_document(
        filing=filing,
        by=verified_alice,
        kind="owner_consent",
        data=one_page_pdf("同意"),
        filename="同意书.pdf",
    )
    filing.refresh_from_db()
    assert completeness_problems(filing) == []
    filing = confirm_with_codes_and_submit(filing, verified_alice, django_capture_on_commit_callbacks)

    staff = staff_session(client, examiner)
    filing = item_claim(item=filing, by=examiner)
    filing = examination.filing_accept(filing=filing, by=examiner)
    filing = examination.examination_start(filing=filing, by=examiner)
    page = staff.get(reverse("examination:detail", args=[filing.pk])).content.decode()
    assert 'data-testid="owners-of-record"' in page and "本系统无账户" in page and "已提交同意书" in page
    assert 'data-testid="checklist-owner_consent"' in page
    without_tick = [key for key in every_point(filing) if key != "owner_consent"]
    with pytest.raises(ReviewError) as refusal:
        examination.filing_register(filing=filing, by=examiner, checked=without_tick)
    assert "著作权人同意书" in refusal.value.message
    filing = examination.filing_register(filing=filing, by=examiner, checked=every_point(filing))
    assert filing.status == Status.REGISTERED


def test_the_examiner_sees_each_owner_of_record_matched_and_confirmed(
    joint, verified_alice, verified_bob, examiner, client, django_capture_on_commit_callbacks
):
    filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(filing, verified_alice, {"change": change(joint, ("version", "V1.0", "1.0"))})
    filing_upload_document(
        filing=filing, by=verified_alice, kind="evidence", data=one_page_pdf(), filename="e.pdf"
    )
    filing.refresh_from_db()
    filing = confirm_with_codes_and_submit(filing, verified_alice, django_capture_on_commit_callbacks)
    page = (
        staff_session(client, examiner).get(reverse("examination:detail", args=[filing.pk])).content.decode()
    )
    assert page.count("已核对为本申请的当事人") == 2
    for row in (1, 2):
        assert re.search(rf'data-testid="consent-{row}"><span class="tag tag-success">已确认</span>', page)
    assert 'data-testid="checklist-owner_consent"' not in page


# --- Finding 8: owners of record hear of the application -----------------------------------------------------------
def test_owners_of_record_are_told_by_text_message_of_submission_decision_and_withdrawal(
    joint, verified_alice, verified_bob, examiner, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    filing = save_steps(filing, verified_alice, {"change": change(joint, ("version", "V1.0", "1.0"))})
    filing_upload_document(
        filing=filing, by=verified_alice, kind="evidence", data=one_page_pdf(), filename="e.pdf"
    )
    filing.refresh_from_db()
    with capture(execute=True):
        filing = confirm_with_codes_and_submit(filing, verified_alice, capture)
    assert Notification.objects.filter(recipient=verified_bob, title="登记申请已提交").exists()
    assert "已提交" in latest_sms_body(verified_bob)
    with capture(execute=True):
        filing_withdraw(filing=filing, by=verified_alice, reason="另行申请")
    assert Notification.objects.filter(recipient=verified_bob, title="登记申请已撤回").exists()
    assert "撤回" in latest_sms_body(verified_bob)


# --- helpers --------------------------------------------------------------------------------------------------------
def party_for(filing, user, role):
    return party_add(filing=filing, account=user, by=filing.filer, role=role)


def register(filing, examiner):
    filing = item_claim(item=filing, by=examiner)
    filing = examination.filing_accept(filing=filing, by=examiner)
    filing = examination.examination_start(filing=filing, by=examiner)
    return examination.filing_register(filing=filing, by=examiner, checked=every_point(filing))


def latest_sms_body(user) -> str:
    message = outbox_messages(user.phone).first()
    return message.body if message else ""


def test_nobody_is_added_by_hand_to_the_owners_that_the_record_lists(
    client, joint, verified_alice, verified_carol
):
    client.force_login(verified_alice)
    change_filing = filing_create(service="R41", applicant=verified_alice, filer=verified_alice)
    save_steps(change_filing, verified_alice, {"change": change(joint, ("version", "V1.0", "1.0"))})
    response = client.post(reverse("filings:owner_add", args=[change_filing.pk]), {"identifier": "carol"})
    assert response.status_code == 404  # R41 has no parties to add: its owners come from the record

    contract_filing = filing_create(service="R21", applicant=verified_alice, filer=verified_alice)
    save_steps(contract_filing, verified_alice, {"contract": contract(joint)})
    response = client.post(
        reverse("filings:owner_add", args=[contract_filing.pk]),
        {"identifier": "carol", "role": PartyRole.TRANSFEROR},
        follow=True,
    )
    assert "转让方/许可方为登记记录中的著作权人，由系统按登记记录列入" in response.content.decode()
    for filing in (change_filing, contract_filing):
        assert not filing.parties.filter(account=verified_carol).exists()
