"""Benchmark of the public registry's search on PostgreSQL: build a large registry, then time the searches.

Run on demand (it is not a test)::

    .venv/bin/python bench/registry_bench.py [--records 10000000] [--jobs 2] [--queries 200] [--recall 10]
    .venv/bin/python bench/registry_bench.py --records 1000000 --skip-build    # measure an existing build

It drops and recreates its own database (default ``postgres://postgres@127.0.0.1:5432/ruanzhu_registry_bench``),
creates the registry's tables with the app's migrations, drops their keys and indexes, loads synthetic records
with COPY (one loader process per job, each generating its own range of records), then restores exactly the keys
and indexes that the migrations made (``--jobs`` at a time: a GIN index is built by one process) and runs
VACUUM ANALYZE. The tables are UNLOGGED (a benchmark database need not survive a crash; this saves writing every
row twice). It prints the build time and the size of the search structures (the gram indexes, the index of the
newest records and the token table, which PostgreSQL leaves empty) against the records table. It then measures,
with Django configured for that database and the app's selectors called in-process as the view calls them:

- the distribution (p50/p90/p95/p99/max and a histogram) of the first page of searches: substrings of 1 to 8
  characters of existing names and owners, whole owner names, the hardest strings (3 to 8 characters in which
  every pair of characters is common and the whole string rare) and common characters in any order;
- recall of the first page (and of every page, for queries with up to 2,000 hits) against a full scan with
  LIKE '%q%' over the normalised texts;
- p50/p95 of the look-up of a registration number (the record page's query).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import itertools
import json
import math
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ruanzhu_registry_bench"
sys.path.insert(0, str(ROOT))

FIRST_DAY = datetime.date(2016, 1, 1)
LAST_DAY = datetime.date(2026, 6, 30)
CHUNK = 20_000

PREFIXES = ["智慧", "云", "数字", "智能", "移动", "掌上", "安全", "绿色", "一体化", "新一代", "", "", "", ""]
DOMAINS = [
    "园区",
    "医疗",
    "教育",
    "金融",
    "物流",
    "农业",
    "政务",
    "社区",
    "校园",
    "停车",
    "能源",
    "电力",
    "水务",
    "交通",
    "酒店",
    "餐饮",
    "零售",
    "仓储",
    "供应链",
    "物联网",
    "大数据",
    "人工智能",
    "区块链",
    "城市",
    "工厂",
    "养老",
    "健康",
    "环保",
    "气象",
    "文旅",
    "电商",
    "直播",
    "招聘",
    "财务",
    "人事",
    "客服",
    "会议",
    "档案",
    "车联网",
    "地产",
    "物业",
    "消防",
    "安防",
    "视频",
    "图像",
    "语音",
    "地图",
    "数据",
    "设备",
    "门店",
    "会员",
    "营销",
]
FUNCTIONS = [
    "管理",
    "监控",
    "分析",
    "调度",
    "服务",
    "运营",
    "采集",
    "预警",
    "可视化",
    "交易",
    "支付",
    "考勤",
    "审批",
    "巡检",
    "追溯",
    "结算",
    "识别",
    "推荐",
    "检测",
    "测试",
    "协同",
    "办公",
    "统计",
    "报表",
    "预约",
    "配送",
]
KINDS = [
    "平台",
    "系统",
    "软件",
    "APP",
    "小程序",
    "客户端",
    "管理系统",
    "云平台",
    "中台",
    "工具",
    "终端软件",
    "系统软件",
]
BRAND_CHARS = "创维博达华信联智航锐思腾讯远恒泰通宇新力源嘉盛安康瑞丰鼎隆昌晟卓越星辰海川汇优特凯捷佳诚明德"
CITIES = [
    "北京",
    "上海",
    "杭州",
    "深圳",
    "广州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "苏州",
    "合肥",
    "长沙",
    "重庆",
    "天津",
]
INDUSTRIES = ["科技", "信息技术", "网络科技", "软件", "数据科技", "智能科技", "电子", "计算机系统"]
COMPANY_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
BRAND_SUFFIXES = ["通", "宝", "云", "家", "助手", "管家", "易", "星"]
CATEGORIES = ["应用软件", "应用软件", "应用软件", "系统软件", "中间件", "嵌入式软件", "其他"]


# --- Database ---------------------------------------------------------------------------------------------------


def configure_django(database_url: str) -> None:
    """Configure Django for the benchmark's database: PostgreSQL at database_url, or SQLite at SQLITE_PATH."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RUANZHU_DATA_DIR", tempfile.mkdtemp(prefix="registry-bench-"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def admin_url(database_url: str) -> tuple[str, str]:
    base, _, name = database_url.rpartition("/")
    return f"{base}/postgres", name


def recreate_database(database_url: str) -> None:
    import psycopg

    url, name = admin_url(database_url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


# --- Synthetic records ------------------------------------------------------------------------------------------


def record_day(index: int, total: int) -> datetime.date:
    """Return the registration date of the index-th record: chronological, more records in later years."""
    span = (LAST_DAY - FIRST_DAY).days
    return FIRST_DAY + datetime.timedelta(days=int(span * (index / total) ** 0.7))


def year_starts(total: int) -> dict[int, int]:
    """Return the index of the first record of each year (numbers restart at 1 every year)."""
    starts = {}
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        low, high = 0, total
        while low < high:  # first index whose day is in this year or later
            middle = (low + high) // 2
            if record_day(middle, total).year < year:
                low = middle + 1
            else:
                high = middle
        starts[year] = low
    return starts


def software_name(rng: random.Random) -> str:
    parts = [rng.choice(PREFIXES), rng.choice(DOMAINS)]
    if rng.random() < 0.3:
        parts.append(rng.choice(DOMAINS))
    parts.append(rng.choice(FUNCTIONS))
    if rng.random() < 0.3:
        parts.append(rng.choice(FUNCTIONS))
    parts.append(rng.choice(KINDS))
    return "".join(parts)


def owner_name(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
    brand = "".join(rng.choices(BRAND_CHARS, k=2))
    return rng.choice(CITIES) + brand + rng.choice(INDUSTRIES) + rng.choice(COMPANY_FORMS)


def generate(total: int, first: int, last: int, seed: int, starts: dict[int, int]) -> Iterator[tuple]:
    """Yield records [first, last) as rows of REGISTRATION_COLUMNS; each chunk has its own seed."""
    import secrets

    from ruanzhu.registry.tokens import normalize

    for chunk_first in range(first, last, CHUNK):
        rng = random.Random(seed * 1_000_003 + chunk_first)
        for index in range(chunk_first, min(chunk_first + CHUNK, last)):
            day = record_day(index, total)
            name = software_name(rng)
            short = (rng.choice(BRAND_CHARS) + rng.choice(BRAND_SUFFIXES)) if rng.random() < 0.3 else ""
            owners = [owner_name(rng) for _ in range(rng.choices((1, 2, 3), (80, 15, 5))[0])]
            pk = index + 1
            published = day - datetime.timedelta(days=rng.randint(10, 400)) if rng.random() < 0.7 else None
            completed = (published or day) - datetime.timedelta(days=rng.randint(0, 200))
            yield (
                pk,
                f"{day.year}SR{index - starts[day.year] + 1:07d}",
                f"软著登字第{pk}号",
                pk,
                "R11",
                name,
                short,
                f"V{rng.randint(1, 5)}.{rng.randint(0, 9)}",
                rng.choice(CATEGORIES),
                json.dumps(owners, ensure_ascii=False),
                "；".join(owners),
                published.isoformat() if published else None,
                completed.isoformat(),
                day.isoformat(),
                "valid",
                "",
                secrets.token_urlsafe(24),
                normalize(name) + "\n" + normalize(short),
                "\n".join(normalize(owner) for owner in owners),
                "2026-01-01 00:00:00+00:00",
                "2026-01-01 00:00:00+00:00",
            )


def load_range(
    database_url: str, total: int, first: int, last: int, seed: int, starts: dict[int, int]
) -> int:
    """Generate records [first, last) and COPY them; return their number.

    PostgreSQL keeps no token rows: its gram indexes are built from the records' search texts.
    """
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = generate(total, first, last, seed, starts)
        for chunk_first in range(first, last, CHUNK):
            chunk = [next(rows) for _ in range(chunk_first, min(chunk_first + CHUNK, last))]
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY registry_registration ({REGISTRATION_COLUMNS}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            connection.commit()
    return last - first


def build_sqlite(args: argparse.Namespace) -> None:
    """Build the registry in a fresh SQLite file (SQLITE_PATH): records and their token rows, as the app writes
    them there, then the indexes."""
    import sqlite3

    from django.core.management import call_command
    from django.db import connection as django_connection

    from ruanzhu.registry.tokens import texts_tokens

    started = time.perf_counter()
    path = Path(args.sqlite)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    call_command("migrate", "registry", verbosity=0)
    django_connection.close()
    database = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -8000000", "temp_store = MEMORY"):
        database.execute(f"PRAGMA {pragma}")
    tables = ("registry_registration", "registry_registrationsearchtoken")
    indexes = database.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?)",
        tables,
    ).fetchall()
    for name, _ in indexes:
        database.execute(f'DROP INDEX "{name}"')
    placeholders = ", ".join("?" * len(REGISTRATION_COLUMNS.split(",")))
    token_rows = 0
    database.execute("BEGIN")
    for row in generate(args.records, 0, args.records, args.seed, year_starts(args.records)):
        database.execute(
            f"INSERT INTO registry_registration ({REGISTRATION_COLUMNS}) VALUES ({placeholders})", row
        )
        pk, name, short, owners, day = row[0], row[5], row[6], json.loads(row[9]), row[13]
        tokens = [("n", token, day, pk) for token in texts_tokens([name, short])]
        tokens += [("o", token, day, pk) for token in texts_tokens(owners)]
        database.executemany(
            "INSERT INTO registry_registrationsearchtoken (scope, token, registered_on, registration_id) "
            "VALUES (?, ?, ?, ?)",
            tokens,
        )
        token_rows += len(tokens)
    database.execute("COMMIT")
    loaded = time.perf_counter()
    print(
        f"loaded {args.records:,} records and {token_rows:,} token rows in {loaded - started:.0f} s",
        flush=True,
    )
    for name, sql in indexes:
        clock = time.perf_counter()
        database.execute(sql)
        print(f"  {name}: {time.perf_counter() - clock:.0f} s", flush=True)
    database.execute("ANALYZE")
    database.close()
    size = path.stat().st_size
    print(f"build: {time.perf_counter() - started:.0f} s; database file {size / 2**30:.2f} GiB", flush=True)


REGISTRATION_COLUMNS = (
    "id, registration_number, certificate_number, certificate_sequence, service, software_name, short_name, "
    "version, category, owners, owners_text, first_publication_date, completion_date, registered_on, status, "
    "source_reference, certificate_token, search_name, search_owners, created_at, updated_at"
)
TABLES = ("registry_registration", "registry_registrationsearchtoken")


def build(args: argparse.Namespace) -> None:
    import psycopg
    from django.core.management import call_command

    started = time.perf_counter()
    recreate_database(args.database_url)
    call_command("migrate", "registry", verbosity=0)
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        # Keep the definitions the migration made, drop them for the load, restore them afterwards.
        constraints = connection.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('p', 'u', 'f') "
            # The records' own primary key stays (the changes table refers to it); ids arrive in order.
            "AND conname <> 'registry_registration_pkey' ORDER BY contype DESC",
            [list(TABLES)],
        ).fetchall()
        indexes = connection.execute(
            "SELECT indexdef, indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)",
            [list(TABLES)],
        ).fetchall()
        for table, name, _, _kind in sorted(constraints, key=lambda row: row[3] != "f"):
            connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        for table in (
            "registry_registrationsearchtoken",
            "registry_registrationchange",
            "registry_registrationowner",
            "registry_registration",
        ):
            connection.execute(f"ALTER TABLE {table} SET UNLOGGED")
    prepared = time.perf_counter()

    starts = year_starts(args.records)
    bounds = [args.records * job // args.jobs for job in range(args.jobs + 1)]
    with mp.get_context("fork").Pool(args.jobs) as pool:
        pool.starmap(
            load_range,
            [
                (args.database_url, args.records, bounds[job], bounds[job + 1], args.seed, starts)
                for job in range(args.jobs)
            ],
        )
    loaded = time.perf_counter()
    print(f"loaded {args.records:,} records in {loaded - prepared:.0f} s", flush=True)

    def restore(statement: str, name: str) -> None:
        clock = time.perf_counter()
        with psycopg.connect(args.database_url, autocommit=True) as connection:
            connection.execute(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
            connection.execute("SET max_parallel_maintenance_workers = 2")
            connection.execute(statement)
        print(f"  {name}: {time.perf_counter() - clock:.0f} s", flush=True)

    for table, name, definition, kind in constraints:  # keys first: unique checks use their own indexes
        suffix = " NOT VALID" if kind == "f" else ""
        restore(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}{suffix}', name)
    # The slowest (the GIN indexes: one process each) start first, the others fill in beside them.
    ordered = sorted(indexes, key=lambda index: "USING gin" not in index[0])
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as executor:
        for future in [executor.submit(restore, definition, name) for definition, name in ordered]:
            future.result()
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        connection.execute(
            "SELECT setval(pg_get_serial_sequence('registry_registration', 'id'), %s)", [args.records]
        )
        indexed = time.perf_counter()
        for table in TABLES:
            connection.execute(f"VACUUM (ANALYZE) {table}")
    finished = time.perf_counter()
    print(
        f"build: {finished - started:.0f} s in all (load {loaded - prepared:.0f} s, keys and indexes "
        f"{indexed - loaded:.0f} s, vacuum analyze {finished - indexed:.0f} s)",
        flush=True,
    )


SEARCH_STRUCTURES = ("registry_name_grams_idx", "registry_owner_grams_idx", "registry_newest_idx")


def report_sizes(database_url: str) -> None:
    """Print the records table (heap and TOAST) against the structures that serve the search."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        records = connection.execute(
            "SELECT pg_table_size('registry_registration'), pg_total_relation_size('registry_registration')"
        ).fetchone()
        structures = connection.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s) "
            "UNION ALL SELECT 'registry_registrationsearchtoken (all)', "
            "pg_total_relation_size('registry_registrationsearchtoken')",
            [list(SEARCH_STRUCTURES)],
        ).fetchall()
    total = sum(size for _, size in structures)
    print(
        f"records table {records[0] / 2**30:.2f} GiB ({records[1] / 2**30:.2f} GiB with all its indexes); "
        f"search structures {total / 2**30:.2f} GiB = {total / records[0]:.2f}x the records table: "
        + ", ".join(f"{name} {size / 2**20:,.0f} MiB" for name, size in structures),
        flush=True,
    )


# --- Measurements -----------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sample_queries(args: argparse.Namespace) -> dict[str, tuple[str, list[str]]]:
    """Return (field, queries) by kind: substrings of existing names and owners, and the hardest strings."""
    from ruanzhu.registry.models import Registration
    from ruanzhu.registry.selectors import SearchField

    rng = random.Random(args.seed + 1)
    ids = [rng.randint(1, args.records) for _ in range(args.queries * 4)]
    rows = list(Registration.objects.filter(pk__in=ids).values_list("software_name", "short_name", "owners"))
    queries: dict[str, tuple[str, list[str]]] = {}

    def substrings(texts: list[str], length: int) -> list[str]:
        texts = [text for text in texts if len(text) >= length]
        picked = []
        while len(picked) < args.queries:
            text = rng.choice(texts)
            start = rng.randint(0, len(text) - length)
            picked.append(text[start : start + length])
        return picked

    names = [name for name, _, _ in rows] + [short for _, short, _ in rows if short]
    owners = [owner for _, _, row_owners in rows for owner in row_owners]
    for length in (1, 2, 3, 4, 6, 8):
        queries[f"name, {length} chars"] = (SearchField.NAME, substrings(names, length))
    # The hardest strings: every pair of characters common, the whole string rare. They are cut from chains of
    # words in the order names use them (place, place, function, function, kind: every junction occurs in many
    # names), which few names hold all of.
    for length in (3, 4, 5, 6, 8):
        chains = [
            rng.choice(DOMAINS)
            + rng.choice(DOMAINS)
            + rng.choice(FUNCTIONS)
            + rng.choice(FUNCTIONS)
            + rng.choice(KINDS)
            for _ in range(args.queries)
        ]
        queries[f"hardest, {length} chars"] = (SearchField.NAME, substrings(chains, length))
    # Common characters in any order: mostly no hit at all.
    common = "".join(DOMAINS + FUNCTIONS + KINDS[:3])
    queries["any order, 4 chars"] = (
        SearchField.NAME,
        ["".join(rng.choice(common) for _ in range(4)) for _ in range(args.queries)],
    )
    for length in (2, 3, 4, 6, 8):
        queries[f"owner, {length} chars"] = (SearchField.OWNER, substrings(owners, length))
    queries["owner, whole name"] = (SearchField.OWNER, [rng.choice(owners) for _ in range(args.queries)])
    return queries


HISTOGRAM_MS = (1, 5, 10, 20, 50, 100, 200)


def distribution(timings: list[float]) -> str:
    return (
        f"p50 {percentile(timings, 0.5):6.1f}  p90 {percentile(timings, 0.9):6.1f}  "
        f"p95 {percentile(timings, 0.95):6.1f}  p99 {percentile(timings, 0.99):6.1f}  max {max(timings):6.1f}"
    )


def measure_searches(queries: dict[str, tuple[str, list[str]]]) -> None:
    from ruanzhu.registry.selectors import registration_search

    for field, sample in queries.values():  # warm the connection and the top of the indexes
        for query in sample[:3]:
            registration_search(query=query, field=field)
    print("search, first page of 20 (ms):")
    everything, slowest = [], []
    for label, (field, sample) in queries.items():
        timings, empty = [], 0
        for query in sample:
            clock = time.perf_counter()
            page = registration_search(query=query, field=field)
            timings.append((time.perf_counter() - clock) * 1000)
            empty += not page.results
            slowest = sorted([*slowest, (timings[-1], field, query)], reverse=True)[:5]
        everything += timings
        print(f"  {label:<20} n={len(sample):<4} {distribution(timings)}  without hits {empty}", flush=True)
    print(f"  {'all':<20} n={len(everything):<4} {distribution(everything)}")
    print("  slowest: " + ", ".join(f"{field} {query!r} {timing:.1f}" for timing, field, query in slowest))
    bounds = [0, *HISTOGRAM_MS, math.inf]
    print(
        "  histogram: "
        + ", ".join(
            f"{'<' + str(high) if high != math.inf else '≥' + str(low)} ms: "
            f"{sum(low <= timing < high for timing in everything)}"
            for low, high in itertools.pairwise(bounds)
        ),
        flush=True,
    )


def measure_recall(queries: dict[str, tuple[str, list[str]]], per_kind: int) -> None:
    from django.db import connection

    from ruanzhu.registry.selectors import SearchField, registration_search
    from ruanzhu.registry.tokens import normalize

    first_pages = complete = 0
    expected_total = found_total = 0
    checked = 0
    clock = time.perf_counter()
    for field, sample in queries.values():
        column = "search_name" if field == SearchField.NAME else "search_owners"
        for query in sample[:per_kind]:
            text = normalize(query)  # as the search compares it, and as the columns hold the texts
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            with connection.cursor() as cursor:
                # A full scan: no index can serve LIKE '%q%' on this column.
                cursor.execute(
                    f"SELECT id FROM registry_registration WHERE {column} LIKE %s ESCAPE '\\' "
                    "ORDER BY registered_on DESC, id DESC",
                    [pattern],
                )
                scanned = [row[0] for row in cursor.fetchall()]
            page = registration_search(query=query, field=field)
            checked += 1
            if [r.pk for r in page.results] == scanned[:20]:
                first_pages += 1
            else:
                print(f"  first page differs: {field} {query!r} ({len(scanned):,} hits)", flush=True)
            if len(scanned) <= 2000:
                found, after = [], None
                while True:
                    page = registration_search(query=query, field=field, after=after, page_size=50)
                    found += [r.pk for r in page.results]
                    if page.next_cursor is None:
                        break
                    after = page.next_cursor
                complete += found == scanned
                expected_total += len(scanned)
                found_total += len(set(found) & set(scanned))
            else:
                complete += 1
    print(
        f"recall against a full LIKE scan ({checked} queries, {time.perf_counter() - clock:.0f} s): first pages "
        f"identical {first_pages}/{checked}; every page identical {complete}/{checked} (queries with ≤2,000 hits "
        f"compared page by page: {found_total:,}/{expected_total:,} hits found)",
        flush=True,
    )


def measure_lookups(args: argparse.Namespace, count: int = 1000) -> None:
    from ruanzhu.registry.models import Registration
    from ruanzhu.registry.selectors import registration_get

    rng = random.Random(args.seed + 2)
    ids = [rng.randint(1, args.records) for _ in range(count)]
    numbers = list(Registration.objects.filter(pk__in=ids).values_list("registration_number", flat=True))
    rng.shuffle(numbers)
    timings = []
    for number in numbers:
        clock = time.perf_counter()
        registration = registration_get(registration_number=number.lower())
        timings.append((time.perf_counter() - clock) * 1000)
        assert registration is not None
    print(
        f"registration number look-up (ms): n={len(timings)} p50 {percentile(timings, 0.5):.2f} "
        f"p95 {percentile(timings, 0.95):.2f} max {max(timings):.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="loader processes")
    parser.add_argument("--queries", type=int, default=200, help="queries per length")
    parser.add_argument("--recall", type=int, default=10, help="queries per kind checked against a full scan")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--skip-build", action="store_true", help="measure the database as it is")
    parser.add_argument("--maintenance-work-mem", default="1GB", help="per index being built")
    parser.add_argument(
        "--sqlite", metavar="PATH", help="build and measure an SQLite file instead of PostgreSQL"
    )
    args = parser.parse_args()

    if args.sqlite:
        os.environ["SQLITE_PATH"] = str(Path(args.sqlite).resolve())
        configure_django("")
        if not args.skip_build:
            build_sqlite(args)
    else:
        configure_django(args.database_url)
        if not args.skip_build:
            build(args)
        report_sizes(args.database_url)
    queries = sample_queries(args)
    measure_searches(queries)
    measure_lookups(args)
    measure_recall(queries, args.recall)


if __name__ == "__main__":
    main()
