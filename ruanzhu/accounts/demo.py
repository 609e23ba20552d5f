"""Demo accounts for a development portal: two verified individuals, an institution, an agent and staff."""

import base64
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.models import User
from ruanzhu.accounts.roles import EXAMINERS, IDENTITY_REVIEWERS, staff_roles_ensure

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
    _demo_agent_profile_ensure()
    return logins


def _demo_agent_profile_ensure() -> None:
    """Mark the demo account "agent" as agent (idempotent)."""
    from ruanzhu.agents.models import AgentProfile
    from ruanzhu.agents.services import agent_mark

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
