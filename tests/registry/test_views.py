import datetime

import pytest
from django.db import connection
from django.urls import reverse

from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.services import registration_record_change, registration_revoke

SEARCH = reverse("registry:search")


@pytest.fixture
def published(make_registration):
    return make_registration(
        software_name="智慧园区管理平台",
        short_name="园区通",
        version="V2.1",
        owners=["杭州云数科技有限公司", "李四"],
        category="应用软件",
        first_publication_date=None,
        registered_on=datetime.date(2026, 3, 2),
    )


def test_search_page_without_query_shows_the_form(client, db):
    response = client.get(SEARCH)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="q"' in page and "著作权人" in page and "登记号" in page
    assert 'data-testid="search-results"' not in page


def test_search_shows_every_column_of_a_hit(client, published):
    response = client.get(SEARCH, {"q": "园"})

    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        published.registration_number,
        "智慧园区管理平台",
        "园区通",
        "V2.1",
        "杭州云数科技有限公司；李四",
        "应用软件",
        "未发表",
        "2026-03-02",
    ):
        assert text in page
    assert reverse("registry:record", args=[published.registration_number]) in page


def test_search_rows_escape_what_applicants_typed(client, make_registration):
    # The rows are built in Python: every cell must be escaped as the template escapes a variable.
    make_registration(
        software_name='园区<script>alert("x")</script>',
        short_name="A&B",
        version="V1'2",
        owners=["<b>某</b>科技有限公司"],
        first_publication_date=datetime.date(2025, 1, 2),
    )

    page = client.get(SEARCH, {"q": "园区"}).content.decode()

    assert "<script>alert" not in page and "<b>某</b>" not in page
    assert "园区&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<td>A&amp;B</td>" in page and "<td>V1&#x27;2</td>" in page
    assert "&lt;b&gt;某&lt;/b&gt;科技有限公司" in page and "<td>2025-01-02</td>" in page


def test_search_by_owner_and_by_number(client, published):
    by_owner = client.get(SEARCH, {"q": "李四", "field": "owner"}).content.decode()
    by_number = client.get(SEARCH, {"q": published.registration_number[:9].lower(), "field": "number"})

    assert "智慧园区管理平台" in by_owner
    assert "智慧园区管理平台" in by_number.content.decode()


def test_search_without_hits_says_so(client, published):
    page = client.get(SEARCH, {"q": "不存在的名称"}).content.decode()

    assert "没有找到符合条件的登记记录。" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "请输入查询内容。"),
        ({"q": "长" * 51}, "查询内容不能超过50个字符。"),
        ({"q": "2026XX1", "field": "number"}, "登记号格式为"),
        ({"q": "园区", "field": "colour"}, "请选择查询项。"),
        ({"q": "园区", "after": "not-a-cursor"}, "无法识别的查询"),
        ({"q": "园区", "size": "1000"}, "50"),
    ],
)
def test_bad_search_input_gets_a_clear_message(client, published, params, message):
    response = client.get(SEARCH, params)

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("name", ["registry:search"])
def test_search_refuses_post(client, db, name):
    assert client.post(reverse(name), {"q": "园"}).status_code == 405


def test_more_results_link_continues_without_repeating(client, make_registration):
    for day in range(1, 6):
        make_registration(software_name=f"云平台{day}", registered_on=datetime.date(2026, 1, day))

    first = client.get(SEARCH, {"q": "云", "size": 2})
    more = first.context["page"].next_cursor
    second = client.get(SEARCH, {"q": "云", "size": 2, "after": more})

    assert 'data-testid="more-results"' in first.content.decode()
    assert [r.software_name for r in first.context["page"].results] == ["云平台5", "云平台4"]
    assert [r.software_name for r in second.context["page"].results] == ["云平台3", "云平台2"]
    assert 'data-testid="first-page"' in second.content.decode()


# Queries on SQLite (the token table) and on PostgreSQL (the newest records fill the page, so the gram index is not
# asked).
@pytest.mark.parametrize(
    ("params", "sqlite_queries", "postgresql_queries"),
    [
        ({"q": "园"}, 1, 1),  # SQLite: one token, the page straight from the index
        ({"q": "园区"}, 1, 1),
        ({"q": "园区管理"}, 2, 1),  # SQLite: bigram counts, then the page
        ({"q": "李四", "field": "owner"}, 1, 1),
        ({"q": "2026SR", "field": "number"}, 1, 1),
    ],
)
def test_search_page_query_count_does_not_grow_with_the_hits(
    client, make_registration, django_assert_num_queries, params, sqlite_queries, postgresql_queries
):
    queries = postgresql_queries if connection.vendor == "postgresql" else sqlite_queries
    for day in range(1, 26):
        make_registration(
            software_name=f"智慧园区管理平台{day}", owners=["李四"], registered_on=datetime.date(2026, 1, day)
        )

    with django_assert_num_queries(queries):
        response = client.get(SEARCH, params)

    assert response.status_code == 200
    assert len(response.context["page"].results) == 20


def test_record_page_shows_the_fields_and_the_history(client, published, django_assert_num_queries):
    registration_record_change(
        registration=published,
        kind=RegistrationChange.Kind.CHANGE,
        description="软件名称变更",
        before={"software_name": "智慧园区管理平台"},
        after={"software_name": "智慧园区运营平台"},
        new_name="智慧园区运营平台",
        certificate_number="软著变证字第3号",
        recorded_on=datetime.date(2026, 6, 1),
    )

    with django_assert_num_queries(2):
        response = client.get(reverse("registry:record", args=[published.registration_number.lower()]))

    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "智慧园区运营平台",
        published.certificate_number,
        "已变更",
        "软件名称变更",
        "软著变证字第3号",
        "2026-06-01",
    ):
        assert text in page


def test_unknown_registration_number_is_404(client, db):
    assert client.get(reverse("registry:record", args=["2026SR9999999"])).status_code == 404
    assert client.get("/registry/nonsense/").status_code == 404  # not even a registration number


def test_verification_confirms_a_valid_certificate(client, published):
    response = client.get(reverse("registry:verify", args=[published.certificate_token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{published.certificate_number}为真实有效的登记证书。" in page
    for text in ("智慧园区管理平台", "杭州云数科技有限公司；李四", "2026-03-02", "有效", "登记后无变更。"):
        assert text in page


def test_verification_shows_the_current_state_and_later_changes(client, published):
    registration_record_change(
        registration=published,
        kind=RegistrationChange.Kind.CHANGE,
        description="著作权人名称变更",
        before={"owners": published.owners},
        after={"owners": ["杭州云数智能有限公司"]},
        new_owners=["杭州云数智能有限公司"],
    )

    page = client.get(reverse("registry:verify", args=[published.certificate_token])).content.decode()

    assert "杭州云数智能有限公司" in page and "杭州云数科技有限公司" not in page
    assert "著作权人名称变更" in page and "已变更" in page


def test_verification_of_a_revoked_registration_says_the_certificate_is_void(client, published):
    registration_revoke(registration=published, description="依法撤销登记")

    response = client.get(reverse("registry:verify", args=[published.certificate_token]))

    assert response.status_code == 200
    assert "证书已失效" in response.content.decode() and "已撤销" in response.content.decode()


def test_verification_of_an_unknown_token_is_a_clear_404(client, published):
    response = client.get(reverse("registry:verify", args=["no-such-token"]))

    assert response.status_code == 404
    assert "证书不存在或已失效" in response.content.decode()
    assert published.software_name not in response.content.decode()


def test_registry_pages_need_no_login_and_are_in_the_navigation(client, published):
    page = client.get(reverse("home")).content.decode()

    assert f'href="{SEARCH}"' in page
    assert client.get(reverse("registry:record", args=[published.registration_number])).status_code == 200
