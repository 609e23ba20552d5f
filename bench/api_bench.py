"""Throughput of the API: draft creation and registry search, against the bare one-query view in the same run.

Run on demand (it is not a test)::

    .venv/bin/python bench/api_bench.py [--seconds 15] [--connections 32] [--workers 4] [--reuse]

It prepares the database of bench/pages_bench.py (``--reuse`` keeps the one a previous run of either made), gives
the demo applicant alice a token with every scope, starts gunicorn (``--workers`` sync workers, Redis database
12, the token rate limit lifted for the run) and drives with wrk (``-t2 -c<connections>``):

- ``bare``: the bare view (``GET /bench/bare/``: one query, the same middleware);
- ``search``: ``GET /api/v1/registry/search?q=软件``;
- ``list``: ``GET /api/v1/filings`` (alice's, 20 a page);
- ``create``: ``POST /api/v1/filings``, a new R11 draft with its first step, each request one draft (and its
  audit rows), so the run leaves thousands of drafts behind.

It prints req/s, the share of the bare view, p50/p90/p99 and the errors per scenario, and the drafts created.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages_bench

CREATE_BODY = {
    "service": "R11",
    "fields": {"owner_type": "single", "development_mode": "independent"},
}


def token_for_alice() -> str:
    from ruanzhu.accounts.models import User
    from ruanzhu.api.models import PersonalAccessToken
    from ruanzhu.api.services import token_create

    alice = User.objects.get(username="alice")
    PersonalAccessToken.objects.filter(user=alice, name="api-bench").delete()
    return token_create(user=alice, name="api-bench", scopes=["read", "file", "submit"], days=1).secret


def post_script(directory: str, token: str) -> str:
    """Write the wrk script of the draft creation: a POST of a JSON body with the token."""
    path = os.path.join(directory, "create.lua")
    with open(path, "w") as script:
        script.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(json.dumps(CREATE_BODY, ensure_ascii=False))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        )
    return path


def get_script(directory: str, token: str) -> str:
    path = os.path.join(directory, "get.lua")
    with open(path, "w") as script:
        script.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ruanzhu_pages_bench")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a previous run")
    args = parser.parse_args()
    env = {**pages_bench.environment(args), "API_TOKEN_RATE_PER_MINUTE": str(10**9)}
    if args.reuse:
        pages_bench.django_setup(env)
    else:
        pages_bench.database_create(args, env)
    from ruanzhu.filings.models import Filing

    token = token_for_alice()
    drafts_before = Filing.objects.count()
    port = pages_bench.free_port()
    server = pages_bench.gunicorn_start(args, env, port)
    base = f"http://127.0.0.1:{port}"
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        scenarios = {
            "bare": (f"{base}/bench/bare/", None),
            "search": (f"{base}/api/v1/registry/search?q=%E8%BD%AF%E4%BB%B6", get_script(directory, token)),
            "list": (f"{base}/api/v1/filings", get_script(directory, token)),
            "create": (f"{base}/api/v1/filings", post_script(directory, token)),
        }
        try:
            for name, (url, script) in scenarios.items():
                warm = argparse.Namespace(**{**vars(args), "seconds": 2})
                pages_bench.wrk(warm, url, None, script=script)
                results[name] = pages_bench.wrk(args, url, None, script=script)
            again = pages_bench.wrk(args, scenarios["bare"][0], None)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    bare = statistics.mean([results["bare"]["rps"], again["rps"]])
    print(
        f"\ngunicorn {args.workers} sync workers, wrk -t2 -c{args.connections} -d{args.seconds}s, "
        f"{os.cpu_count()} cores; bare view {results['bare']['rps']:.0f} then {again['rps']:.0f} req/s"
    )
    pages_bench.print_table(results, {name: result["rps"] / bare for name, result in results.items()})
    print(f"drafts created: {Filing.objects.count() - drafts_before}")


if __name__ == "__main__":
    main()
