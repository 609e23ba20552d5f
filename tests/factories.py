"""factory_boy factories: accounts, verified identities, filings carried through the engine, mandates, records.

Filings, registrations and their numbers are made by the project's own services, so that what a test reads is
what the portal would have saved. Those services are imported where they are used: the root conftest imports
this module, and a test of the OTP or of the accounts should not need the filing engine to load.
"""

import datetime
import functools
import io
import itertools
import tempfile
from pathlib import Path

import factory
from django.db.models import F
from django.test import TestCase
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.models import User
from ruanzhu.accounts.roles import EXAMINERS, staff_roles_ensure
from ruanzhu.agents.models import AgentProfile, Mandate, MandateEvent
from ruanzhu.filings.models import Filing
from ruanzhu.identity.models import Verification, VerifiedIdentity
from ruanzhu.identity.validators import institution_identity_index, person_identity_index
from ruanzhu.otp.models import SmsMessage
from ruanzhu.registry.models import Registration
from tests.examination.checklist import every_point

PASSWORD = "Correct-Horse-Battery-9"
_phones = itertools.count(1)


def next_phone() -> str:
    """Return a fresh, valid China mobile number."""
    return f"139{next(_phones):08d}"


# --- Accounts -----------------------------------------------------------------------------------------------------
class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    kind = User.Kind.INDIVIDUAL
    identity_status = User.IdentityStatus.VERIFIED

    @factory.post_generation
    def phone(self, create, extracted, **kwargs):
        self.set_phone(extracted or next_phone())
        if create:
            self.save(update_fields=["phone", "phone_index"])

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class StaffFactory(UserFactory):
    """A staff member; ``StaffFactory(role=EXAMINERS)`` gives the role's group (and so its permissions) and a
    TOTP device to log in with."""

    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted and create:
            self.groups.add(staff_roles_ensure()[extracted])
            totp_device(self)


def totp_device(user: User) -> TOTPDevice:
    """Give ``user`` a confirmed TOTP device."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def totp_now(device: TOTPDevice) -> str:
    """Return the device's current TOTP code."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def staff_session(client, user: User):
    """Log ``client`` in as ``user`` with a verified TOTP device, as the staff login would."""
    device = TOTPDevice.objects.filter(user=user).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# --- Verified identities ------------------------------------------------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id(n: int) -> str:
    """Return the ``n``-th valid resident ID number (Beijing, born 1 January 1990), check digit included."""
    body = f"11010519900101{n % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def credit_code(n: int) -> str:
    """Return the ``n``-th valid unified social credit code, check character included."""
    body = f"91110108MA{n % 10**7:07d}"
    total = sum(
        _CREDIT_CODE_CHARACTERS.index(char) * weight
        for char, weight in zip(body, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return body + _CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


class VerificationFactory(factory.django.DjangoModelFactory):
    """An approved real-name verification and the verified identity it gives its account.

    ``VerificationFactory(account=alice, real_name="李爱丽", id_number=...)`` for an individual;
    ``VerificationFactory(institution=True, account=acme, institution_name=..., credit_code=...)`` for an
    institution (whose administrator is the person named by ``real_name`` and ``id_number``).
    """

    class Meta:
        model = Verification
        skip_postgeneration_save = True

    class Params:
        institution = factory.Trait(
            kind=Verification.Kind.INSTITUTION,
            account=factory.SubFactory(
                UserFactory,
                kind=User.Kind.INSTITUTION,
                institution_name=factory.SelfAttribute("..institution_name"),
            ),
            institution_name=factory.Sequence(lambda n: f"示例机构{n:04d}有限公司"),
            credit_code=factory.Sequence(credit_code),
            address="北京市海淀区知春路1号",
            legal_representative="王法人",
            real_name="赵管理",
            id_number="110105198001010012",
            province="",
            city="",
            identity_index=factory.LazyAttribute(
                lambda verification: institution_identity_index(verification.credit_code)
            ),
        )

    account = factory.SubFactory(UserFactory)
    kind = Verification.Kind.INDIVIDUAL
    status = Verification.Status.APPROVED
    real_name = "测试用户"
    id_type = "resident_id"
    id_number = factory.Sequence(lambda n: resident_id(n + 100))
    nationality = "中国"
    province = "北京市"
    city = "北京市"
    identity_index = factory.LazyAttribute(
        lambda verification: person_identity_index(verification.id_type, verification.id_number)
    )

    @factory.post_generation
    def verified_identity(self, create, extracted, **kwargs):
        if not create:
            return
        VerifiedIdentity.objects.create(index=self.identity_index, account=self.account, verification=self)
        User.objects.filter(pk=self.account_id).exclude(identity_status=User.IdentityStatus.VERIFIED).update(
            identity_status=User.IdentityStatus.VERIFIED
        )


# --- Agents and mandates ------------------------------------------------------------------------------------------
class AgentProfileFactory(factory.django.DjangoModelFactory):
    """An institution marked as agent (代理机构); its account is verified when ``verified=True``."""

    class Meta:
        model = AgentProfile
        skip_postgeneration_save = True

    account = factory.SubFactory(
        UserFactory, kind=User.Kind.INSTITUTION, institution_name=factory.SelfAttribute("..name")
    )
    name = factory.Sequence(lambda n: f"示例知识产权代理{n:04d}有限公司")
    address = "北京市海淀区知春路1号"
    postcode = "100083"
    contact_person = "钱经办"
    phone = "010-62000000"
    email = factory.LazyAttribute(lambda profile: f"{profile.account.username}@agent.example.com")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if extracted and create:
            VerificationFactory(
                institution=True,
                account=self.account,
                institution_name=self.name,
                address=self.address,
                **kwargs,
            )


class MandateFactory(factory.django.DjangoModelFactory):
    """A mandate as it stands after the services ran: accepted and in force for a year from today.

    Traits: ``proposed`` (not yet accepted), ``revoked``, ``expired`` (accepted, ended yesterday).
    """

    class Meta:
        model = Mandate
        skip_postgeneration_save = True

    class Params:
        proposed = factory.Trait(status=Mandate.Status.PROPOSED)
        revoked = factory.Trait(status=Mandate.Status.REVOKED)
        expired = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30)),
            end_date=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1)),
        )

    agent = factory.LazyFunction(lambda: AgentProfileFactory(verified=True).account)
    client = factory.LazyFunction(lambda: VerificationFactory().account)
    services = factory.LazyFunction(lambda: ["R11"])
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda mandate: mandate.start_date + datetime.timedelta(days=365))
    status = Mandate.Status.ACCEPTED
    description = "代为办理软件著作权登记"

    @factory.post_generation
    def event(self, create, extracted, **kwargs):
        if create:
            MandateEvent.objects.create(mandate=self, actor=self.agent, from_status="", to_status=self.status)


# --- Registry records ---------------------------------------------------------------------------------------------
class RegistrationFactory(factory.Factory):
    """A published registration (registry record), numbered from the series unless numbers are given."""

    class Meta:
        model = Registration

    software_name = factory.Sequence(lambda n: f"测试软件{n + 1}")
    version = "V1.0"
    owners = factory.LazyFunction(lambda: ["示例科技有限公司"])
    completion_date = datetime.date(2025, 12, 1)
    registered_on = datetime.date(2026, 3, 2)
    category = "应用软件"
    service = "R11"

    @classmethod
    def _create(cls, model_class, **fields):
        from ruanzhu.registry.services import registration_create

        return registration_create(**fields)


# --- Filings ------------------------------------------------------------------------------------------------------
NAME = "智慧园区管理平台"
VERSION = "V1.0"
MAIN_FUNCTIONS = ("本软件提供园区访客登记、车辆进出、能耗监测、设备巡检、工单派发与统计报表等功能，" * 20)[
    :800
]

STEP_DATA = {
    "role": {"owner_type": "joint", "development_mode": "independent"},
    "software": {
        "full_name": NAME,
        "short_name": "园区平台",
        "version": VERSION,
        "category": "应用软件",
        "work_type": "original",
    },
    "development": {
        "completion_date": "2026-06-30",
        "publication": "unpublished",
        "acquisition": "original",
        "rights_scope": "all",
    },
    "features": {
        "dev_hardware": "PC 服务器",
        "run_hardware": "x86 服务器",
        "dev_os": "Linux",
        "dev_tools": "PyCharm",
        "run_platform": "Linux",
        "support_software": "PostgreSQL",
        "languages": ["Python"],
        "source_lines": 52000,
        "purpose": "园区数字化管理",
        "field": "物业管理",
        "main_functions": MAIN_FUNCTIONS,
        "feature_tags": ["物联网软件"],
        "feature_text": "",
        "deposit_mode": "standard",
    },
}


@functools.cache
def deposit_pdfs() -> dict[str, bytes]:
    """Return real deposits built once by the deposit builder: program, documentation, and a program deposit
    with a short page."""
    from ruanzhu.deposits import build_document_deposit, build_program_deposit

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        source = base / "src"
        source.mkdir()
        (source / "main.py").write_text(
            "\n".join(f"value_{index} = compute({index})" for index in range(4000)), encoding="utf-8"
        )
        program = base / "program.pdf"
        build_program_deposit(source, name=NAME, version=VERSION, output=program)
        manual = base / "manual.md"
        manual.write_text(
            "# 用户手册\n\n"
            + "\n\n".join(f"第{index}步：打开园区平台，选择菜单并完成操作。" for index in range(900)),
            encoding="utf-8",
        )
        document = base / "document.pdf"
        build_document_deposit(manual, name=NAME, version=VERSION, output=document)
        return {
            "program": program.read_bytes(),
            "document": document.read_bytes(),
            "short": short_page_deposit(),
        }


def short_page_deposit() -> bytes:
    """A program deposit drawn as another tool might, whose third page has only 43 lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from ruanzhu.deposits.fonts import DEFAULT_FONT_PATH

    pdfmetrics.registerFont(TTFont("FilingTestMono", DEFAULT_FONT_PATH, subfontIndex=1))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    for number, count in enumerate((50, 50, 43, 50, 12), start=1):
        canvas.setFont("FilingTestMono", 10)
        canvas.drawString(50, height - 40, f"{NAME} {VERSION}")
        canvas.drawRightString(width - 40, height - 40, str(number))
        canvas.setFont("FilingTestMono", 9)
        for index in range(count):
            canvas.drawString(50, height - 70 - index * 14, f"value_{index} = compute({index})")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def invitation_accept_as(filing: Filing, account: User, role: str | None = None):
    """Accept, as ``account``, its pending invitation to ``filing`` (what it does on 我的邀请); return the party.

    A co-owner added by phone or username is only invited until it accepts in its own account.
    """
    from ruanzhu.filings.models import FilingParty
    from ruanzhu.filings.services.parties import invitation_accept

    invitations = FilingParty.objects.filter(
        filing=filing, account=account, status=FilingParty.Status.INVITED
    )
    party = invitations.get(role=role) if role else invitations.get()
    return invitation_accept(party=party, by=account)


# The stages a filing goes through, in order; FilingFactory stops at the one its trait names.
STAGES = ("draft", "issued", "confirmed", "signed", "submitted", "registered")


class FilingFactory(factory.Factory):
    """An R11 filing (智慧园区管理平台 V1.0) carried through the engine's services.

    Default: a draft with every step saved, each of ``co_owners`` invited (and joined, if verified) and both
    deposits uploaded. Traits:
    - ``issued``: the codes were sent, the owners' confirmations are pending (待确认);
    - ``confirmed``: every owner confirmed in their account, the form is issued (待提交);
    - ``signed``: confirmed, and the signed signature page is uploaded;
    - ``submitted``: signed and submitted (待受理);
    - ``registered``: accepted, examined and registered by ``examiner``, its record published.
    """

    class Meta:
        model = Filing

    class Params:
        issued = factory.Trait(stage="issued")
        confirmed = factory.Trait(stage="confirmed")
        signed = factory.Trait(stage="signed")
        submitted = factory.Trait(stage="submitted")
        registered = factory.Trait(stage="registered")

    stage = "draft"
    applicant = factory.LazyFunction(lambda: VerificationFactory().account)
    co_owners = factory.LazyFunction(list)
    deposits = factory.LazyFunction(deposit_pdfs)
    step_data = factory.LazyFunction(lambda: STEP_DATA)
    examiner = None  # who registers the filing; a new examiner unless given

    @classmethod
    def _create(cls, model_class, *, stage, applicant, co_owners, deposits, step_data, examiner):
        from ruanzhu.core.files import read_private_file
        from ruanzhu.filings.definitions import definition_for
        from ruanzhu.filings.services.documents import filing_upload_document, signature_page_upload
        from ruanzhu.filings.services.drafts import filing_create, filing_save_step
        from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes
        from ruanzhu.filings.services.parties import owner_add
        from ruanzhu.filings.services.submission import filing_submit

        reached = STAGES.index(stage)
        first_message = SmsMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        filing = filing_create(service="R11", applicant=applicant, filer=applicant)
        for step in definition_for("R11").form_steps:
            form = step.form_class(data=step_data[step.slug])
            assert form.is_valid(), (step.slug, form.errors)
            filing = filing_save_step(
                filing=filing, by=applicant, step=step.slug, cleaned_data=form.cleaned_data
            )
        for owner in co_owners:
            owner_add(filing=filing, by=applicant, identifier=owner.username)
            # An unverified co-owner cannot accept: its invitation stays pending.
            if owner.is_verified_identity:
                invitation_accept_as(filing, owner)
        filing_upload_document(
            filing=filing, by=applicant, kind="program_deposit", data=deposits["program"], filename="p.pdf"
        )
        filing_upload_document(
            filing=filing, by=applicant, kind="document_deposit", data=deposits["document"], filename="d.pdf"
        )
        filing.refresh_from_db()
        if reached >= STAGES.index("issued"):
            # The codes are delivered after the commit: run that now, as the end of the request would.
            with TestCase.captureOnCommitCallbacks(execute=True):
                form_request_codes(filing=filing, by=applicant)
            filing.refresh_from_db()
        if reached >= STAGES.index("confirmed"):
            for party in filing.parties.select_related("account").order_by("position"):
                form_confirm_in_account(filing=filing, account=party.account)
                filing.refresh_from_db()
        if reached >= STAGES.index("signed"):
            signature_page_upload(
                filing=filing,
                by=applicant,
                data=read_private_file(filing.form_storage_name),
                filename="signed.pdf",
            )
        if reached >= STAGES.index("submitted"):
            filing = filing_submit(filing=filing, by=applicant)
        if reached >= STAGES.index("registered"):
            filing = examine_and_register(filing, examiner or StaffFactory(role=EXAMINERS))
            # The work was registered a while ago: its codes do not count against the owners' send limits now.
            SmsMessage.objects.filter(pk__gt=first_message).update(
                created_at=F("created_at") - datetime.timedelta(hours=1)
            )
        return filing


def examine_and_register(filing: Filing, examiner: User) -> Filing:
    """Claim, accept, examine and register a submitted filing; return it."""
    from ruanzhu.core.review import item_claim
    from ruanzhu.examination import services as examination

    filing = item_claim(item=filing, by=examiner)
    filing = examination.filing_accept(filing=filing, by=examiner)
    filing = examination.examination_start(filing=filing, by=examiner)
    return examination.filing_register(filing=filing, by=examiner, checked=every_point(filing))


def registration_of(filing: Filing) -> Registration:
    """Return the registry record published when ``filing`` was registered."""
    return Registration.objects.get(source_reference=f"filing:{filing.pk}")


def owner_of(user: User, name: str | None = None):
    """Return ``user`` as an owner of record: who it is (its verified identity), printed as ``name``."""
    from ruanzhu.identity.selectors import verified_identity_of
    from ruanzhu.registry.services import RecordOwner

    identity = verified_identity_of(user)
    return RecordOwner(
        name or identity.name, identity.kind, identity.nationality, identity.identity_index, user.pk
    )
