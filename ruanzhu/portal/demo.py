"""Demo data for a development portal: two verified individuals, an institution, an agent and staff."""

import base64
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.models import User
from ruanzhu.accounts.roles import EXAMINERS, IDENTITY_REVIEWERS, staff_roles_ensure
from ruanzhu.agents.models import AgentProfile
from ruanzhu.agents.services import agent_mark
from ruanzhu.identity.models import Verification, VerifiedIdentity
from ruanzhu.identity.validators import institution_identity_index, person_identity_index

DEMO_PASSWORD = "Ruanzhu-Demo-2026"  # noqa: S105 - printed by `make run`; demo accounts only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    kind: str
    phone: str
    email: str
    institution_name: str = ""
    staff_group: str = ""
    role: str = ""


DEMO_ACCOUNTS = (
    DemoAccount(
        "alice", User.Kind.INDIVIDUAL, "13800000001", "alice@example.com", role="个人用户，已实名认证"
    ),
    DemoAccount("bob", User.Kind.INDIVIDUAL, "13800000002", "bob@example.com", role="个人用户，已实名认证"),
    DemoAccount(
        "acme",
        User.Kind.INSTITUTION,
        "13800000003",
        "admin@acme.example.com",
        "示例科技有限公司",
        role="机构用户",
    ),
    DemoAccount(
        "agent",
        User.Kind.INSTITUTION,
        "13800000004",
        "office@agent.example.com",
        "示例知识产权代理有限公司",
        role="代理机构",
    ),
    DemoAccount(
        "reviewer",
        User.Kind.INDIVIDUAL,
        "13800000005",
        "reviewer@example.com",
        staff_group=IDENTITY_REVIEWERS,
        role="实名审核员",
    ),
    DemoAccount(
        "examiner",
        User.Kind.INDIVIDUAL,
        "13800000006",
        "examiner@example.com",
        staff_group=EXAMINERS,
        role="审查员",
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    account: DemoAccount
    user: User
    totp_secret: str = ""
    totp_url: str = ""


@transaction.atomic
def demo_accounts_ensure() -> list[DemoLogin]:
    """Create the demo accounts that are missing (idempotent) and return their logins."""
    logins = []
    groups = staff_roles_ensure()
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = User.objects.create_user(
                username=account.username,
                email=account.email,
                password=DEMO_PASSWORD,
                phone=account.phone,
                kind=account.kind,
                institution_name=account.institution_name,
                identity_status=User.IdentityStatus.VERIFIED,
                is_staff=bool(account.staff_group),
            )
        if not account.staff_group:
            logins.append(DemoLogin(account, user))
            continue
        user.groups.add(groups[account.staff_group])
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        secret = base64.b32encode(device.bin_key).decode("ascii")
        logins.append(DemoLogin(account, user, totp_secret=secret, totp_url=device.config_url))
    _demo_verifications_ensure()
    _demo_agent_profile_ensure()
    return logins


# Approved real-name verifications, so that demo filings show their owners as a real one would.
DEMO_IDENTITIES = {
    "alice": {"real_name": "李爱丽", "id_number": "110105199003070017"},
    "bob": {"real_name": "鲍勃", "id_number": "110105198510120029"},
    "acme": {
        "institution_name": "示例科技有限公司",
        "credit_code": "91110108MA01ABCD1E",
        "category": "enterprise",
        "legal_representative": "张法人",
        "address": "北京市海淀区中关村大街1号",
        "real_name": "王管理",
        "id_number": "110108198001010015",
    },
    "agent": {
        "institution_name": "示例知识产权代理有限公司",
        "credit_code": "91310000MA1FL1230C",
        "category": "enterprise",
        "legal_representative": "赵代理",
        "address": "北京市海淀区知春路1号",
        "real_name": "钱经办",
        "id_number": "310104197902020023",
    },
}


def _demo_verifications_ensure() -> None:
    for username, data in DEMO_IDENTITIES.items():
        user = User.objects.get(username=username)
        if VerifiedIdentity.objects.filter(account=user).exists():
            continue
        institution = "credit_code" in data
        index = (
            institution_identity_index(data["credit_code"])
            if institution
            else person_identity_index("resident_id", data["id_number"])
        )
        verification = Verification.objects.create(
            account=user,
            kind=Verification.Kind.INSTITUTION if institution else Verification.Kind.INDIVIDUAL,
            status=Verification.Status.APPROVED,
            id_type="resident_id",
            nationality="中国",
            province="北京市",
            city="北京市",
            id_long_term=True,
            step=3,
            identity_index=index,
            **data,
        )
        VerifiedIdentity.objects.create(index=index, account=user, verification=verification)


def _demo_agent_profile_ensure() -> None:
    """Mark the demo account "agent" as agent (idempotent)."""
    agent = User.objects.get(username="agent")
    if not AgentProfile.objects.filter(account=agent).exists():
        agent_mark(
            account=agent,
            by=None,
            address="北京市海淀区知春路1号",
            postcode="100083",
            contact_person="钱经办",
            phone="010-62000000",
            email="office@agent.example.com",
        )
