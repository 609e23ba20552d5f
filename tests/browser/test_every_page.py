"""Every page of the portal, as each kind of visitor sees it, at desk and phone width: nothing overflows the
window, no text has the colour of its background, no button lies under something else, and axe-core finds no
serious or critical WCAG 2.1 AA violation. A screenshot of each is kept in var/screenshots/ for people to look at.

The pages render the same whatever the database, so this runs in the SQLite pass only.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.filings.definitions import definition_for
from ruanzhu.identity.models import Verification
from tests.browser.looks import findings
from tests.browser.pages import log_in, staff_log_in
from tests.factories import (
    PASSWORD,
    FilingFactory,
    MandateFactory,
    UserFactory,
    registration_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="pages look the same on every database"),
]

WIDTHS = [(1366, 900), (390, 844)]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def portal_data(portal, verified_alice, verified_bob, agent, examiner, reviewer, deposits):
    """A portal in use: drafts, a filing waiting for examination, a registered work, a mandate, a verification."""
    draft = FilingFactory(applicant=verified_alice, co_owners=[verified_bob])
    waiting = FilingFactory(submitted=True, applicant=verified_alice, co_owners=[verified_bob])
    registered = FilingFactory(
        registered=True, applicant=verified_alice, co_owners=[verified_bob], examiner=examiner
    )
    mandate = MandateFactory(agent=agent, client=verified_alice)
    newcomer = UserFactory(username="newcomer", identity_status="unverified")
    waiting_person = UserFactory(username="wangxiaoming", identity_status="unverified")
    verification = Verification.objects.create(
        account=waiting_person,
        kind=Verification.Kind.INDIVIDUAL,
        status=Verification.Status.SUBMITTED,
        real_name="王小明",
        province="广东省",
        city="深圳市",
        submitted_at=timezone.now(),
        due_date=timezone.localdate(),
    )
    record = registration_of(registered)
    return {
        "draft": draft,
        "waiting": waiting,
        "registered": registered,
        "mandate": mandate,
        "newcomer": newcomer,
        "verification": verification,
        "record": record,
    }


def pages_of(data) -> dict[str, list[str | tuple[str, list[str]]]]:
    """The pages each visitor looks at, by visitor."""
    draft, waiting, registered = data["draft"], data["waiting"], data["registered"]
    record = data["record"]
    # The form as printed: its QR code names the version that was rendered.
    printed = waiting.form_versions.exclude(rendered_at=None).latest("number")
    steps = [reverse("filings:step", args=[draft.pk, step.slug]) for step in definition_for("R11").steps]
    return {
        "anonymous": [
            reverse("home"),
            reverse("filings:catalog"),
            reverse("registry:search"),
            reverse("registry:search") + "?q=智慧园区",
            reverse("registry:record", args=[record.registration_number]),
            reverse("registry:verify", args=[record.certificate_token]),
            reverse("filings:form_verify", args=[waiting.flow_number, printed.token]),
            reverse("accounts:login"),
            reverse("accounts:login") + "?tab=institution",
            reverse("accounts:signup"),
            reverse("accounts:password_reset"),
            reverse("accounts:staff_login"),
            # Pages reached by a click, which leaves the state they need in the session.
            (reverse("accounts:signup"), ["accept-terms"]),
            (reverse("accounts:signup"), ["accept-terms", "kind-individual"]),
            (reverse("accounts:signup"), ["accept-terms", "kind-institution"]),
        ],
        "alice": [
            reverse("filings:catalog"),
            reverse("filings:mine"),
            reverse("filings:invitations"),
            reverse("filings:detail", args=[draft.pk]),
            *steps,
            reverse("filings:detail", args=[waiting.pk]),
            reverse("filings:detail", args=[registered.pk]),
            reverse("accounts:profile"),
            reverse("accounts:phone_change"),
            reverse("notifications:inbox"),
            reverse("agents:mandates"),
            reverse("identity:status"),
        ],
        "newcomer": [
            reverse("filings:verification_required"),
            reverse("identity:step1"),
            (reverse("identity:step1"), ["next"]),
        ],
        "agent": [
            reverse("agents:dashboard"),
            reverse("agents:propose"),
            reverse("agents:mandate_detail", args=[data["mandate"].pk]),
            reverse("webhooks:page"),
        ],
        "reviewer": [
            reverse("staff:home"),
            reverse("identity_review:queue"),
            reverse("identity_review:detail", args=[data["verification"].pk]),
        ],
        "examiner": [
            reverse("examination:queue"),
            reverse("examination:dashboard"),
            reverse("examination:detail", args=[waiting.pk]),
            reverse("examination:detail", args=[registered.pk]),
        ],
    }


def sign_in(page, visitor: str) -> None:
    if visitor in ("reviewer", "examiner"):
        from ruanzhu.accounts.models import User

        staff_log_in(page, visitor, TOTPDevice.objects.get(user=User.objects.get(username=visitor)))
    elif visitor == "agent":
        log_in(page, "agent", PASSWORD, tab="institution")
    elif visitor != "anonymous":
        log_in(page, visitor, PASSWORD)


def look_at(page, visitor: str, where: str | tuple[str, list[str]]) -> list[str]:
    """Open a page (a path, or a path and the test ids to click from it) at each width, keep a screenshot, and
    return what is wrong, prefixed with where."""
    wrong = []
    path, clicks = (where, []) if isinstance(where, str) else where
    response = page.goto(path)
    if response is None or response.status >= 400:
        return [f"{visitor} {path}: HTTP {response.status if response else '—'}"]
    for test_id in clicks:
        page.get_by_test_id(test_id).click()
        page.wait_for_load_state()
    address = urlsplit(page.url)
    path = address.path + (f"?{address.query}" if address.query else "")
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        match = resolve(path.split("?")[0])
        query = path.partition("?")[2].replace("=", "-")
        # Word arguments name the page (signup_details-individual); numbers and tokens would change every run.
        words = [str(value) for value in match.kwargs.values() if str(value).isalpha()]
        label = "-".join([match.view_name.replace(":", "-"), *words, *([query] if query else [])])
        name = f"{visitor}-{label}-{width}.png"
        page.screenshot(path=SCREENSHOTS / name, full_page=True)
        wrong += [f"{visitor} {path} @{width}px: {finding}" for finding in findings(page)]
    return wrong


def test_every_page_looks_right_at_desk_and_phone_width(browser, live_server, portal_data):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wrong, seen = [], 0
    for visitor, paths in pages_of(portal_data).items():
        # bypass_csp: the page's policy would refuse the injected axe-core script.
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, visitor)
        for path in paths:
            wrong += look_at(page, visitor, path)
            seen += 1
        context.close()
    assert seen >= 35
    assert wrong == [], "\n".join(wrong)
