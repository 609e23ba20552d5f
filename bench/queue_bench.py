"""Benchmark of the examiners' queues on PostgreSQL: page 10,000 against page 1 (SPEC §15: within 1.5×).

Run on demand (it is not a test)::

    .venv/bin/python bench/queue_bench.py [--filings 5000000] [--applicants 3000] [--runs 50]
    .venv/bin/python bench/queue_bench.py --filings 500000          # a quick run
    .venv/bin/python bench/queue_bench.py --skip-build                 # measure an existing build

It drops and recreates its own database (default ``postgres://postgres@127.0.0.1:5432/ruanzhu_queue_bench``),
creates the schema with the migrations, creates the applicants with bulk_create, drops the filings table's
secondary indexes and foreign keys, loads the synthetic filings with COPY, then recreates exactly those indexes
(``filing_queue_idx`` among them), restores the foreign keys NOT VALID (the loader wrote consistent rows) and
runs VACUUM ANALYZE. Most filings wait for acceptance (待受理), the rest are 已受理, 审查中, 待补正 or decided;
submission times are whole seconds over two years, so that many filings share one (ties in the cursor).

It then measures, with Django configured for that database, the examiners' selector
``ruanzhu.examination.selectors.queue_page`` called in-process as the queue view calls it: page 1, and page
10,000 (25 rows a page) given the cursor reached by walking the queue page by page, for the 待受理 and 审查中
tabs; p50/p95 over repeated runs, the ratio of page 10,000 to page 1, and EXPLAIN ANALYZE of page 10,000.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ruanzhu_queue_bench"
sys.path.insert(0, str(ROOT))

PAGE = 10_000
CHUNK = 50_000
# (status, share of the filings)
STATUS_MIX = (
    ("submitted", 0.80),
    ("accepted", 0.05),
    ("examining", 0.08),
    ("correction", 0.03),
    ("registered", 0.04),
)
NAMES = [
    "智慧园区",
    "云端医疗",
    "数字校园",
    "智能仓储",
    "移动政务",
    "安全监控",
    "绿色能源",
    "物联网",
    "大数据",
]
FIELDS = ["管理平台", "服务系统", "分析软件", "调度系统", "小程序", "客户端"]
SPAN_SECONDS = 2 * 365 * 86_400
COLUMNS = (
    "service",
    "status",
    "applicant_id",
    "filer_id",
    "title",
    "details",
    "step",
    "fingerprint",
    "flow_number",
    "form_storage_name",
    "form_issued_at",
    "submitted_at",
    "created_at",
    "updated_at",
)


def configure_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RUANZHU_DATA_DIR", tempfile.mkdtemp(prefix="queue-bench-"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As in production: no query log kept in memory.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def create_applicants(count: int) -> list[int]:
    from ruanzhu.accounts.models import User

    users = []
    for index in range(count):
        user = User(
            username=f"applicant{index:05d}", email=f"applicant{index:05d}@bench.example", password="!"
        )
        user.set_phone(f"139{index:08d}")
        users.append(user)
    User.objects.bulk_create(users, batch_size=1000)
    return list(User.objects.order_by("id").values_list("id", flat=True))


def _statuses(total: int) -> list[str]:
    statuses = []
    for status, share in STATUS_MIX:
        statuses += [status] * round(total * share)
    statuses += ["submitted"] * (total - len(statuses))
    return statuses[:total]


def load_filings(connection, *, total: int, applicants: list[int], seed: int = 7) -> float:
    """COPY ``total`` filings into filings_filing; return the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    statuses = _statuses(total)
    rng.shuffle(statuses)
    end = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    start = end - datetime.timedelta(seconds=SPAN_SECONDS)
    sql = f"COPY filings_filing ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        for offset in range(0, total, CHUNK):
            lines = []
            for index in range(offset, min(offset + CHUNK, total)):
                applicant = applicants[rng.randrange(len(applicants))]
                submitted = start + datetime.timedelta(seconds=rng.randrange(SPAN_SECONDS))
                stamp = submitted.isoformat()
                title = f"{NAMES[index % len(NAMES)]}{FIELDS[index % len(FIELDS)]}{index % 997}"
                flow = f"R11{submitted:%Y%m%d}{index:08d}"
                lines.append(
                    f"R11\t{statuses[index]}\t{applicant}\t{applicant}\t{title}\t{{}}\t5\t\t{flow}\t\t"
                    f"{stamp}\t{stamp}\t{stamp}\t{stamp}\n"
                )
            with cursor.copy(sql) as copy:
                copy.write("".join(lines))
            connection.commit()
            print(
                f"\r  filings {min(offset + CHUNK, total):,}/{total:,}", end="", file=sys.stderr, flush=True
            )
    print(file=sys.stderr)
    return time.perf_counter() - started


def build(database_url: str, *, filings: int, applicants: int) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["schema"] = time.perf_counter() - started
    started = time.perf_counter()
    applicant_ids = create_applicants(applicants)
    timings["applicants"] = time.perf_counter() - started
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'filings_filing' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'filings_filing'::regclass AND contype IN ('f', 'u')"
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE filings_filing DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    raw.commit()
    timings["copy"] = load_filings(raw, total=filings, applicants=applicant_ids)
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            not_valid = " NOT VALID" if definition.startswith("FOREIGN KEY") else ""
            cursor.execute(f'ALTER TABLE filings_filing ADD CONSTRAINT "{name}" {definition}{not_valid}')
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('filings_filing', 'id'), (SELECT max(id) FROM filings_filing))"
        )
    raw.commit()
    timings["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE filings_filing")
    raw.autocommit = False
    timings["analyze"] = time.perf_counter() - started
    return timings


def walk_to(tab: str, page: int) -> tuple[str, float]:
    """Return the cursor of ``page`` reached by following "next" from page 1, and the seconds it took."""
    from ruanzhu.examination.selectors import queue_page

    started = time.perf_counter()
    cursor = ""
    for number in range(1, page):
        result = queue_page(user=None, tab=tab, after=cursor)
        if not result.next_cursor:
            raise SystemExit(f"the {tab} queue has only {number} pages")
        cursor = result.next_cursor
        if number % 1000 == 0:
            print(f"\r  {tab}: page {number:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return cursor, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(tab: str, cursor: str, runs: int) -> dict:
    from ruanzhu.examination.selectors import queue_page

    timings = {"first": [], "deep": []}
    for _ in range(3):  # warm the cache and the connection
        queue_page(user=None, tab=tab)
        queue_page(user=None, tab=tab, after=cursor)
    for _ in range(runs):
        for key, after in (("first", ""), ("deep", cursor)):
            started = time.perf_counter()
            page = queue_page(user=None, tab=tab, after=after)
            timings[key].append((time.perf_counter() - started) * 1000)
            assert len(page.rows) == 25
    return {
        key: {"p50": statistics.median(values), "p95": percentile(values, 0.95)}
        for key, values in timings.items()
    }


def explain(tab: str, cursor: str) -> list[str]:
    """Return EXPLAIN (ANALYZE, BUFFERS) of each filings query the selector runs for the page after ``cursor``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ruanzhu.examination.selectors import queue_page

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        queue_page(user=None, tab=tab, after=cursor)
    plans = []
    with connection.cursor() as db:
        for query in captured.captured_queries:
            if 'FROM "filings_filing"' not in query["sql"]:
                continue
            db.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(query["sql"] + "\n" + "\n".join(row[0] for row in db.fetchall()))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("QUEUE_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--filings", type=int, default=5_000_000)
    parser.add_argument("--applicants", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--page", type=int, default=PAGE, help="the deep page to compare with page 1")
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()

    if not args.skip_build:
        recreate_database(args.database_url)
    configure_django(args.database_url)
    from django.db import connection

    if not args.skip_build:
        print(f"Building {args.filings:,} filings …", file=sys.stderr)
        timings = build(args.database_url, filings=args.filings, applicants=args.applicants)
        print("build: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM filings_filing GROUP BY status ORDER BY 2 DESC")
        sizes = cursor.fetchall()
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('filings_filing'))")
        size = cursor.fetchone()[0]
    print(f"filings by status: {', '.join(f'{status} {count:,}' for status, count in sizes)}; table {size}")
    for tab, label in (("submitted", "待受理"), ("examining", "审查中")):
        cursor, walked = walk_to(tab, args.page)
        result = measure(tab, cursor, args.runs)
        first, deep = result["first"], result["deep"]
        print(
            f"\n{label} ({tab}): walked to page {args.page:,} in {walked:.1f} s ({walked / (args.page - 1) * 1000:.2f} ms/page)"
        )
        print(f"  page 1       p50 {first['p50']:.2f} ms  p95 {first['p95']:.2f} ms")
        print(f"  page {args.page:,}  p50 {deep['p50']:.2f} ms  p95 {deep['p95']:.2f} ms")
        print(
            f"  ratio page {args.page:,} / page 1: p50 {deep['p50'] / first['p50']:.2f}×, "
            f"p95 {deep['p95'] / first['p95']:.2f}× (target ≤ 1.5×)"
        )
        for plan in explain(tab, cursor):
            print(f"  EXPLAIN page {args.page:,}:\n    " + plan.replace("\n", "\n    "))


if __name__ == "__main__":
    main()
