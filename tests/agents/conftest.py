import datetime

import pytest
from django.utils import timezone

from ruanzhu.agents.models import AgentProfile, Mandate, MandateEvent
from ruanzhu.identity.models import Verification, VerifiedIdentity
from ruanzhu.identity.validators import institution_identity_index, person_identity_index
from tests.factories import UserFactory

AGENT_CREDIT_CODE = "91110108MA01ABCD2X"
ALICE_ID = "110105199003070017"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path / "private"


def verify_institution(user, *, name: str, credit_code: str, address: str) -> Verification:
    """Give the institution ``user`` an approved verification."""
    verification = Verification.objects.create(
        account=user,
        kind="institution",
        status="approved",
        institution_name=name,
        credit_code=credit_code,
        address=address,
        legal_representative="王法人",
        real_name="赵管理",
        id_type="resident_id",
        id_number="110105198001010012",
        identity_index=institution_identity_index(credit_code),
    )
    VerifiedIdentity.objects.create(
        index=verification.identity_index, account=user, verification=verification
    )
    return verification


def verify_person(user, *, name: str, id_number: str) -> Verification:
    """Give the individual ``user`` an approved verification."""
    verification = Verification.objects.create(
        account=user,
        kind="individual",
        status="approved",
        real_name=name,
        id_type="resident_id",
        id_number=id_number,
        province="北京市",
        city="海淀区",
        identity_index=person_identity_index("resident_id", id_number),
    )
    VerifiedIdentity.objects.create(
        index=verification.identity_index, account=user, verification=verification
    )
    return verification


def make_agent(username: str, name: str, **extra) -> AgentProfile:
    user = UserFactory(username=username, kind="institution", institution_name=name, **extra)
    return AgentProfile.objects.create(
        account=user,
        name=name,
        address="北京市海淀区知春路1号",
        postcode="100083",
        contact_person="钱经办",
        phone="010-62000000",
        email=f"{username}@agent.example.com",
    )


@pytest.fixture
def agent(db):
    """A verified institution marked as agent (代理机构)."""
    profile = make_agent("agent", "示例知识产权代理有限公司")
    verify_institution(
        profile.account,
        name="示例知识产权代理有限公司",
        credit_code=AGENT_CREDIT_CODE,
        address=profile.address,
    )
    return profile.account


@pytest.fixture
def other_agent(db):
    """Another agent, with nothing to do with the mandates of ``agent``."""
    return make_agent("otheragent", "另一家代理有限公司").account


@pytest.fixture
def today():
    return timezone.localdate()


def mandate_for(
    agent,
    client,
    *,
    status=Mandate.Status.ACCEPTED,
    services=("R11",),
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    description="代为办理软件著作权登记",
) -> Mandate:
    """Create a mandate as it would stand after the services ran (for reads and state checks)."""
    today = timezone.localdate()
    mandate = Mandate.objects.create(
        agent=agent,
        client=client,
        services=list(services),
        start_date=start or today,
        end_date=end or today + datetime.timedelta(days=365),
        status=status,
        description=description,
    )
    MandateEvent.objects.create(mandate=mandate, actor=agent, from_status="", to_status=status)
    return mandate
