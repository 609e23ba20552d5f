import datetime
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ruanzhu.registry import selectors
from ruanzhu.registry.models import RegistrationSearchToken
from ruanzhu.registry.selectors import (
    PAGE_SIZE_MAX,
    InvalidQuery,
    SearchField,
    registration_search,
)
from ruanzhu.registry.tokens import normalize, query_grams, text_grams, year_grams

POSTGRESQL = connection.vendor == "postgresql"


def names(page):
    return [registration.software_name for registration in page.results]


@pytest.fixture
def catalogue(make_registration):
    make_registration(
        software_name="智慧园区管理平台",
        short_name="园区通",
        owners=["杭州云数科技有限公司"],
        registered_on=datetime.date(2026, 1, 5),
    )
    make_registration(
        software_name="云数据备份系统",
        short_name="",
        owners=["北京数据之家网络有限公司", "张三"],
        registered_on=datetime.date(2026, 2, 6),
    )
    make_registration(
        software_name="DataHub 数据中台软件",
        short_name="DataHub",
        owners=["Acme Software Ltd."],
        registered_on=datetime.date(2026, 3, 7),
    )
    make_registration(
        software_name="物联网设备监控APP",
        short_name="监控宝",
        owners=["深圳物联智能有限公司"],
        registered_on=datetime.date(2026, 4, 8),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("云", ["云数据备份系统"]),
        ("园", ["智慧园区管理平台"]),
        ("数据", ["DataHub 数据中台软件", "云数据备份系统"]),
        ("管理平", ["智慧园区管理平台"]),
        ("数据备份", ["云数据备份系统"]),
        ("园区通", ["智慧园区管理平台"]),
        ("监控宝", ["物联网设备监控APP"]),
        ("据中", ["DataHub 数据中台软件"]),
    ],
)
def test_chinese_substring_of_1_to_4_characters_finds_full_and_short_names(catalogue, query, expected):
    assert names(registration_search(query=query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("d", ["DataHub 数据中台软件"]),
        ("ap", ["物联网设备监控APP"]),
        ("Hub", ["DataHub 数据中台软件"]),
        ("atah", ["DataHub 数据中台软件"]),
        ("ＤＡＴＡ", ["DataHub 数据中台软件"]),
        ("hub 数据", ["DataHub 数据中台软件"]),
    ],
)
def test_latin_substring_ignores_case_and_full_width_forms(catalogue, query, expected):
    assert names(registration_search(query=query)) == expected


def test_query_whose_bigrams_are_in_the_name_but_not_together_finds_nothing(make_registration):
    make_registration(software_name="数据库据库管理")
    make_registration(software_name="据库数据")

    assert names(registration_search(query="数据库")) == ["数据库据库管理"]
    assert names(registration_search(query="库数据")) == ["据库数据"]
    assert names(registration_search(query="数据管")) == []


@pytest.mark.parametrize("walk_rows", [1, 10_000])
def test_query_whose_trigrams_are_in_the_name_but_not_together_finds_nothing(
    make_registration, monkeypatch, walk_rows
):
    monkeypatch.setattr(selectors, "WALK_ROWS", walk_rows)
    make_registration(software_name="理平台管 管理平", owners=["平台管 管理平台"])
    together = make_registration(software_name="管理平台管家", owners=["管理平台管"])

    assert names(registration_search(query="管理平台管")) == ["管理平台管家"]
    assert registration_search(query="管理平台管", field=SearchField.OWNER).results == [together]


@pytest.mark.parametrize("field", [SearchField.NAME, SearchField.OWNER])
def test_an_empty_registry_finds_nothing_and_ends_the_pages(db, field):
    page = registration_search(query="数据", field=field)

    assert page.results == [] and page.next_cursor is None


def test_match_does_not_span_the_full_and_the_short_name(make_registration):
    make_registration(software_name="智慧园区", short_name="平台")

    assert names(registration_search(query="园区平台")) == []
    assert names(registration_search(query="区平")) == []


def test_owner_search_finds_any_owner_by_substring(catalogue):
    assert names(registration_search(query="张", field=SearchField.OWNER)) == ["云数据备份系统"]
    assert names(registration_search(query="数据之家", field=SearchField.OWNER)) == ["云数据备份系统"]
    assert names(registration_search(query="acme", field=SearchField.OWNER)) == ["DataHub 数据中台软件"]
    assert names(registration_search(query="物联智能", field=SearchField.OWNER)) == ["物联网设备监控APP"]


def test_owner_search_does_not_look_at_software_names(catalogue):
    assert names(registration_search(query="园区", field=SearchField.OWNER)) == []


def test_name_search_does_not_look_at_owners(catalogue):
    assert names(registration_search(query="之家")) == []


def test_registration_number_is_found_exactly_in_any_case(make_registration):
    first = make_registration(registered_on=datetime.date(2026, 1, 1))
    make_registration(registered_on=datetime.date(2026, 1, 2))

    page = registration_search(query=first.registration_number.lower(), field=SearchField.NUMBER)

    assert [registration.pk for registration in page.results] == [first.pk]
    assert first.registration_number == "2026SR0000001"


def test_registration_number_prefix_lists_the_numbers_that_start_with_it_newest_first(make_registration):
    for day in range(1, 13):
        make_registration(registered_on=datetime.date(2026, 1, day))
    make_registration(registered_on=datetime.date(2025, 6, 1))

    page = registration_search(query="2026sr000001", field=SearchField.NUMBER)

    assert [r.registration_number for r in page.results] == [
        "2026SR0000012",
        "2026SR0000011",
        "2026SR0000010",
    ]
    year = registration_search(query="2025", field=SearchField.NUMBER)
    assert [r.registration_number for r in year.results] == ["2025SR0000001"]


@pytest.mark.parametrize("query", ["2026XX01", "SR0001", "2026SR01234567", "abc"])
def test_malformed_registration_number_is_refused(db, query):
    with pytest.raises(InvalidQuery):
        registration_search(query=query, field=SearchField.NUMBER)


@pytest.mark.parametrize("query", ["", "   ", "长" * 51])
def test_empty_or_over_long_name_query_is_refused(db, query):
    with pytest.raises(InvalidQuery):
        registration_search(query=query)


def test_search_index_holds_the_substrings_of_each_text_and_none_across_them(make_registration):
    registration = make_registration(software_name="云APP", short_name="", owners=["甲乙"])

    if POSTGRESQL:
        # The token table stays empty; the GIN index is over what registry_search_grams makes of the texts.
        assert not RegistrationSearchToken.objects.exists()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT registry_search_grams(search_name, registered_on), "
                "registry_search_grams(search_owners, registered_on) FROM registry_registration WHERE id = %s",
                [registration.pk],
            )
            name_grams, owner_grams = cursor.fetchone()
        year = registration.registered_on.year
        assert set(name_grams) == set(year_grams(year, ["云", "a", "p", "云a", "ap", "pp", "云ap", "app"]))
        assert set(owner_grams) == set(year_grams(year, ["甲", "乙", "甲乙"]))
        return
    tokens = set(
        RegistrationSearchToken.objects.filter(registration=registration).values_list("scope", "token")
    )

    assert tokens == {
        ("n", "云"),
        ("n", "a"),
        ("n", "p"),
        ("n", "云a"),
        ("n", "ap"),
        ("n", "pp"),
        ("o", "甲"),
        ("o", "乙"),
        ("o", "甲乙"),
    }


def test_query_grams_are_the_query_up_to_three_characters_then_its_trigrams():
    assert query_grams("云") == ["云"]
    assert query_grams("数据库") == ["数据库"]
    assert query_grams("数据数据") == ["数据数", "据数据"]
    assert text_grams("ab\ncd") == {"a", "b", "ab", "c", "d", "cd"}


# --- Equal to a full scan ------------------------------------------------------------------------------------------
VOCABULARY = [*"智慧云数据管理平台系统软件物联网小程序监控分析服务医疗教育金融安全办公", "APP", "Pro", " "]
OWNER_WORDS = [*"北京上海杭州深圳云数智联科技信息网络软件有限公司", "张三", "李四"]


def _random_text(rng: random.Random, words: list[str], low: int, high: int) -> str:
    return "".join(rng.choice(words) for _ in range(rng.randint(low, high))).strip() or "软件"


@pytest.fixture
def generated(make_registration):
    rng = random.Random(20260301)
    registrations = []
    for _ in range(300):
        registrations.append(
            make_registration(
                software_name=_random_text(rng, VOCABULARY, 2, 9),
                short_name=_random_text(rng, VOCABULARY, 1, 3) if rng.random() < 0.4 else "",
                owners=[_random_text(rng, OWNER_WORDS, 2, 6) for _ in range(rng.randint(1, 2))],
                registered_on=datetime.date(2023, 11, 1) + datetime.timedelta(days=rng.randint(0, 900)),
            )
        )
    return rng, registrations


def _all_pages(*, query: str, field: str, page_size: int) -> list[int]:
    found, after = [], None
    while True:
        page = registration_search(query=query, field=field, after=after, page_size=page_size)
        found += [registration.pk for registration in page.results]
        if page.next_cursor is None:
            return found
        after = page.next_cursor


def _brute_force(registrations, *, query: str, field: str) -> list[int]:
    query = normalize(query)
    if field == SearchField.NAME:
        matches = [
            r
            for r in registrations
            if query in normalize(r.software_name) or query in normalize(r.short_name)
        ]
    else:
        matches = [r for r in registrations if any(query in normalize(owner) for owner in r.owners)]
    return [r.pk for r in sorted(matches, key=lambda r: (r.registered_on, r.pk), reverse=True)]


@pytest.mark.skipif(
    not POSTGRESQL,
    reason="registry_search_grams exists on PostgreSQL only; SQLite searches the token table instead",
)
def test_sql_grams_equal_the_python_grams_for_every_record(generated):
    _, registrations = generated
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registered_on, search_name, search_owners, registry_search_grams(search_name, registered_on), "
            "registry_search_grams(search_owners, registered_on) FROM registry_registration"
        )
        rows = cursor.fetchall()

    assert len(rows) == len(registrations)
    for day, name, owners, name_grams, owner_grams in rows:
        assert set(name_grams) == set(year_grams(day.year, text_grams(name)))
        assert set(owner_grams) == set(year_grams(day.year, text_grams(owners)))


# Walking 5 rows sends nearly every query to the gram index; 10,000 finds the common ones among the newest.
@pytest.mark.parametrize("walk_rows", [5, 10_000])
def test_results_equal_a_full_scan_for_random_queries_of_1_to_8_characters(generated, monkeypatch, walk_rows):
    monkeypatch.setattr(selectors, "WALK_ROWS", walk_rows)
    if POSTGRESQL:  # statistics of the commonest grams, so that only the rarest are asked
        monkeypatch.setattr(selectors, "_gram_statistics", {})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_registration")
    rng, registrations = generated
    checked = 0
    for field, words in ((SearchField.NAME, VOCABULARY), (SearchField.OWNER, OWNER_WORDS)):
        for length in (1, 2, 3, 4, 6, 8):
            for _ in range(12):
                source = rng.choice(registrations)
                text = source.software_name if field == SearchField.NAME else rng.choice(source.owners)
                if rng.random() < 0.7 and len(text) >= length:
                    start = rng.randint(0, len(text) - length)
                    query = text[start : start + length]
                else:  # often no hit at all: characters that each occur, in an order that may not
                    query = "".join(rng.choice(words) for _ in range(length))[:length]
                if not query.strip():
                    continue
                expected = _brute_force(registrations, query=query, field=field)
                assert _all_pages(query=query, field=field, page_size=7) == expected, (field, query)
                checked += 1
    assert checked > 120


def test_the_rarest_grams_are_asked_until_the_expected_rows_are_few():
    frequencies = {"2026\n管理平": 0.2, "2026\n理平台": 0.1, "2026\n平台管": 0.01, "2026\n台管家": 0.3}
    grams = ["管理平", "理平台", "平台管", "台管家"]

    assert selectors._grams_to_ask(grams, year=2026, frequencies=frequencies, floor=0.001) == [
        "2026\n平台管",
        "2026\n理平台",
        "2026\n管理平",
        "2026\n台管家",
    ]
    # A gram the statistics do not list is rarer than every one they list: it goes first. Then the rarest that
    # does not overlap it, then the others by rarity, until the expected share is small enough.
    assert selectors._grams_to_ask([*grams, "管家宝"], year=2026, frequencies=frequencies, floor=0.001) == [
        "2026\n管家宝",
        "2026\n理平台",
        "2026\n平台管",
    ]
    # Without statistics (a table never analysed) every gram is asked.
    asked = selectors._grams_to_ask(grams, year=2025, frequencies={}, floor=1.0)
    assert sorted(asked) == sorted(selectors.year_grams(2025, grams))


@pytest.mark.skipif(
    not POSTGRESQL,
    reason="the gram index and the planner settings exist on PostgreSQL only; SQLite has neither",
)
def test_a_rare_match_is_read_from_the_gram_index_and_the_planner_is_left_as_it_was(catalogue, monkeypatch):
    monkeypatch.setattr(selectors, "WALK_ROWS", 1)
    settings = (
        "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), current_setting('jit'), "
        "current_setting('plan_cache_mode')"
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with connection.cursor() as cursor:
            cursor.execute(settings)
            settings_before = cursor.fetchone()
        page = registration_search(query="园区管理")
        with connection.cursor() as cursor:
            cursor.execute(settings)
            settings_after = cursor.fetchone()

    assert names(page) == ["智慧园区管理平台"]
    assert settings_after == settings_before
    indexed = [query["sql"] for query in queries.captured_queries if "registry_search_grams" in query["sql"]]
    assert len(indexed) == 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + indexed[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "registry_name_grams_idx" in plan


@pytest.mark.skipif(
    not POSTGRESQL, reason="prepared statements and the plans PostgreSQL keeps for them are PostgreSQL's"
)
def test_a_rare_match_searched_again_on_one_connection_is_planned_for_its_own_grams(catalogue, monkeypatch):
    # The connection prepares a statement it runs again; PostgreSQL would then switch to one plan for any grams
    # (a generic plan) after five runs, unless told to plan each run for its own values.
    monkeypatch.setattr(selectors, "WALK_ROWS", 1)
    for _ in range(8):
        assert names(registration_search(query="园区管理")) == ["智慧园区管理平台"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        statements = cursor.fetchall()

    indexed = [
        (generic, custom) for statement, generic, custom in statements if "registry_search_grams" in statement
    ]
    assert indexed, statements
    assert all(generic == 0 and custom >= 1 for generic, custom in indexed), indexed


def test_keyset_pages_have_no_duplicates_or_gaps(generated):
    _, registrations = generated
    expected = _brute_force(registrations, query="软", field=SearchField.NAME)
    assert len(expected) > 3 * 10

    pages, after = [], None
    while True:
        page = registration_search(query="软", after=after, page_size=10)
        pages.append([registration.pk for registration in page.results])
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == 10 for page in pages[:-1])
    assert len({pk for page in pages for pk in page}) == len(expected)


def test_page_size_is_capped(generated):
    page = registration_search(query="软", page_size=10_000)

    assert len(page.results) == PAGE_SIZE_MAX
    assert page.next_cursor is not None


def test_malformed_cursor_is_refused(catalogue):
    with pytest.raises(InvalidQuery):
        registration_search(query="数据", after="yesterday.1")


@pytest.mark.parametrize(
    ("query", "field"),
    [("数据", SearchField.NAME), ("张三", SearchField.OWNER), ("2026SR", SearchField.NUMBER)],
)
@pytest.mark.parametrize("walk", [10_000, 1], ids=["newest-first", "gram-index"])
def test_a_page_of_results_reads_every_column_its_rows_show_in_one_go(
    catalogue, monkeypatch, django_assert_num_queries, query, field, walk
):
    # The results are read with the columns the portal's rows and the API's hits show, and no others: showing
    # them must not read a row again (a deferred column would cost one query per row).
    from ruanzhu.api.routers.registry import _hit
    from ruanzhu.registry.views import _result_rows

    monkeypatch.setattr(selectors, "WALK_ROWS", walk)
    page = registration_search(query=query, field=field)
    assert page.results
    with django_assert_num_queries(0):
        hits = [_hit(registration) for registration in page.results]
        rows = _result_rows(page.results)
    assert len(rows) == len(hits) == len(page.results)
    assert {hit["owners"] for hit in hits} and all(hit["status_label"] for hit in hits)
