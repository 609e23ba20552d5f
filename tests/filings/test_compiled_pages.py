"""A filing's page reads its documents and history with SQL compiled once: the rows the related queries give."""

from ruanzhu.filings.models import FilingEvent
from ruanzhu.filings.selectors import documents_of, events_of
from tests.factories import FilingFactory


def _columns(rows) -> list[dict]:
    return [
        {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}
        for row in rows
    ]


def test_the_documents_and_events_are_those_of_the_related_queries(verified_alice, verified_bob):
    filing = FilingFactory(submitted=True, applicant=verified_alice, co_owners=[verified_bob])
    FilingEvent.objects.create(filing=filing, actor=verified_alice, to_status=filing.status, note="再说一次")
    other = FilingFactory(applicant=verified_bob)
    documents = documents_of(filing)
    assert len(documents) >= 2 and _columns(documents) == _columns(
        filing.documents.order_by("uploaded_at", "id")
    )
    events = events_of(filing)
    assert len(events) >= 2 and _columns(events) == _columns(filing.events.order_by("created_at", "id"))
    assert all(row.filing is filing for row in [*documents, *events])
    assert _columns(documents_of(other)) == _columns(other.documents.order_by("uploaded_at", "id"))
