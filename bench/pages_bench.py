"""Throughput of the pages people hit most, against a bare one-query view on the same gunicorn in the same run.

Run on demand (it is not a test)::

    .venv/bin/python bench/pages_bench.py [--seconds 15] [--connections 32] [--workers 4] [--page NAME ...]
    .venv/bin/python bench/pages_bench.py --profile [--requests 300] [--page NAME ...]

It drops and recreates its own PostgreSQL database (``--database``, default ``ruanzhu_pages_bench``), migrates it
and fills it: the demo accounts, 50 filings of the demo applicant alice in every state from draft to registered,
and ``--records`` registry records. Then it starts gunicorn (``--workers`` sync workers, Redis database 12 for
the cache and sessions, ``RUANZHU_BENCH_VIEWS=1`` for the bare view) on a free port of 127.0.0.1, logs in
alice and an examiner (password and second factor) to get their session cookies, and drives each page with wrk
(Debian's ``wrk``: ``scripts/system-deps.sh --bench`` installs it) for ``--seconds``: ``-t2 -c<connections>``,
in ``--rounds`` short runs, each between two runs of the bare view.

For each page it prints req/s, its share of the bare view's req/s (the median over the rounds of the page
against the bare runs on either side), p50/p90/p99 and the errors (non-2xx answers and socket errors). The goal is ≥30 % of the bare view with p99 ≤ 4 × p50 and 0 errors.

``--profile`` runs the pages in process instead (Django's test client, the same database and Redis) under
cProfile and prints, per page, the CPU milliseconds per request, the function calls per request (exact, so
steadier than CPU time on a machine whose speed drifts), the queries per request and the functions where the
time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import math
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "Bench-Pages-Passphrase-7q2"
FILINGS = 50
BARE = "bare"


def environment(args) -> dict[str, str]:
    """Return the environment of the portal under test (and of this process's set-up)."""
    # Named after the database, so that runs on different databases do not share (and wipe) one data directory.
    data_dir = Path(tempfile.gettempdir()) / args.database.replace("_", "-")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "RUANZHU_DATA_DIR": str(data_dir),
        "RUANZHU_BENCH_VIEWS": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "LOG_LEVEL": "WARNING",
    }


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def database_create(args, env: dict[str, str]) -> None:
    """Drop and create the bench database, migrate it and fill it."""
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{args.database}"')
    shutil.rmtree(env["RUANZHU_DATA_DIR"], ignore_errors=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "compilemessages", "--ignore=.venv", "-v", "0"], cwd=ROOT, env=env)
    subprocess.run([PYTHON, "manage.py", "signing_key"], cwd=ROOT, env=env, check=True, capture_output=True)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    django_setup(env)
    fill(args)


def fill(args) -> None:
    """Create the demo accounts, alice's filings in every state, an examiner and the registry records."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.db.models import F

    from ruanzhu.accounts.models import User
    from ruanzhu.accounts.roles import EXAMINERS
    from ruanzhu.otp.models import SmsMessage
    from ruanzhu.portal.demo import demo_accounts_ensure
    from ruanzhu.registry.models import Registration
    from tests.factories import STEP_DATA, FilingFactory, RegistrationFactory, StaffFactory

    started = time.perf_counter()
    demo_accounts_ensure()
    alice = User.objects.get(username="alice")
    examiner = StaffFactory(username="bench-examiner", role=EXAMINERS, password=make_password(PASSWORD))
    stages = ["draft"] * 30 + ["issued"] * 5 + ["confirmed"] * 5 + ["submitted"] * 6 + ["registered"] * 4
    single = {**STEP_DATA, "role": {**STEP_DATA["role"], "owner_type": "single"}}
    for stage in stages[:FILINGS]:
        FilingFactory(applicant=alice, stage=stage, examiner=examiner, step_data=single)
        # Sent a while ago, so that the next filing's codes are within the phone's send limits.
        SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(days=1))
    with transaction.atomic():
        for n in range(args.records):
            RegistrationFactory(software_name=f"软件{n % 97}号数据平台{n}")
    # The planner's statistics, as autovacuum would gather them on a running server (it may be off, as on a
    # machine set up for tests): without them the newest records were found by sorting the whole table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"filled: {FILINGS} filings of alice, {Registration.objects.count()} registry records "
        f"in {time.perf_counter() - started:.0f} s"
    )


def pages(env_ready: bool = True) -> dict[str, tuple[str, str]]:
    """Return the pages by name: (who, path); who is anon, alice or examiner."""
    from ruanzhu.filings.models import Filing
    from ruanzhu.registry.models import Registration

    filing = Filing.objects.filter(applicant__username="alice", status="draft").order_by("pk").first()
    record = Registration.objects.order_by("pk").first()
    return {
        BARE: ("anon", "/bench/bare/"),
        "home": ("anon", "/"),
        "home_logged_in": ("alice", "/"),
        "catalog": ("alice", "/services/software/"),
        "mine": ("alice", "/services/filings/"),
        "detail": ("alice", f"/services/filings/{filing.pk}/"),
        "me": ("alice", "/accounts/me/"),
        "search": ("anon", "/registry/?q=%E8%BD%AF%E4%BB%B6"),
        "record": ("anon", f"/registry/{record.registration_number}/"),
        "queue": ("examiner", "/staff/examination/"),
    }


def sessions() -> dict[str, str]:
    """Log alice and the examiner in through the test client; return their session ids."""
    from django.test import Client

    from ruanzhu.accounts.models import User
    from tests.factories import staff_session

    alice = Client()
    alice.force_login(User.objects.get(username="alice"))
    examiner = Client()
    staff_session(examiner, User.objects.get(username="bench-examiner"))
    return {"alice": alice.cookies["sessionid"].value, "examiner": examiner.cookies["sessionid"].value}


def wsgi_get(application, path: str, session: str | None) -> tuple[int, bytes]:
    """GET ``path`` from the WSGI application as gunicorn would call it; return the status and the body."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if session:
        environ["HTTP_COOKIE"] = f"sessionid={session}"
    statuses = []
    response = application(environ, lambda status, headers, *exc: statuses.append(status))
    try:
        body = b"".join(response)
    finally:
        response.close()
    return int(statuses[0].split()[0]), body


def profile(args) -> None:
    """Run each page in process through the WSGI handler; print CPU ms and queries per request, then where the
    time goes under cProfile."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    application = get_wsgi_application()
    ids = sessions()
    for name, (who, path) in pages().items():
        if args.page and name not in args.page:
            continue
        session = ids.get(who)
        for _ in range(20):  # warm: templates compiled, caches filled
            status, body = wsgi_get(application, path, session)
            assert status == 200, (name, status)
        queries = []

        def counted(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(counted):
            wsgi_get(application, path, session)
        cpu = time.process_time()
        for _ in range(args.requests):
            wsgi_get(application, path, session)
        per_request = (time.process_time() - cpu) * 1000 / args.requests
        # Function calls are counted exactly, whatever else the machine does: a steadier figure than CPU time
        # on a machine whose speed drifts.
        counter = cProfile.Profile()
        counter.enable()
        for _ in range(20):
            wsgi_get(application, path, session)
        counter.disable()
        calls = pstats.Stats(counter).total_calls / 20
        print(
            f"\n=== {name} {path}: {per_request:.2f} ms CPU/request, {calls:.0f} function calls/request, "
            f"{len(queries)} queries, {len(body)} bytes"
        )
        if args.top:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                wsgi_get(application, path, session)
            profiler.disable()
            for order, pattern in (("tottime", ""), ("cumulative", args.pattern)):
                stream = io.StringIO()
                pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(pattern, args.top)
                lines = stream.getvalue().splitlines()
                start = next(i for i, line in enumerate(lines) if "ncalls" in line)
                print(f"--- by {order} {pattern}")
                print("\n".join(line for line in lines[start:] if line.strip()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(args, env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            "--worker-class=sync",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(args, url: str, cookie: str | None, *, script: str | None = None) -> dict:
    """Drive one URL with wrk (and a Lua ``script``); return req/s, latency percentiles (ms) and the errors."""
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", url]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    if script:
        command += ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "errors": 0}
    result.update(p50=math.nan, p90=math.nan, p99=math.nan)
    for percent, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        result[f"p{percent}"] = float(value) * UNITS[unit]
    for match in re.findall(r"Non-2xx or 3xx responses: (\d+)", out):
        result["errors"] += int(match)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        result["errors"] += sum(int(n) for n in socket_errors.groups())
    return result


def run(args, env: dict[str, str]) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-deps.sh --bench installs it")
    ids = sessions()
    chosen = {
        name: page for name, page in pages().items() if name == BARE or not args.page or name in args.page
    }
    port = free_port()
    server = gunicorn_start(args, env, port)
    warm = argparse.Namespace(**{**vars(args), "seconds": 2})
    short = argparse.Namespace(**{**vars(args), "seconds": max(1, round(args.seconds / args.rounds))})
    bare_url = f"http://127.0.0.1:{port}/bench/bare/"
    try:
        # Each page runs in short rounds between runs of the bare view (bare, page, bare, page, ..., bare); its
        # share is the median over the rounds of the page's rate against the mean of the bare runs on either
        # side. This machine's speed drifted by up to 2x within one run: shares taken against a bare view
        # measured minutes apart moved by half their value.
        wrk(warm, bare_url, None)
        results, shares, rates = {}, {}, []
        for name, (who, path) in chosen.items():
            if name == BARE:
                continue
            url = f"http://127.0.0.1:{port}{path}"
            wrk(warm, url, ids.get(who))
            bares, runs = [wrk(short, bare_url, None)], []
            for _round in range(args.rounds):
                runs.append(wrk(short, url, ids.get(who)))
                bares.append(wrk(short, bare_url, None))
            rates += [bare["rps"] for bare in bares]
            shares[name] = statistics.median(
                run["rps"] / statistics.mean([before["rps"], after["rps"]])
                for run, before, after in zip(runs, bares, bares[1:], strict=False)
            )
            results[name] = _combined(runs)
            results.setdefault(BARE, _combined(bares))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"\ngunicorn {args.workers} sync workers, wrk -t2 -c{args.connections}, {args.rounds} rounds of "
        f"{short.seconds} s per page between runs of the bare view, {os.cpu_count()} cores; "
        f"bare view {min(rates):.0f}–{max(rates):.0f} req/s over the run"
    )
    print_table(results, {BARE: 1.0, **shares})


def _combined(runs: list[dict]) -> dict:
    """Return the rounds of one page as one result: mean rate and latencies, summed errors."""
    return {
        "rps": statistics.mean(run["rps"] for run in runs),
        **{key: statistics.mean(run[key] for run in runs) for key in ("p50", "p90", "p99")},
        "errors": sum(run["errors"] for run in runs),
    }


def print_table(results: dict[str, dict], shares: dict[str, float]) -> None:
    """Print req/s, the share of the bare view, the latency percentiles and the errors of each result."""
    print(
        f"{'page':<16} {'req/s':>8} {'of bare':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
        f"{'p99/p50':>8} {'errors':>7}"
    )
    for name, result in results.items():
        print(
            f"{name:<16} {result['rps']:>8.0f} {shares[name]:>8.0%} {result['p50']:>8.1f} "
            f"{result['p90']:>8.1f} {result['p99']:>8.1f} {result['p99'] / result['p50']:>8.1f} "
            f"{result['errors']:>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ruanzhu_pages_bench")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=15, help="per page, split into --rounds")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page, each between two bare runs")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--page", action="append", help="only this page (repeat); the bare view always runs")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run")
    parser.add_argument(
        "--profile", action="store_true", help="profile in process instead of driving gunicorn"
    )
    parser.add_argument("--requests", type=int, default=300, help="requests per page with --profile")
    parser.add_argument("--top", type=int, default=25, help="functions printed per page with --profile")
    parser.add_argument("--pattern", default="ruanzhu/", help="only these functions in the cumulative list")
    args = parser.parse_args()
    env = environment(args)
    if args.reuse:
        django_setup(env)
    else:
        database_create(args, env)
    if args.profile:
        profile(args)
    else:
        run(args, env)


if __name__ == "__main__":
    main()
