"""The portal as the security proofs see it: who is logged in (the personas) and what each of them acts on.

Every persona is a client with a session of its own: applicants and agents logged in, staff with the second
factor (TOTP) passed as the staff login would leave them, except ``staff_without_otp`` whose session never
passed it. The objects are made by the project's own services (tests/factories.py), so they stand as the portal
would have saved them.
"""

import hashlib
import io
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client, TestCase
from PIL import Image

from ruanzhu.accounts.models import User
from ruanzhu.accounts.roles import EXAMINERS
from ruanzhu.agents.models import Mandate
from ruanzhu.core.files import store_private_file
from ruanzhu.core.review import item_claim
from ruanzhu.examination import services as examination
from ruanzhu.examination.services.corrections import CorrectionItem
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.identity.models import Verification, VerificationDocument
from ruanzhu.notifications.models import Notification
from ruanzhu.registry.models import Registration
from ruanzhu.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import (
    STEP_DATA,
    AgentProfileFactory,
    FilingFactory,
    MandateFactory,
    StaffFactory,
    UserFactory,
    invitation_accept_as,
    registration_of,
    resident_id,
    staff_session,
)
from tests.filings.registered import save_steps
from tests.security.matrix import STAFF_WITH_OTP


@dataclass
class World:
    """The personas, their logged-in clients and the objects they act on."""

    people: dict[str, User | None]
    clients: dict[str, Client]
    filing: Filing | None = None  # filed by the applicant itself, co-owner joined, form issued (待提交)
    agent_filing: Filing | None = None  # filed by the agent for the applicant, co-owner joined, form issued
    invitation: FilingParty | None = None  # the co-owner's pending invitation to a draft of the applicant
    correction_filing: Filing | None = None  # in examination, a 补正 requested by the examiner
    registered_filing: Filing | None = None  # registered, certificate issued
    registration: Registration | None = None
    mandate: Mandate | None = None  # applicant → agent, accepted, in force, its signed letter uploaded
    verification: Verification | None = None  # a newcomer's verification waiting for review, with documents
    notification: Notification | None = None  # one of the applicant's messages
    webhook_delivery: WebhookDelivery | None = None  # the agent's: its endpoint (active) and a failed event


def jpeg(seed: int = 0) -> bytes:
    """Return a small, valid JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (seed * 40 % 256, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def with_document(verification: Verification, slot: str) -> VerificationDocument:
    """Store a document in one slot of ``verification`` as the upload would (encrypted, in private storage)."""
    content = jpeg(len(slot))
    return VerificationDocument.objects.create(
        verification=verification,
        slot=slot,
        storage_name=store_private_file(content=content, folder="identity", suffix=".jpg"),
        content_type="image/jpeg",
        sha256=hashlib.sha256(content).hexdigest(),
        width=64,
        height=40,
        check_state=VerificationDocument.CheckState.DONE,
    )


@pytest.fixture
def security_storage(settings, tmp_path):
    """Private storage in a temporary folder, and the data folder where the certificates' signing key is made."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    settings.DATA_DIR = tmp_path
    return location


@pytest.fixture
def people(db, security_storage, verified_alice, verified_bob, verified_carol, agent, reviewer, examiner):
    """Every persona's account (None for the anonymous visitor)."""
    return {
        "anonymous": None,
        "applicant": verified_alice,
        "other_applicant": verified_carol,
        "co_owner": verified_bob,
        "agent": agent,
        "agent_without_mandate": AgentProfileFactory(
            account__username="unmandated_agent", name="无委托代理有限公司", verified=True
        ).account,
        "identity_reviewer": reviewer,
        "examiner": examiner,
        "staff_without_otp": StaffFactory(username="no_otp_examiner", role=EXAMINERS),
    }


def log_in(persona: str, user: User | None) -> Client:
    """Return a client logged in as ``user`` the way ``persona`` logs in."""
    client = Client()
    if user is None:
        return client
    if persona in STAFF_WITH_OTP:
        return staff_session(client, user)
    client.force_login(user)
    return client


@pytest.fixture
def clients(people):
    """A logged-in client per persona."""
    return {persona: log_in(persona, user) for persona, user in people.items()}


def agent_filing_for(agent: User, client: User, co_owner: User, deposits: dict) -> Filing:
    """Return an R11 filing that ``agent`` files for ``client`` with ``co_owner``, its form issued."""
    from ruanzhu.filings.services.agency import filing_create_for_client
    from ruanzhu.filings.services.documents import filing_upload_document
    from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes
    from ruanzhu.filings.services.parties import owner_add

    filing = save_steps(filing_create_for_client(service="R11", agent=agent, client=client), agent, STEP_DATA)
    owner_add(filing=filing, by=agent, identifier=co_owner.username)
    invitation_accept_as(filing, co_owner)
    for kind, content in (
        ("program_deposit", deposits["program"]),
        ("document_deposit", deposits["document"]),
    ):
        filing_upload_document(filing=filing, by=agent, kind=kind, data=content, filename=f"{kind}.pdf")
    filing.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        form_request_codes(filing=filing, by=agent)
    for account in (client, co_owner):
        filing.refresh_from_db()
        form_confirm_in_account(filing=filing, account=account)
    filing.refresh_from_db()
    return filing


def invitation_to(invitee: User, applicant: User) -> FilingParty:
    """Return ``invitee``'s pending invitation to a fresh draft of ``applicant``."""
    from ruanzhu.filings.services.drafts import filing_create
    from ruanzhu.filings.services.parties import owner_add

    draft = filing_create(service="R11", applicant=applicant, filer=applicant)
    draft = save_steps(draft, applicant, {"role": STEP_DATA["role"]})
    owner_add(filing=draft, by=applicant, identifier=invitee.username)
    return FilingParty.objects.get(filing=draft, account=invitee, status=FilingParty.Status.INVITED)


def in_correction(filing: Filing, examiner: User) -> Filing:
    """Claim, accept and examine a submitted filing, then ask for a 补正 of its software name."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        filing = item_claim(item=filing, by=examiner)
        filing = examination.filing_accept(filing=filing, by=examiner)
        filing = examination.examination_start(filing=filing, by=examiner)
        examination.correction_request(
            filing=filing, by=examiner, items=[CorrectionItem("field:full_name", "软件名称与文档不一致")]
        )
    filing.refresh_from_db()
    return filing


def verification_in_review(account: User) -> Verification:
    """Return ``account``'s verification, filled in with its documents, submitted and waiting for a reviewer."""
    from ruanzhu.identity.services import verification_submit
    from ruanzhu.identity.validators import person_identity_index

    id_number = resident_id(777)
    verification = Verification.objects.create(
        account=account,
        kind=Verification.Kind.INDIVIDUAL,
        step=2,
        real_name="待审核",
        id_type="resident_id",
        id_number=id_number,
        identity_index=person_identity_index("resident_id", id_number),
        province="北京市",
        city="北京市",
    )
    for slot in verification.slots:
        with_document(verification, slot)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return verification_submit(verification=verification, consent_id_data=True, consent_face=True)


@pytest.fixture
def world(people, clients, deposits, settings):
    """The personas and every object they act on (see World)."""
    # Four filings send their codes to the same two owners within a second: not what these proofs are about.
    settings.OTP_SEND_LIMITS_PER_PHONE = settings.OTP_SEND_LIMITS_PER_ACCOUNT = "100/60"
    alice, bob, agent, examiner = people["applicant"], people["co_owner"], people["agent"], people["examiner"]
    mandate = MandateFactory(agent=agent, client=alice, services=["R11", "R21", "R41"])
    letter = store_private_file(content=deposits["document"], folder="mandates", suffix=".pdf")
    Mandate.objects.filter(pk=mandate.pk).update(
        letter_storage_name=letter, letter_content_type="application/pdf", letter_uploaded_by=agent
    )
    mandate.refresh_from_db()
    for slot in alice.verifications.get().slots:
        with_document(alice.verifications.get(), slot)
    registered = FilingFactory(
        registered=True, applicant=alice, co_owners=[bob], deposits=deposits, examiner=examiner
    )
    world = World(
        people=people,
        clients=clients,
        filing=FilingFactory(confirmed=True, applicant=alice, co_owners=[bob], deposits=deposits),
        agent_filing=agent_filing_for(agent, alice, bob, deposits),
        invitation=invitation_to(bob, alice),
        correction_filing=in_correction(
            FilingFactory(submitted=True, applicant=alice, co_owners=[bob], deposits=deposits), examiner
        ),
        registered_filing=registered,
        registration=registration_of(registered),
        mandate=mandate,
        verification=verification_in_review(
            UserFactory(username="pending_person", identity_status=User.IdentityStatus.UNVERIFIED)
        ),
        notification=Notification.objects.filter(recipient=alice).first(),
    )
    assert world.notification is not None
    world.webhook_delivery = webhook_delivery_of(agent, world.agent_filing)
    return world


def webhook_delivery_of(agent: User, filing: Filing) -> WebhookDelivery:
    """Return a failed delivery to an endpoint of ``agent``; its address is never reached (a documentation one)."""
    endpoint = WebhookEndpoint.objects.create(
        owner=agent, url="https://192.0.2.1/ruanzhu", secret="whsec_test"
    )
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="filing.status_changed",
        filing=filing,
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
    )


# --- "Nothing changed" ------------------------------------------------------------------------------------------
# A persona's own session (its last-seen time, a flash message) is no data of the portal. Nor is the count of
# password attempts that a refused password page keeps (accounts.LoginThrottle): counting is what refusing does.
SESSION_TABLE = "django_session"
ATTEMPT_TABLE = "accounts_loginthrottle"


class WriteRecorder:
    """Record every statement that wrote a row, through Django's execute wrapper (cheap: no extra queries).

    An INSERT counts whatever its row count says (SQLite reports 0 for INSERT … RETURNING until the rows are
    read); an UPDATE or DELETE counts when it touched a row.
    """

    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if SESSION_TABLE in sql or ATTEMPT_TABLE in sql or verb not in {"INSERT", "UPDATE", "DELETE"}:
            return result
        if verb == "INSERT" or getattr(context["cursor"], "rowcount", -1) != 0:
            self.writes.append(sql[:200])
        return result


def database_digest() -> str:
    """Return a digest of every row of every table the portal's models own (sessions aside)."""
    digest = hashlib.sha256()
    for model in apps.get_models(include_auto_created=True):
        if (
            model._meta.proxy
            or not model._meta.managed
            or model._meta.db_table in (SESSION_TABLE, ATTEMPT_TABLE)
        ):
            continue
        digest.update(model._meta.db_table.encode())
        for row in model._base_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def storage_listing(location) -> list[str]:
    """Return the files of private storage, with their sizes."""
    if not location.exists():
        return []
    return sorted(
        f"{path.relative_to(location)}:{path.stat().st_size}"
        for path in location.rglob("*")
        if path.is_file()
    )


@pytest.fixture
def recorder():
    """Record the writes of the requests made while it is installed."""
    recorder = WriteRecorder()
    with connection.execute_wrapper(recorder):
        yield recorder
