import pytest

from ruanzhu.core.files import read_private_file
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.services.documents import filing_upload_document, signature_page_upload
from ruanzhu.filings.services.drafts import filing_create, filing_save_step
from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes
from ruanzhu.filings.services.parties import owner_add
from ruanzhu.filings.services.submission import filing_submit
from tests.factories import StaffFactory, staff_session, totp_device
from tests.filings import conftest as filing_fixtures
from tests.filings.conftest import STEP_DATA

# The filings fixtures, shared here: verified owners and real deposit PDFs.
verified_alice = filing_fixtures.verified_alice
verified_bob = filing_fixtures.verified_bob
deposits = filing_fixtures.deposits


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.DATA_DIR = tmp_path  # the development signing key is created here


def build_submitted(alice, bob, deposits, capture):
    """Return an R11 filing of alice with bob as co-owner, issued, signed and submitted through the engine."""
    filing = filing_create(service="R11", applicant=alice, filer=alice)
    for step in definition_for("R11").form_steps:
        form = step.form_class(data=STEP_DATA[step.slug])
        assert form.is_valid(), form.errors
        filing = filing_save_step(filing=filing, by=alice, step=step.slug, cleaned_data=form.cleaned_data)
    owner_add(filing=filing, by=alice, identifier="bob")
    filing_upload_document(
        filing=filing, by=alice, kind="program_deposit", data=deposits["program"], filename="p.pdf"
    )
    filing_upload_document(
        filing=filing, by=alice, kind="document_deposit", data=deposits["document"], filename="d.pdf"
    )
    filing.refresh_from_db()
    with capture(execute=True):
        form_request_codes(filing=filing, by=alice)
    filing.refresh_from_db()
    form_confirm_in_account(filing=filing, account=alice)
    filing.refresh_from_db()
    form_confirm_in_account(filing=filing, account=bob)
    filing.refresh_from_db()
    signature_page_upload(
        filing=filing, by=alice, data=read_private_file(filing.form_storage_name), filename="signed.pdf"
    )
    return filing_submit(filing=filing, by=alice)


@pytest.fixture
def submitted_filing(verified_alice, verified_bob, deposits, django_capture_on_commit_callbacks):
    return build_submitted(verified_alice, verified_bob, deposits, django_capture_on_commit_callbacks)


@pytest.fixture
def examiner_user(db):
    from ruanzhu.accounts.roles import EXAMINERS, staff_roles_ensure

    user = StaffFactory(username="examiner")
    user.groups.add(staff_roles_ensure()[EXAMINERS])
    totp_device(user)
    return user


@pytest.fixture
def examiner_client(client, examiner_user):
    return staff_session(client, examiner_user)
