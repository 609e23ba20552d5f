"""The applicant-side access decorators, each tried by the people it lets in and those it keeps out."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.urls import reverse

from ruanzhu.accounts.decorators import (
    agent_required,
    applicant_required,
    identity_applicant_required,
    verified_required,
)
from ruanzhu.agents.models import AgentProfile
from tests.factories import StaffFactory, UserFactory, staff_session

LOGIN = reverse("accounts:login")
GATE = reverse("filings:verification_required")


@applicant_required
def applicant_page(request):
    return HttpResponse("applicant")


@verified_required
def verified_page(request):
    return HttpResponse("verified")


@agent_required
def agent_page(request):
    return HttpResponse(request.agent_profile.name)


def visit(rf, view, user):
    request = rf.get("/somewhere/?page=2")
    request.user = user
    return view(request)


def make_agent(*, active: bool = True):
    account = UserFactory(kind="institution", institution_name="某代理公司")
    AgentProfile.objects.create(
        account=account,
        name="某代理公司",
        address="北京市",
        postcode="100083",
        contact_person="钱经办",
        phone="010-62000000",
        email="agent@example.com",
        is_active=active,
    )
    return account


@pytest.fixture
def staff(db):
    return StaffFactory(username="clerk")


@pytest.mark.parametrize("view", [applicant_page, verified_page, agent_page])
def test_anonymous_visitors_are_sent_to_log_in_and_back(rf, view):
    response = visit(rf, view, AnonymousUser())
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/somewhere/%3Fpage%3D2"


@pytest.mark.parametrize("view", [applicant_page, verified_page, agent_page])
def test_staff_are_not_applicants(rf, staff, view):
    with pytest.raises(Http404):
        visit(rf, view, staff)


def test_applicant_page_lets_in_verified_and_unverified_applicants(rf, alice, newcomer):
    assert visit(rf, applicant_page, alice).content == b"applicant"
    assert visit(rf, applicant_page, newcomer).content == b"applicant"


def test_verified_page_sends_the_unverified_to_verify_first(rf, alice, newcomer):
    assert visit(rf, verified_page, alice).content == b"verified"
    response = visit(rf, verified_page, newcomer)
    assert response.status_code == 302 and response["Location"] == GATE


def test_agent_page_lets_in_only_an_active_agent(rf, alice, acme):
    assert visit(rf, agent_page, make_agent()).content.decode() == "某代理公司"
    for outsider in (alice, acme, make_agent(active=False)):
        with pytest.raises(Http404):
            visit(rf, agent_page, outsider)


# identity_applicant_required sends staff to their workbench with a message: tried through a real page.


def test_identity_pages_send_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("identity:step1"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={reverse('identity:step1')}"


def test_identity_pages_send_staff_to_their_workbench(client, staff):
    staff_session(client, staff)
    response = client.get(reverse("identity:start"), follow=False)
    assert response.status_code == 302 and response["Location"] == reverse("staff:home")
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["工作人员账户无需实名认证。"]


@pytest.mark.parametrize("persona", ["alice", "newcomer"])
def test_identity_pages_let_in_applicants_verified_or_not(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("identity:step1")).status_code == 200


def test_decorated_views_keep_their_name_and_docstring():
    @identity_applicant_required
    def page(request):
        """Show a page."""

    assert page.__name__ == "page" and page.__doc__ == "Show a page."
    assert verified_page.__name__ == "verified_page" and agent_page.__name__ == "agent_page"


def test_a_staff_session_without_the_second_factor_counts_for_nothing(client, staff, alice):
    """However it came about, such a session reaches no account page: the visitor is anonymous."""
    client.force_login(staff)  # the password alone, as no login of the portal allows
    for name in ("accounts:profile", "accounts:data_export", "notifications:inbox"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN), name
    assert client.get(reverse("home")).context["user"].is_anonymous
