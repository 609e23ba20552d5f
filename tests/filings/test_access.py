"""Every URL of a filing and its files: login needed, another applicant and staff get 404, methods checked."""

import pytest
from django.urls import reverse

from ruanzhu.filings.states import Status
from tests.factories import staff_session
from tests.filings.flow import upload_signature

# (name, extra URL arguments, allowed method)
FILING_URLS = [
    ("detail", [], "get"),
    ("step", ["software"], "get+post"),
    ("step", ["confirm"], "get+post"),
    ("delete", [], "post"),
    ("owner_add", [], "post"),
    ("document", ["program_deposit"], "get"),
    ("document", ["signature_page"], "get"),
    ("upload", ["program_deposit"], "post"),
    ("codes_send", [], "post"),
    ("code_confirm", [], "post"),
    ("confirm_mine", [], "post"),
    ("form_pdf", [], "get"),
    ("signature_page", [], "post"),
    ("submit", [], "post"),
    ("withdraw", [], "post"),
]


@pytest.fixture
def filing(issued, alice_client):
    upload_signature(alice_client, issued)
    return issued


def urls(filing):
    for name, args, method in FILING_URLS:
        yield reverse(f"filings:{name}", args=[filing.pk, *args]), method.split("+")[0]
    party = filing.parties.exclude(account=filing.applicant).first()
    yield reverse("filings:owner_remove", args=[filing.pk, party.pk]), "post"


def snapshot(filing):
    filing.refresh_from_db()
    return (
        filing.status,
        filing.details,
        filing.fingerprint,
        sorted(filing.parties.values_list("account_id", flat=True)),
        sorted(filing.documents.values_list("sha256", flat=True)),
        filing.events.count(),
    )


def test_every_url_needs_login(filing, client):
    before = snapshot(filing)
    client.logout()
    for path, method in urls(filing):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], path
    assert snapshot(filing) == before


def test_another_applicant_gets_404_everywhere(filing, client, carol):
    before = snapshot(filing)
    client.force_login(carol)
    for path, method in urls(filing):
        assert getattr(client, method)(path, {"reason": "x", "identifier": "carol"}).status_code == 404, path
    assert snapshot(filing) == before
    assert f"filing-{filing.pk}" not in client.get(reverse("filings:mine")).content.decode()


def test_staff_get_404_everywhere(filing, client, examiner):
    before = snapshot(filing)
    staff_session(client, examiner)
    for path, method in urls(filing):
        assert getattr(client, method)(path).status_code == 404, path
    assert snapshot(filing) == before


def test_wrong_methods_are_refused(filing, alice_client):
    before = snapshot(filing)
    for name, args, method in FILING_URLS:
        path = reverse(f"filings:{name}", args=[filing.pk, *args])
        wrong = {"post": alice_client.get, "get": alice_client.post, "get+post": alice_client.put}[method]
        assert wrong(path).status_code == 405, path
    assert alice_client.put(reverse("filings:detail", args=[filing.pk])).status_code == 405
    assert snapshot(filing) == before


def test_owner_reads_but_cannot_change(filing, bob_client):
    before = snapshot(filing)
    readable = {"detail", "document", "form_pdf"}
    for name, args, method in FILING_URLS:
        path = reverse(f"filings:{name}", args=[filing.pk, *args])
        status = getattr(bob_client, method.split("+")[0])(path).status_code
        if name in readable:
            assert status == 200, path
        elif name != "confirm_mine":
            assert status == 404, path
    assert snapshot(filing) == before
    assert filing.status == Status.FORM_ISSUED


def test_unknown_filing_is_404(alice_client):
    assert alice_client.get(reverse("filings:detail", args=[999999])).status_code == 404
