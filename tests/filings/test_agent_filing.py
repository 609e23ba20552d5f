"""An agent files for its client under a mandate: the agent block prints, the codes go to the owners, and a
mandate that is no longer in force stops the agent on its next request while the client keeps reading."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ruanzhu.agents import services as agent_services
from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.core.files import read_private_file
from ruanzhu.filings.models import Filing
from ruanzhu.filings.states import Status
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from tests.agents.conftest import mandate_for
from tests.filings.flow import fill, messages_of, post_step, signed_page, start, upload, upload_signature

REFUSAL = "委托已撤销、已过期或不包含本业务"


def url(name, filing, *args):
    return reverse(f"filings:{name}", args=[filing.pk, *args])


@pytest.fixture
def mandate(agent, verified_acme):
    return mandate_for(agent, verified_acme, services=("R11",), description="代为办理软件著作权登记及补正")


@pytest.fixture
def agent_client(client, agent, private_storage, settings):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"
    client.force_login(agent)
    return client


@pytest.fixture
def acme_client(verified_acme):
    acme = Client()
    acme.force_login(verified_acme)
    return acme


@pytest.fixture
def alice_client(verified_alice):
    alice = Client()
    alice.force_login(verified_alice)
    return alice


def start_for(client, acme, **role) -> Filing:
    return start(client, filer_role="agent", mandate_client=acme.pk, **role)


@pytest.fixture
def ready(agent_client, mandate, verified_acme, verified_alice, deposits):
    return fill(agent_client, start_for(agent_client, verified_acme), deposits, co_owner="alice")


@pytest.fixture
def send(agent_client, django_capture_on_commit_callbacks):
    def send_codes(filing, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or agent_client).post(url("codes_send", filing), follow=True)
        filing.refresh_from_db()
        return response

    return send_codes


def confirm_all(client, filing):
    for party in filing.parties.select_related("account"):
        client.post(
            url("code_confirm", filing),
            {"party_id": party.pk, "code": latest_code_in_outbox(party.account.phone)},
        )
    filing.refresh_from_db()


@pytest.fixture
def issued(ready, send, agent_client):
    send(ready)
    confirm_all(agent_client, ready)
    assert ready.status == Status.FORM_ISSUED
    upload_signature(agent_client, ready)
    return ready


def form_text(filing) -> str:
    content = read_private_file(filing.form_storage_name)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def snapshot(filing):
    filing.refresh_from_db()
    return (
        filing.status,
        filing.details,
        filing.fingerprint,
        filing.submitted_at,
        sorted(filing.parties.values_list("account_id", flat=True)),
        sorted(filing.documents.values_list("kind", "sha256")),
        filing.confirmations.count(),
        filing.events.count(),
    )


# --- Creating and filing for a client ---------------------------------------------------------------------------
def test_start_page_offers_the_agent_its_clients_whose_mandate_covers_the_service(
    agent_client, agent, mandate, verified_acme, verified_bob
):
    mandate_for(agent, verified_bob, services=("R21",))
    page = agent_client.get(reverse("filings:start", args=["R11"])).content.decode()
    assert "我是申请人" in page and "我是代理机构：为委托人办理" in page
    assert f'value="{verified_acme.pk}"' in page and "示例科技有限公司" in page
    assert f'value="{verified_bob.pk}"' not in page


def test_an_applicant_that_is_no_agent_gets_no_choice(client, verified_alice):
    client.force_login(verified_alice)
    page = client.get(reverse("filings:start", args=["R11"])).content.decode()
    assert "我是代理机构" not in page and 'data-testid="filer-role"' in page


def test_agent_creates_the_filing_for_its_client_with_the_agent_block(
    agent_client, agent, mandate, verified_acme
):
    filing = start_for(agent_client, verified_acme)
    assert (filing.applicant, filing.filer, filing.agent) == (verified_acme, agent, agent)
    assert filing.agent_block == mandate.agent_block()
    assert filing.mandate == mandate
    # The details hold the form's data only: who files is the filing's agent, filer and mandate.
    assert not {"agent_block", "mandate_id", "filer_role"} & set(filing.details)
    assert list(filing.parties.values_list("account", flat=True)) == [verified_acme.pk]
    page = agent_client.get(url("step", filing, "role")).content.decode()
    assert "为委托人示例科技有限公司办理" in page


def test_agent_on_its_own_behalf_files_as_applicant(agent_client, agent, mandate):
    filing = start(agent_client, filer_role="applicant")
    assert (filing.applicant, filing.filer, filing.agent) == (agent, agent, None)
    assert filing.agent_block == {} and filing.mandate is None


@pytest.mark.parametrize(
    "services, status",
    [(("R21",), Mandate.Status.ACCEPTED), (("R11",), Mandate.Status.PROPOSED), (("R11",), "revoked")],
)
def test_agent_cannot_file_for_a_client_without_a_mandate_for_the_service(
    agent_client, agent, verified_acme, services, status
):
    mandate_for(agent, verified_acme, services=services, status=status)
    response = agent_client.post(
        reverse("filings:start", args=["R11"]),
        {
            "owner_type": "single",
            "development_mode": "independent",
            "filer_role": "agent",
            "mandate_client": verified_acme.pk,
            "action": "next",
        },
    )
    assert response.status_code == 400
    assert not Filing.objects.exists()


def test_agent_must_choose_a_client(agent_client, mandate):
    response = agent_client.post(
        reverse("filings:start", args=["R11"]),
        {"owner_type": "single", "development_mode": "independent", "filer_role": "agent", "action": "next"},
    )
    assert response.status_code == 400 and "请选择委托人" in response.content.decode()
    assert not Filing.objects.exists()


def test_unverified_client_is_refused(agent_client, agent, newcomer):
    mandate_for(agent, newcomer)
    response = agent_client.post(
        reverse("filings:start", args=["R11"]),
        {
            "owner_type": "single",
            "development_mode": "independent",
            "filer_role": "agent",
            "mandate_client": newcomer.pk,
            "action": "next",
        },
    )
    assert response.status_code == 400 and "实名认证" in response.content.decode()
    assert not Filing.objects.exists()


def test_codes_go_to_the_owners_phones_never_to_the_agent(ready, send, agent, verified_acme, verified_alice):
    response = send(ready)
    assert ready.status == Status.AWAITING_CODES
    text = messages_of(response)
    assert "示例科技有限公司 138****0003" in text and "李爱丽 138****0001" in text
    assert outbox_messages(verified_acme.phone).count() == 1
    assert outbox_messages(verified_alice.phone).count() == 1
    assert outbox_messages(agent.phone).count() == 0


def test_an_agent_sends_its_clients_codes_under_the_office_limits_not_a_persons(
    ready, send, settings, verified_acme
):
    settings.OTP_SEND_LIMITS_PER_ACCOUNT = settings.OTP_SEND_LIMITS_PER_IP = "1/86400"
    settings.OTP_SEND_LIMITS_PER_OFFICE = "2/86400"
    send(ready)
    assert ready.status == Status.AWAITING_CODES  # two codes: beyond one person's one a day

    response = send(ready)  # two more: beyond the office's two
    assert "您的账户发送验证码过于频繁" in messages_of(response)
    assert outbox_messages(verified_acme.phone).count() == 1


def test_an_applicant_filing_for_itself_sends_under_a_persons_limits(
    client, verified_acme, verified_alice, deposits, settings, django_capture_on_commit_callbacks
):
    settings.OTP_SEND_LIMITS_PER_ACCOUNT = "1/86400"
    client.force_login(verified_acme)
    filing = fill(client, start(client), deposits, co_owner="alice")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("codes_send", filing), follow=True)
    assert "您的账户发送验证码过于频繁" in messages_of(response)
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


def test_issued_form_prints_the_agent_block_and_the_clients_own_form_does_not(
    issued, acme_client, verified_acme, send, deposits
):
    text = form_text(issued)
    assert "示例知识产权代理有限公司" in text and "钱经办" in text and "代为办理软件著作权登记及补正" in text
    assert "示例科技有限公司" in text and "李爱丽" in text

    own = fill(acme_client, start(acme_client, owner_type="single"), deposits, co_owner=None)
    assert own.agent is None and own.agent_block == {}
    send(own, client=acme_client)
    confirm_all(acme_client, own)
    assert own.status == Status.FORM_ISSUED
    own_text = form_text(own)
    assert "示例科技有限公司" in own_text
    assert "示例知识产权代理有限公司" not in own_text and "钱经办" not in own_text


def test_agent_submits_the_issued_form(issued, agent_client):
    response = agent_client.post(url("submit", issued), follow=True)
    issued.refresh_from_db()
    assert issued.status == Status.SUBMITTED, messages_of(response)


def test_client_cannot_edit_the_agents_filing_but_reads_it_and_confirms_in_its_account(
    ready, send, acme_client, verified_acme
):
    before = snapshot(ready)
    assert acme_client.get(url("step", ready, "software")).status_code == 404
    assert acme_client.post(url("codes_send", ready)).status_code == 404
    assert snapshot(ready) == before
    mine = acme_client.get(reverse("filings:mine")).content.decode()
    assert f'data-testid="view-{ready.pk}"' in mine and f'data-testid="edit-{ready.pk}"' not in mine
    page = acme_client.get(url("detail", ready)).content.decode()
    assert 'data-testid="agent-block"' in page and "示例知识产权代理有限公司" in page
    send(ready)
    acme_client.post(url("confirm_mine", ready))
    assert ready.confirmations.filter(party__account=verified_acme).count() == 1


def test_signed_mandate_letter_is_offered_to_the_agent_and_the_client_only(
    ready, mandate, agent, agent_client, acme_client, alice_client
):
    assert (
        'data-testid="download-mandate-letter"' not in agent_client.get(url("detail", ready)).content.decode()
    )
    assert agent_client.get(url("mandate_letter", ready)).status_code == 404
    agent_services.mandate_upload_letter(mandate=mandate, by=agent, data=signed_page(), filename="委托书.pdf")
    for client in (agent_client, acme_client):
        assert 'data-testid="download-mandate-letter"' in client.get(url("detail", ready)).content.decode()
        response = client.get(url("mandate_letter", ready))
        assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment")
    assert (
        'data-testid="download-mandate-letter"' not in alice_client.get(url("detail", ready)).content.decode()
    )
    assert alice_client.get(url("mandate_letter", ready)).status_code == 404


def test_examiner_downloads_the_mandate_letter_of_a_submitted_filing(
    issued, mandate, agent, agent_client, examiner, client
):
    from tests.factories import staff_session

    agent_services.mandate_upload_letter(mandate=mandate, by=agent, data=signed_page(), filename="委托书.pdf")
    examiner_client = staff_session(Client(), examiner)
    assert examiner_client.get(url("mandate_letter", issued)).status_code == 404  # not submitted yet
    agent_client.post(url("submit", issued))
    response = examiner_client.get(url("mandate_letter", issued))
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")
    page = examiner_client.get(reverse("examination:detail", args=[issued.pk])).content.decode()
    assert 'data-testid="mandate-letter"' in page and url("mandate_letter", issued) in page


# --- A mandate no longer in force -------------------------------------------------------------------------------
def _revoked_by_client(mandate, agent, acme):
    agent_services.mandate_revoke(mandate=mandate, by=acme)


def _revoked_by_agent(mandate, agent, acme):
    agent_services.mandate_revoke(mandate=mandate, by=agent)


def _expired(mandate, agent, acme):
    today = timezone.localdate()
    Mandate.objects.filter(pk=mandate.pk).update(
        start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1)
    )


def _declined(mandate, agent, acme):
    Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.DECLINED)


def _not_covering(mandate, agent, acme):
    Mandate.objects.filter(pk=mandate.pk).update(services=["R21"])


def _profile_deactivated(mandate, agent, acme):
    agent_services.agent_set_active(profile=AgentProfile.objects.get(account=agent), active=False)


LAPSES = [_revoked_by_client, _revoked_by_agent, _expired, _declined, _not_covering, _profile_deactivated]


def agent_requests(filing, deposits):
    """Every request of the agent on its filing: (what, method, url, data)."""
    party = filing.parties.exclude(account=filing.applicant).first()
    return [
        ("detail", "get", url("detail", filing), {}),
        ("edit page", "get", url("step", filing, "software"), {}),
        ("confirm page", "get", url("step", filing, "confirm"), {}),
        ("save step", "post", url("step", filing, "features"), {"purpose": "改了", "action": "next"}),
        ("add owner", "post", url("owner_add", filing), {"identifier": "bob"}),
        ("remove owner", "post", url("owner_remove", filing, party.pk), {}),
        ("upload", "upload", "program_deposit", deposits["program"]),
        ("send codes", "post", url("codes_send", filing), {}),
        ("confirm code", "post", url("code_confirm", filing), {"party_id": party.pk, "code": "123456"}),
        ("signature page", "post", url("signature_page", filing), {}),
        ("submit", "post", url("submit", filing), {}),
        ("withdraw", "post", url("withdraw", filing), {"reason": "不办了"}),
        ("delete", "post", url("delete", filing), {}),
        ("document", "get", url("document", filing, "program_deposit"), {}),
        ("form", "get", url("form_pdf", filing), {}),
    ]


def assert_refused_everywhere(agent_client, filing, deposits, verified_bob):
    before = snapshot(filing)
    phones_before = outbox_messages().count()
    for what, method, target, data in agent_requests(filing, deposits):
        if method == "upload":
            response = upload(agent_client, filing, target, data, "program.pdf")
        else:
            response = getattr(agent_client, method)(target, data)
        assert response.status_code == 403, what
        assert REFUSAL in response.content.decode(), what
    assert snapshot(filing) == before
    assert outbox_messages().count() == phones_before


@pytest.mark.parametrize("lapse", LAPSES, ids=lambda lapse: lapse.__name__.strip("_"))
def test_a_mandate_no_longer_in_force_stops_the_agent_on_a_draft(
    lapse,
    ready,
    mandate,
    agent,
    verified_acme,
    agent_client,
    acme_client,
    alice_client,
    deposits,
    verified_bob,
):
    lapse(mandate, agent, verified_acme)
    assert_refused_everywhere(agent_client, ready, deposits, verified_bob)
    # The client and the co-owner keep their access.
    for client in (acme_client, alice_client):
        response = client.get(url("detail", ready))
        assert response.status_code == 200 and "智慧园区管理平台" in response.content.decode()
        assert f"filing-{ready.pk}" in client.get(reverse("filings:mine")).content.decode()


@pytest.mark.parametrize("lapse", LAPSES, ids=lambda lapse: lapse.__name__.strip("_"))
def test_a_mandate_no_longer_in_force_stops_the_agent_on_an_issued_form(
    lapse, issued, mandate, agent, verified_acme, agent_client, acme_client, deposits, verified_bob
):
    lapse(mandate, agent, verified_acme)
    assert_refused_everywhere(agent_client, issued, deposits, verified_bob)
    response = acme_client.get(url("form_pdf", issued))
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")


def test_owner_cannot_confirm_under_a_revoked_mandate(ready, send, mandate, verified_acme, acme_client):
    send(ready)
    agent_services.mandate_revoke(mandate=mandate, by=verified_acme)
    before = snapshot(ready)
    response = acme_client.post(url("confirm_mine", ready), follow=True)
    assert REFUSAL in messages_of(response)
    assert snapshot(ready) == before


def test_a_new_mandate_lets_the_agent_continue_and_the_form_prints_it(
    ready, mandate, agent, verified_acme, agent_client, send
):
    agent_services.mandate_revoke(mandate=mandate, by=verified_acme)
    assert agent_client.get(url("step", ready, "software")).status_code == 403
    renewed = mandate_for(agent, verified_acme, description="续签：代为办理登记")
    assert agent_client.get(url("step", ready, "software")).status_code == 200
    send(ready)
    assert ready.mandate == renewed
    assert ready.agent_block["mandate_description"] == "续签：代为办理登记"


def test_the_clock_ends_the_mandate(ready, mandate, agent_client, monkeypatch):
    assert post_step(agent_client, ready, "features").status_code == 302
    # Sessions live on timezone.now: move only the calendar day on which mandates are judged.
    later = timezone.localdate() + datetime.timedelta(days=366)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    before = snapshot(ready)
    response = post_step(agent_client, ready, "features", purpose="过期后修改")
    assert response.status_code == 403 and REFUSAL in response.content.decode()
    assert snapshot(ready) == before
