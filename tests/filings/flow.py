"""Drive the applicant's pages with the test client: start, fill the steps, add owners, upload deposits."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reportlab.pdfgen import canvas

from ruanzhu.accounts.models import User
from ruanzhu.filings.models import Filing
from tests.factories import STEP_DATA, invitation_accept_as


def filing_url(name: str, filing, *args) -> str:
    """Return the URL of one of the filing's pages (``filings:<name>``)."""
    return reverse(f"filings:{name}", args=[filing.pk, *args])


def step_url(filing, slug: str) -> str:
    return reverse("filings:step", args=[filing.pk, slug])


def start(client, **role) -> Filing:
    response = client.post(
        reverse("filings:start", args=["R11"]), {**STEP_DATA["role"], **role, "action": "next"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Filing.objects.order_by("-id").first()


def post_step(client, filing, slug: str, action: str = "next", **changes):
    return client.post(step_url(filing, slug), {**STEP_DATA[slug], **changes, "action": action})


def upload(client, filing, kind: str, content: bytes, name: str = "file.pdf", **extra):
    return client.post(
        reverse("filings:upload", args=[filing.pk, kind]),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        **extra,
    )


def fill(client, filing, deposits=None, co_owner: str | None = "bob") -> Filing:
    """Fill every step through the pages (and invite a co-owner, who accepts, and the deposits when given)."""
    for slug in ("software", "development"):
        response = post_step(client, filing, slug)
        assert response.status_code == 302, response.content.decode()[:3000]
    if co_owner:
        client.post(reverse("filings:owner_add", args=[filing.pk]), {"identifier": co_owner})
        invitee = User.objects.filter(username=co_owner).first()
        if invitee is not None and invitee.is_verified_identity:
            invitation_accept_as(filing, invitee)  # the co-owner accepts in its own account
    if deposits is not None:
        upload(client, filing, "program_deposit", deposits["program"], "program.pdf")
        upload(client, filing, "document_deposit", deposits["document"], "document.pdf")
    response = post_step(client, filing, "features")
    assert response.status_code == 302
    filing.refresh_from_db()
    return filing


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"]) if response.context else ""


def confirm_code(client, filing, party, code):
    return client.post(filing_url("code_confirm", filing), {"party_id": party.pk, "code": code}, follow=True)


def parties(filing, alice, bob):
    return filing.parties.get(account=alice), filing.parties.get(account=bob)


def signed_page() -> bytes:
    """Return the signature page as the applicant scans it back: any one-page PDF."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, "signed and sealed")
    sheet.save()
    return buffer.getvalue()


def upload_signature(client, filing, content=None, name="signed.pdf"):
    return client.post(
        filing_url("signature_page", filing),
        {"file": SimpleUploadedFile(name, content or signed_page())},
        follow=True,
    )
