"""The R11 wizard through its pages: 立即登记, the steps, drafts, 我的申请, deleting a draft."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ruanzhu.filings.models import Filing, FilingEvent
from ruanzhu.filings.services.drafts import filing_create
from ruanzhu.filings.states import Status
from tests.factories import NAME, STEP_DATA
from tests.filings.flow import fill, post_step, start, step_url

START = reverse("filings:start", args=["R11"])
MINE = reverse("filings:mine")


@pytest.fixture
def alice_client(client, verified_alice):
    client.force_login(verified_alice)
    return client


def test_立即登记_on_R11_opens_the_first_step_of_the_wizard(alice_client):
    page = alice_client.get(START).content.decode()
    assert 'data-testid="wizard-step-role"' in page
    assert "申请方式" in page and "软件申请信息" in page and "确认" in page
    assert 'name="owner_type"' in page and 'name="development_mode"' in page
    assert Filing.objects.count() == 0  # looking at the first step creates nothing


@pytest.mark.parametrize(
    ("code", "slug", "field"), [("R21", "contract", "contract_type"), ("R41", "change", "change_kind")]
)
def test_立即登记_on_R21_and_R41_opens_their_first_step(alice_client, code, slug, field):
    page = alice_client.get(reverse("filings:start", args=[code])).content.decode()
    assert f'data-testid="wizard-step-{slug}"' in page and f'name="{field}"' in page
    assert "在线填报即将开放" not in page
    assert Filing.objects.count() == 0


def test_first_step_creates_the_draft_with_the_filer_as_first_owner(alice_client, verified_alice):
    filing = start(alice_client)
    assert filing.applicant == filing.filer == verified_alice
    assert filing.status == Status.DRAFT and filing.details["owner_type"] == "joint"
    assert list(filing.parties.values_list("name", flat=True)) == ["李爱丽"]


def test_first_step_with_bad_input_creates_nothing(alice_client):
    response = alice_client.post(START, {"owner_type": "many", "action": "next"})
    assert response.status_code == 400
    assert "error-owner_type" in response.content.decode()
    assert "error-development_mode" in response.content.decode()
    assert Filing.objects.count() == 0


def test_every_step_saves_the_draft_and_leads_to_the_next(alice_client):
    filing = start(alice_client)
    response = post_step(alice_client, filing, "software")
    assert response["Location"] == step_url(filing, "development")
    filing.refresh_from_db()
    assert filing.details["full_name"] == NAME and filing.title == NAME and filing.step == 2


def test_保存至草稿箱_saves_and_returns_to_我的申请(alice_client):
    filing = start(alice_client)
    response = post_step(alice_client, filing, "software", action="draft", full_name="园区平台草稿")
    assert response["Location"] == MINE
    filing.refresh_from_db()
    assert filing.details["full_name"] == "园区平台草稿"
    page = alice_client.get(MINE).content.decode()
    assert "园区平台草稿" in page and "草稿" in page


def test_a_later_step_waits_for_the_earlier_ones(alice_client):
    filing = start(alice_client)
    response = alice_client.get(step_url(filing, "features"))
    assert response["Location"] == step_url(filing, "software")
    response = alice_client.post(step_url(filing, "confirm"), {"action": "draft"})
    assert response["Location"] == step_url(filing, "software")


def test_unknown_step_is_404(alice_client):
    filing = start(alice_client)
    assert alice_client.get(step_url(filing, "payment")).status_code == 404


def test_step_refuses_other_methods(alice_client):
    filing = start(alice_client)
    assert alice_client.put(step_url(filing, "software")).status_code == 405
    assert alice_client.delete(START).status_code == 405


def test_forged_status_applicant_and_owner_fields_are_ignored(alice_client, verified_alice, carol):
    filing = start(alice_client)
    post_step(
        alice_client,
        filing,
        "software",
        status="registered",
        applicant=carol.pk,
        filer=carol.pk,
        flow_number="R1120260101000001",
        parties=carol.pk,
        details="{}",
    )
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT and filing.applicant == filing.filer == verified_alice
    assert filing.flow_number is None
    assert "status" not in filing.details and "applicant" not in filing.details
    assert filing.parties.count() == 1


def test_my_applications_lists_drafts_with_their_state(
    alice_client, verified_alice, django_assert_max_num_queries
):
    first = start(alice_client)
    second = start(alice_client)
    post_step(alice_client, second, "software", full_name="第二个软件")
    for _index in range(3):
        start(alice_client)
    with django_assert_max_num_queries(8):
        page = alice_client.get(MINE).content.decode()
    assert f'data-testid="filing-{first.pk}"' in page and "第二个软件" in page
    assert page.count("草稿") >= 5
    assert 'data-testid="my-filings-link"' in page


def test_my_applications_rows_escape_the_title_and_their_delete_form_passes_the_csrf_check(verified_alice):
    # The rows are built in Python: the title must be escaped as the template escapes a variable, and the row's
    # delete form must carry a token that the CSRF check accepts.
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(verified_alice)
    filing = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    Filing.objects.filter(pk=filing.pk).update(title='<b>园区</b>&"管理"')

    page = browser.get(MINE).content.decode()

    assert "<b>园区</b>" not in page
    assert "&lt;b&gt;园区&lt;/b&gt;&amp;&quot;管理&quot;" in page
    token = re.search(
        rf'action="{reverse("filings:delete", args=[filing.pk])}" class="inline">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
        page,
    ).group(1)
    assert browser.post(reverse("filings:delete", args=[filing.pk])).status_code == 403
    assert Filing.objects.filter(pk=filing.pk).exists()
    response = browser.post(reverse("filings:delete", args=[filing.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and not Filing.objects.filter(pk=filing.pk).exists()


def test_my_applications_needs_login_and_refuses_post(client, db):
    assert client.get(MINE)["Location"].startswith(reverse("accounts:login"))
    client.force_login(__import__("tests.factories", fromlist=["UserFactory"]).UserFactory())
    assert client.post(MINE).status_code == 405


def test_staff_are_not_applicants(client, examiner):
    from tests.factories import staff_session

    staff_session(client, examiner)
    assert client.get(MINE).status_code == 404
    assert client.get(START).status_code == 404


def test_draft_can_be_deleted(alice_client):
    filing = start(alice_client)
    assert alice_client.get(reverse("filings:delete", args=[filing.pk])).status_code == 405
    response = alice_client.post(reverse("filings:delete", args=[filing.pk]))
    assert response["Location"] == MINE
    assert not Filing.objects.filter(pk=filing.pk).exists()


def test_another_applicant_cannot_delete_a_draft(alice_client, client, carol, verified_alice):
    filing = start(alice_client)
    client.force_login(carol)
    assert client.post(reverse("filings:delete", args=[filing.pk])).status_code == 404
    assert Filing.objects.filter(pk=filing.pk).exists()


def test_submitted_filing_cannot_be_edited_or_deleted(alice_client):
    filing = start(alice_client)
    Filing.objects.filter(pk=filing.pk).update(status=Status.SUBMITTED)
    response = post_step(alice_client, filing, "role", owner_type="single")
    assert response["Location"] == reverse("filings:detail", args=[filing.pk])
    response = alice_client.post(reverse("filings:delete", args=[filing.pk]), follow=True)
    assert "只有草稿可以删除" in response.content.decode()
    filing.refresh_from_db()
    assert filing.details["owner_type"] == "joint" and filing.status == Status.SUBMITTED


def test_full_fill_reaches_the_confirm_step(alice_client, verified_bob, deposits, private_storage):
    filing = fill(alice_client, start(alice_client), deposits)
    page = alice_client.get(step_url(filing, "confirm")).content.decode()
    assert 'data-testid="completeness-problems"' not in page
    assert "出申请表（发送验证码）" in page and "鲍勃" in page and NAME in page
    assert FilingEvent.objects.filter(filing=filing).count() == 0
    assert STEP_DATA["features"]["purpose"] in page


# --- 我的申请, a page at a time -------------------------------------------------------------------------------------
def test_我的申请_shows_twenty_filings_a_page_the_latest_change_first_and_pages_through_all(
    alice_client, verified_alice
):
    created = []
    for number in range(45):
        filing = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
        Filing.objects.filter(pk=filing.pk).update(title=f"软件{number:02d}")
        created.append(filing.pk)
    # The oldest draft changes last: it leads the list.
    Filing.objects.filter(pk=created[0]).update(title="刚修改的软件")
    Filing.objects.filter(pk=created[0]).update(updated_at=timezone.now() + datetime.timedelta(minutes=1))

    seen, url, pages = [], MINE, 0
    while url:
        response = alice_client.get(url)
        assert response.status_code == 200
        rows = re.findall(r'data-testid="filing-(\d+)"', response.content.decode())
        assert len(rows) == (20 if pages < 2 else 5)
        seen += [int(pk) for pk in rows]
        pages += 1
        following = re.search(r'href="([^"]*)" rel="next"', response.content.decode())
        url = MINE + following.group(1).replace("&amp;", "&") if following else ""
    assert pages == 3
    assert seen[0] == created[0]
    assert sorted(seen) == sorted(created)

    assert 'rel="prev"' not in alice_client.get(MINE).content.decode()
    # From the last page, 上一页 goes back to the second.
    back = re.search(r'href="([^"]*)" rel="prev"', response.content.decode()).group(1).replace("&amp;", "&")
    rows = re.findall(r'data-testid="filing-(\d+)"', alice_client.get(MINE + back).content.decode())
    assert [int(pk) for pk in rows] == seen[20:40]


@pytest.mark.parametrize("cursor", ["?after=nonsense", "?after=1_2_3", "?before=-1", f"?after={'9' * 200}"])
def test_a_bad_cursor_on_我的申请_shows_the_first_page(alice_client, verified_alice, cursor):
    filing = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    response = alice_client.get(MINE + cursor)
    assert response.status_code == 200
    assert f'data-testid="filing-{filing.pk}"' in response.content.decode()
