import pytest
from django.utils import translation

from ruanzhu.filings.services.parties import party_snapshot
from ruanzhu.identity.models import Verification, VerifiedIdentity
from ruanzhu.identity.selectors import verified_id_number_of, verified_identity_of
from ruanzhu.identity.validators import institution_identity_index, person_identity_index
from tests.factories import UserFactory
from tests.identity.conftest import ALICE_ID, CREDIT_CODE


def approve(verification: Verification) -> Verification:
    VerifiedIdentity.objects.create(
        index=verification.identity_index, account=verification.account, verification=verification
    )
    return verification


@pytest.fixture
def person(db):
    user = UserFactory(username="person")
    approve(
        Verification.objects.create(
            account=user,
            kind="individual",
            status="approved",
            real_name="张三",
            id_type="resident_id",
            id_number=ALICE_ID,
            nationality="中国",
            province="北京市",
            city="海淀区",
            identity_index=person_identity_index("resident_id", ALICE_ID),
        )
    )
    return user


@pytest.fixture
def company(db):
    user = UserFactory(username="company", kind="institution", institution_name="账户上的名称")
    approve(
        Verification.objects.create(
            account=user,
            kind="institution",
            status="approved",
            institution_name="北京示例软件有限公司",
            credit_code=CREDIT_CODE,
            category="enterprise",
            address="北京市海淀区中关村大街1号",
            province="北京市",
            city="北京市",
            nationality="",
            real_name="赵管理",
            id_type="resident_id",
            id_number="110105198001010012",
            identity_index=institution_identity_index(CREDIT_CODE),
        )
    )
    return user


def test_individual_identity_comes_from_the_approved_verification(person):
    identity = verified_identity_of(person)
    assert identity.kind == Verification.Kind.INDIVIDUAL and not identity.is_institution
    assert (identity.name, identity.category, identity.id_type) == ("张三", "自然人", "居民身份证")
    assert identity.id_number == ALICE_ID
    assert identity.masked_id_number == "110***********0017"
    assert identity.identity_index == person_identity_index("resident_id", ALICE_ID)
    assert (identity.nationality, identity.province, identity.city) == ("中国", "北京市", "海淀区")
    assert identity.address == "北京市海淀区"


def test_institution_identity_is_its_credit_code_not_its_administrator(company):
    identity = verified_identity_of(company)
    assert identity.is_institution
    assert identity.name == "北京示例软件有限公司"
    assert (identity.category, identity.id_type, identity.id_number) == (
        "企业法人",
        "统一社会信用代码",
        CREDIT_CODE,
    )
    assert identity.identity_index == institution_identity_index(CREDIT_CODE)
    assert identity.nationality == "中国"
    assert identity.address == "北京市海淀区中关村大街1号"


def test_accounts_without_an_approved_verification_have_no_identity(db):
    assert verified_identity_of(UserFactory(username="unverified", identity_status="unverified")) is None
    # Verified by status alone (as the demo data and older tests make them): nothing to copy.
    assert verified_identity_of(UserFactory(username="status_only")) is None
    assert verified_identity_of(None) is None


def test_a_closed_account_loses_its_identity(person):
    person.identity_status = person.IdentityStatus.UNVERIFIED
    person.save(update_fields=["identity_status"])
    assert verified_identity_of(person) is None


def test_labels_stay_chinese_whatever_the_page_language(person, company):
    with translation.override("en"):
        assert verified_identity_of(person).id_type == "居民身份证"
        assert verified_identity_of(company).id_type == "统一社会信用代码"
        assert verified_identity_of(company).category == "企业法人"


def test_party_snapshot_keeps_its_stored_format(person, company):
    assert party_snapshot(person) == {
        "name": "张三",
        "category": "自然人",
        "id_type": "居民身份证",
        "id_number": ALICE_ID,
        "nationality": "中国",
        "province": "北京市",
        "city": "海淀区",
        "identity_index": person_identity_index("resident_id", ALICE_ID),
    }
    assert party_snapshot(company) == {
        "name": "北京示例软件有限公司",
        "category": "企业法人",
        "id_type": "统一社会信用代码",
        "id_number": CREDIT_CODE,
        "nationality": "中国",
        "province": "北京市",
        "city": "北京市",
        "identity_index": institution_identity_index(CREDIT_CODE),
    }
    assert party_snapshot(UserFactory(username="status_only")) == {}


def test_one_query_reads_the_identity(person, django_assert_num_queries):
    with django_assert_num_queries(1):
        verified_identity_of(person)


def test_the_id_number_alone_is_the_one_the_identity_gives(person, company, django_assert_num_queries):
    for account in (person, company):
        identity = verified_identity_of(account)
        with django_assert_num_queries(1):
            assert verified_id_number_of(account) == (identity.identity_index, identity.id_number)
    assert verified_id_number_of(company)[1] == CREDIT_CODE


def test_no_id_number_without_a_verified_identity(person):
    assert verified_id_number_of(UserFactory(username="nobody")) is None
    assert verified_id_number_of(None) is None
    VerifiedIdentity.objects.filter(account=person).delete()
    assert verified_id_number_of(person) is None
