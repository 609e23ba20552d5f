"""One access module for filings: who may do what, asked by every list, page, panel and download.

The agent files for alice (its client) with bob as co-owner; carol has nothing to do with it. A mandate that
lapsed, whatever the way, hides the filing from every list of the agent as its pages refuse the agent, while
alice and bob keep theirs.
"""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ruanzhu.accounts.models import User
from ruanzhu.agents import services as agent_services
from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.agents.selectors import agent_filings
from ruanzhu.core.files import store_private_file
from ruanzhu.filings.access import decided_by_the_row
from ruanzhu.filings.models import Filing, FilingDocument, FilingParty, PartyRole
from ruanzhu.filings.selectors import (
    MandateNotInForce,
    Purpose,
    filing_for,
    filings_for,
    mandate_letter_of,
    may,
    my_filings,
)
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.drafts import filing_create
from ruanzhu.filings.services.parties import owner_add
from ruanzhu.portal.privacy import account_export
from tests.factories import MandateFactory, invitation_accept_as
from tests.filings.registered import one_page_pdf

TITLE = "智慧园区管理平台"
REFUSAL = "委托已撤销、已过期或不包含本业务"


def titled(filing: Filing, title: str) -> Filing:
    Filing.objects.filter(pk=filing.pk).update(title=title)
    filing.refresh_from_db()
    return filing


def with_document(filing: Filing) -> Filing:
    content = b"%PDF-1.4 deposit"
    FilingDocument.objects.create(
        filing=filing,
        kind="program_deposit",
        original_name="program.pdf",
        storage_name=store_private_file(content=content, folder="documents", suffix=".pdf"),
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return filing


@pytest.fixture
def mandate(agent, verified_alice):
    return MandateFactory(agent=agent, client=verified_alice, services=["R11"])


@pytest.fixture
def filing(private_storage, agent, mandate, verified_alice, verified_bob):
    """The agent's R11 draft for alice, with bob as co-owner, a deposit and the signed 委托书."""
    filing = filing_create_for_client(service="R11", agent=agent, client=verified_alice)
    owner_add(filing=filing, by=agent, identifier="bob")
    invitation_accept_as(filing, verified_bob)
    agent_services.mandate_upload_letter(
        mandate=mandate, by=agent, data=one_page_pdf(), filename="委托书.pdf"
    )
    return with_document(titled(filing, TITLE))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- The ways a mandate lapses ----------------------------------------------------------------------------------
def _revoked_by_client(mandate):
    agent_services.mandate_revoke(mandate=mandate, by=mandate.client)


def _revoked_by_agent(mandate):
    agent_services.mandate_revoke(mandate=mandate, by=mandate.agent)


def _expired(mandate):
    today = timezone.localdate()
    Mandate.objects.filter(pk=mandate.pk).update(
        start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1)
    )


def _not_yet_begun(mandate):
    today = timezone.localdate()
    Mandate.objects.filter(pk=mandate.pk).update(
        start_date=today + datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=30)
    )


def _declined(mandate):
    Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.DECLINED)


def _not_covering(mandate):
    Mandate.objects.filter(pk=mandate.pk).update(services=["R21", "R41"])


def _profile_deactivated(mandate):
    agent_services.agent_set_active(profile=AgentProfile.objects.get(account=mandate.agent), active=False)


def _account_deactivated(mandate):
    User.objects.filter(pk=mandate.agent_id).update(is_active=False)


LAPSES = [
    _revoked_by_client,
    _revoked_by_agent,
    _expired,
    _not_yet_begun,
    _declined,
    _not_covering,
    _profile_deactivated,
]
ids = lambda lapse: lapse.__name__.strip("_")  # noqa: E731


# --- Under a mandate in force -----------------------------------------------------------------------------------
def test_under_a_mandate_the_agent_lists_and_opens_the_filing(filing, agent):
    agent_client = logged_in(agent)
    assert TITLE in page(agent_client, "agents:dashboard")
    assert TITLE in page(agent_client, "filings:mine")
    assert TITLE in page(agent_client, "filings:detail", filing.pk)
    assert (
        agent_client.get(reverse("filings:document", args=[filing.pk, "program_deposit"])).status_code == 200
    )
    assert agent_client.get(reverse("filings:mandate_letter", args=[filing.pk])).status_code == 200
    for purpose in (Purpose.VIEW, Purpose.EDIT, Purpose.CORRECT, Purpose.CERTIFICATE, Purpose.MANDATE_LETTER):
        assert list(filings_for(agent, purpose=purpose)) == [filing], purpose
    # The agent is no party: it never confirms the form itself.
    assert not filings_for(agent, purpose=Purpose.CONFIRM).exists()


def test_the_mandate_and_the_agent_block_are_fields_of_the_filing(filing, mandate):
    assert filing.mandate == mandate
    assert filing.agent_block["name"] == "示例知识产权代理有限公司"
    assert "mandate_id" not in filing.details and "agent_block" not in filing.details
    assert mandate_letter_of(filing) == mandate


def test_a_filing_without_agent_has_no_mandate_nor_agent_block(verified_carol):
    own = filing_create(service="R11", applicant=verified_carol, filer=verified_carol)
    assert own.mandate is None and own.agent_block == {}
    assert mandate_letter_of(own) is None
    assert may(verified_carol, own, Purpose.EDIT)


# --- A mandate that lapsed --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lapse", LAPSES, ids=ids)
def test_a_lapsed_mandate_hides_the_filing_from_every_list_of_the_agent(lapse, filing, mandate, agent):
    lapse(mandate)
    for purpose in Purpose:
        assert not filings_for(agent, purpose=purpose).exists(), purpose
    assert agent_filings(agent=agent).count() == 0
    assert not my_filings(agent).exists()
    assert account_export(user=agent)["filings"] == []
    agent_client = logged_in(agent)
    mine = page(agent_client, "filings:mine")
    assert TITLE not in mine and f"filing-{filing.pk}" not in mine
    if lapse is not _profile_deactivated:  # a former agent has no dashboard at all (404)
        response = agent_client.get(reverse("agents:dashboard"))
        dashboard = response.content.decode()
        assert TITLE not in dashboard and 'data-testid="no-filings"' in dashboard
        assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize("lapse", LAPSES, ids=ids)
def test_a_lapsed_mandate_refuses_the_agent_the_pages_and_downloads(lapse, filing, mandate, agent):
    lapse(mandate)
    agent_client = logged_in(agent)
    for path in (
        reverse("filings:detail", args=[filing.pk]),
        reverse("filings:document", args=[filing.pk, "program_deposit"]),
        reverse("filings:form_pdf", args=[filing.pk]),
        reverse("filings:mandate_letter", args=[filing.pk]),
        reverse("filings:step", args=[filing.pk, "software"]),
        reverse("examination_applicant:correction", args=[filing.pk]),
        reverse("examination_applicant:certificate", args=[filing.pk]),
    ):
        response = agent_client.get(path)
        # Refused with the reason (the agent knew the filing), never with its content.
        assert response.status_code == 403, path
        content = response.content.decode()
        assert REFUSAL in content and TITLE not in content, path
        assert not response.get("Content-Disposition"), path
    for purpose in Purpose:
        # The agent never confirms the form, mandate or not: that one is a plain 404.
        expected = Http404 if purpose == Purpose.CONFIRM else MandateNotInForce
        with pytest.raises(expected):
            filing_for(agent, pk=filing.pk, purpose=purpose)


def test_a_deactivated_agent_account_lists_nothing(filing, mandate, agent):
    _account_deactivated(mandate)
    agent.refresh_from_db()
    for purpose in Purpose:
        assert not filings_for(agent, purpose=purpose).exists(), purpose
    assert agent_filings(agent=agent).count() == 0


@pytest.mark.parametrize("lapse", LAPSES, ids=ids)
def test_the_client_and_the_co_owner_keep_the_filing_after_a_lapse(
    lapse, filing, mandate, verified_alice, verified_bob
):
    lapse(mandate)
    for person in (verified_alice, verified_bob):
        client = logged_in(person)
        assert TITLE in page(client, "filings:mine")
        assert TITLE in page(client, "filings:detail", filing.pk)
        response = client.get(reverse("filings:document", args=[filing.pk, "program_deposit"]))
        assert response.status_code == 200
    # The client still gets the 委托书 it signed; the co-owner never did.
    assert (
        logged_in(verified_alice).get(reverse("filings:mandate_letter", args=[filing.pk])).status_code == 200
    )
    assert logged_in(verified_bob).get(reverse("filings:mandate_letter", args=[filing.pk])).status_code == 404


def test_a_new_mandate_brings_the_filing_back_to_the_agent(filing, mandate, agent, verified_alice):
    agent_services.mandate_revoke(mandate=mandate, by=verified_alice)
    assert not agent_filings(agent=agent).exists()
    MandateFactory(agent=agent, client=verified_alice, services=["R11", "R21"])
    assert list(agent_filings(agent=agent)) == [filing]


def test_an_agent_that_is_also_an_owner_keeps_reading_as_owner(filing, mandate, agent):
    FilingParty.objects.create(
        filing=filing, account=agent, role=PartyRole.OWNER, position=9, name="代理", category="x", id_type="x"
    )
    agent_services.mandate_revoke(mandate=mandate, by=agent)
    assert list(filings_for(agent, purpose=Purpose.VIEW)) == [filing]
    assert not filings_for(agent, purpose=Purpose.EDIT).exists()
    assert not agent_filings(agent=agent).exists()
    agent_client = logged_in(agent)
    assert agent_client.get(reverse("filings:detail", args=[filing.pk])).status_code == 200
    assert agent_client.get(reverse("filings:step", args=[filing.pk, "software"])).status_code == 403


# --- The others -------------------------------------------------------------------------------------------------
def test_the_co_owner_reads_and_confirms_but_does_not_edit(filing, verified_bob):
    assert may(verified_bob, filing, Purpose.VIEW)
    assert may(verified_bob, filing, Purpose.CONFIRM)
    assert may(verified_bob, filing, Purpose.CERTIFICATE)
    assert not may(verified_bob, filing, Purpose.EDIT)
    assert not may(verified_bob, filing, Purpose.CORRECT)
    assert not may(verified_bob, filing, Purpose.MANDATE_LETTER)
    bob = logged_in(verified_bob)
    assert bob.get(reverse("filings:step", args=[filing.pk, "software"])).status_code == 404
    mine = page(bob, "filings:mine")
    assert f'data-testid="view-{filing.pk}"' in mine and f'data-testid="edit-{filing.pk}"' not in mine


def test_the_client_reads_confirms_and_answers_but_does_not_edit_the_agents_filing(filing, verified_alice):
    for purpose in (
        Purpose.VIEW,
        Purpose.CONFIRM,
        Purpose.CORRECT,
        Purpose.CERTIFICATE,
        Purpose.MANDATE_LETTER,
    ):
        assert may(verified_alice, filing, purpose), purpose
    assert not may(verified_alice, filing, Purpose.EDIT)


def test_another_applicant_sees_nothing_of_alices(filing, verified_carol):
    for purpose in Purpose:
        assert not filings_for(verified_carol, purpose=purpose).exists(), purpose
    carol = logged_in(verified_carol)
    assert TITLE not in page(carol, "filings:mine")
    for path in (
        reverse("filings:detail", args=[filing.pk]),
        reverse("filings:document", args=[filing.pk, "program_deposit"]),
        reverse("filings:mandate_letter", args=[filing.pk]),
        reverse("examination_applicant:certificate", args=[filing.pk]),
    ):
        assert carol.get(path).status_code == 404, path


def test_another_agent_sees_nothing(filing, other_agent, verified_alice):
    MandateFactory(agent=other_agent, client=verified_alice, services=["R11"])
    for purpose in Purpose:
        assert not filings_for(other_agent, purpose=purpose).exists(), purpose
    assert not agent_filings(agent=other_agent).exists()
    assert logged_in(other_agent).get(reverse("filings:detail", args=[filing.pk])).status_code == 404


def test_an_anonymous_user_gets_nothing(filing):
    for purpose in Purpose:
        assert not filings_for(AnonymousUser(), purpose=purpose).exists()


# --- No N+1 on the lists ----------------------------------------------------------------------------------------
def queries_of(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_my_filings_and_the_dashboard_take_as_many_queries_for_one_filing_as_for_five(
    filing, agent, verified_alice
):
    agent_client, alice_client = logged_in(agent), logged_in(verified_alice)
    paths = [(agent_client, reverse("agents:dashboard")), (agent_client, reverse("filings:mine"))]
    paths.append((alice_client, reverse("filings:mine")))
    for client, path in paths:
        queries_of(client, path)  # warm the session and the header cache
    one = [queries_of(client, path) for client, path in paths]
    for number in range(4):
        titled(
            filing_create_for_client(service="R11", agent=agent, client=verified_alice), f"{TITLE}{number}"
        )
    five = [queries_of(client, path) for client, path in paths]
    assert five == one
    assert max(one) <= 12, one


# --- Answers read with the filing ---------------------------------------------------------------------------------
ASKED = (Purpose.EDIT, Purpose.CONFIRM, Purpose.CORRECT, Purpose.CERTIFICATE, Purpose.MANDATE_LETTER)


@pytest.mark.parametrize("lapse", [None, *LAPSES], ids=["in force", *map(ids, LAPSES)])
@pytest.mark.parametrize("persona", ["agent", "verified_alice", "verified_bob"])
def test_the_answers_read_with_the_filing_are_those_of_the_query_for_every_persona(
    request, persona, lapse, filing, mandate
):
    """``filing_for(also=...)`` answers each purpose in its own query; ``may`` then asks nothing more."""
    if lapse:
        lapse(mandate)
    user = request.getfixturevalue(persona)
    if lapse and persona == "agent":
        with pytest.raises(MandateNotInForce):
            filing_for(user, pk=filing.pk, also=ASKED)
        return
    expected = {
        purpose: filings_for(user, purpose=purpose).filter(pk=filing.pk).exists() for purpose in ASKED
    }
    read = filing_for(user, pk=filing.pk, also=ASKED)
    with CaptureQueriesContext(connection) as queries:
        answers = {purpose: may(user, read, purpose) for purpose in ASKED}
    assert answers == expected
    assert len(queries) == 0
    assert True in answers.values() and False in answers.values()


@pytest.mark.parametrize("lapse", [None, *LAPSES], ids=["in force", *map(ids, LAPSES)])
def test_what_the_row_decides_is_what_the_query_decides(
    lapse, filing, mandate, agent, other_agent, verified_alice, verified_bob, verified_carol
):
    """For every persona, purpose and lapse, on the agent's filing and on one alice files herself."""
    own = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    owner_add(filing=own, by=verified_alice, identifier="bob")
    invitation_accept_as(own, verified_bob)
    if lapse:
        lapse(mandate)
    decided = 0
    for user in (agent, other_agent, verified_alice, verified_bob, verified_carol):
        user.refresh_from_db()
        for row in (Filing.objects.get(pk=filing.pk), Filing.objects.get(pk=own.pk)):
            for purpose in Purpose:
                answer = decided_by_the_row(user, row, purpose)
                if answer is not None:
                    decided += 1
                    assert answer == filings_for(user, purpose=purpose).filter(pk=row.pk).exists(), (
                        user.username,
                        row.pk,
                        purpose,
                    )
    assert decided >= 10


def test_staff_and_anonymous_are_never_decided_by_the_row(filing, examiner):
    for user in (examiner, AnonymousUser()):
        assert {decided_by_the_row(user, filing, purpose) for purpose in Purpose} == {None}


def test_the_applicant_on_its_own_filing_is_answered_in_one_query(verified_alice):
    own = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    with CaptureQueriesContext(connection) as queries:
        read = filing_for(verified_alice, pk=own.pk, also=(Purpose.EDIT, Purpose.MANDATE_LETTER))
        assert may(verified_alice, read, Purpose.EDIT) and may(verified_alice, read, Purpose.MANDATE_LETTER)
    assert len(queries) == 1


def test_answers_read_for_one_account_are_not_used_for_another(filing, verified_bob, agent):
    read = filing_for(agent, pk=filing.pk, also=(Purpose.EDIT,))
    assert may(agent, read, Purpose.EDIT)
    with CaptureQueriesContext(connection) as queries:
        assert not may(verified_bob, read, Purpose.EDIT)
    assert len(queries) == 1


def test_a_purpose_not_read_with_the_filing_is_asked_of_the_database(filing, verified_bob):
    read = filing_for(verified_bob, pk=filing.pk, also=(Purpose.EDIT,))
    with CaptureQueriesContext(connection) as queries:
        assert may(verified_bob, read, Purpose.CONFIRM)
    assert len(queries) == 1


def test_the_filing_page_asks_the_access_question_once(verified_alice, agent, filing, mandate):
    """The applicant's own filing and the agent's filing for its client: the page's count does not grow with
    the purposes it shows (edit, the 委托书), and the row answers the applicant's without the conditions."""
    own = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    counts = {}
    for user, pk in ((verified_alice, own.pk), (agent, filing.pk)):
        client = logged_in(user)
        path = reverse("filings:detail", args=[pk])
        queries_of(client, path)  # warm the session and the header cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[user.username] = len(queries)
        access = [
            query["sql"] for query in queries if "EXISTS" in query["sql"] and "agents_mandate" in query["sql"]
        ]
        assert len(access) == (0 if user == verified_alice else 1), access
    assert counts["alice"] <= 10, counts
