"""A filing's page reads its documents and history with SQL compiled once: the rows the related queries give."""

from ruanzhu.filings.models import Filing, FilingEvent, FilingParty
from ruanzhu.filings.selectors import documents_of, events_of, party_names_of
from tests.factories import FilingFactory, UserFactory


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


def test_the_summary_sections_are_what_the_template_rendered(verified_alice, verified_bob):
    # The sections are built in Python: the same HTML as the template's loop, escaped, with lines kept.
    from django.template import Context, Template
    from django.utils import translation

    from ruanzhu.filings.definitions import definition_for
    from ruanzhu.filings.views.issue import sections_html

    template = Template(
        "{% load i18n %}{% for title, rows in sections %}\n  <h3>{% translate title %}</h3>\n"
        '  <dl class="details">{% for label, value in rows %}<dt>{% translate label %}</dt>'
        '<dd>{{ value|default:"—"|linebreaksbr }}</dd>{% endfor %}</dl>\n  {% endfor %}'
    )
    filing = FilingFactory(submitted=True, applicant=verified_alice, co_owners=[verified_bob])
    tricky = (
        ("软件<b>说明</b>", (("用途 100%", '第一行\r\n<script>alert("x")</script>\n第三行'), ("版本号", ""))),
        ("其他", (("数量", 0), ("A&B", None))),
    )
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for sections in (definition_for("R11").form_sections(filing.details), tricky):
                expected = template.render(Context({"sections": sections}))
                assert sections_html(sections) == expected
    assert "&lt;script&gt;" in sections_html(tricky) and "第一行<br>" in sections_html(tricky)


def test_the_party_names_are_those_of_each_filings_parties_in_their_order(verified_alice, verified_bob):
    # The examiners' queue shows them: a joined co-owner, an invitation not yet answered, positions out of the
    # order of creation, and a filing with no party at all.
    filing = FilingFactory(submitted=True, applicant=verified_alice, co_owners=[verified_bob])
    FilingParty.objects.create(
        filing=filing,
        account=UserFactory(),
        name="被邀请的公司",
        invited_as="13800000000",
        position=1,
        status=FilingParty.Status.INVITED,
    )
    FilingParty.objects.filter(filing=filing, account=verified_alice).update(position=9)
    other = FilingFactory(applicant=verified_bob)
    empty = Filing.objects.create(service="R11", applicant=verified_bob, filer=verified_bob, title="无人")

    def expected(*filings):
        return {row.pk: [party.name for party in row.parties.all()] for row in filings}

    assert len(expected(filing)[filing.pk]) == 3 and expected(filing)[filing.pk][-1] == "李爱丽"
    # One shape per number of filings: each is compiled on its first use, then filled with the page's ids.
    for filings in ([filing], [other, filing], [empty, filing, other], [other, empty]):
        assert party_names_of([row.pk for row in filings]) == expected(*filings)
    assert party_names_of([]) == {}
