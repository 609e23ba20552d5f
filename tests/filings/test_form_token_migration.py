"""The migration that gives existing form versions their QR token and the render time of the form in force."""

import datetime

import pytest

from ruanzhu.filings.models import FormVersion
from tests.factories import UserFactory
from tests.migrating import migrate

BEFORE = [("filings", "0006_form_versions")]
AFTER = [("filings", "0007_form_version_token")]
ISSUED_AT = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_existing_versions_get_distinct_tokens_and_the_issued_one_its_render_time(latest_migrations_after):
    applicant = UserFactory()
    old = migrate(BEFORE)
    Filing, FormVersion_ = old.get_model("filings", "Filing"), old.get_model("filings", "FormVersion")
    issued = Filing.objects.create(
        service="R11",
        applicant_id=applicant.pk,
        filer_id=applicant.pk,
        status="form_issued",
        fingerprint="b" * 64,
        form_version=2,
        flow_number="R1120261102000001",
        form_issued_at=ISSUED_AT,
    )
    earlier = FormVersion_.objects.create(filing=issued, number=1, fingerprint="a" * 64)
    current = FormVersion_.objects.create(filing=issued, number=2, fingerprint="b" * 64)
    draft = Filing.objects.create(
        service="R11", applicant_id=applicant.pk, filer_id=applicant.pk, fingerprint="c" * 64, form_version=1
    )
    awaiting = FormVersion_.objects.create(filing=draft, number=1, fingerprint="c" * 64)

    migrate(AFTER)

    versions = {version.pk: version for version in FormVersion.objects.all()}
    tokens = [version.token for version in versions.values()]
    assert len(tokens) == 3 and len(set(tokens)) == 3 and all(len(token) >= 22 for token in tokens)
    assert versions[current.pk].rendered_at == ISSUED_AT
    assert versions[earlier.pk].rendered_at is None  # never verifiable: its form carried no token
    assert versions[awaiting.pk].rendered_at is None  # never rendered
