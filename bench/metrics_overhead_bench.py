"""Benchmark of what the metrics and request-id middlewares add to a request, in-process.

Run on demand (it is not a test)::

    .venv/bin/python bench/metrics_overhead_bench.py [--requests 3000] [--pages 300] [--rounds 5]

Two figures, each in prometheus_client's single-process mode and in its multi-process mode (the one production
uses, ``PROMETHEUS_MULTIPROC_DIR`` set: samples go to memory-mapped files), each in a process of its own:

- the middlewares alone, around a view that does nothing, per call (the bare call subtracted);
- the whole stack, the login page through Django's test client, with the MIDDLEWARE of the settings and with
  the same list less the metrics middleware.

It migrates a SQLite database in a temporary data directory of its own. The best round of each is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS_MIDDLEWARE = "ruanzhu.core.metrics.MetricsMiddleware"
REQUEST_ID_MIDDLEWARE = "ruanzhu.core.requestid.RequestIdMiddleware"


def best_per_call(function, *, calls: int, rounds: int) -> float:
    """Return the best, over ``rounds``, of the mean time of one call, in microseconds."""
    best = float("inf")
    for _round in range(rounds):
        started = time.perf_counter()
        for _call in range(calls):
            function()
        best = min(best, (time.perf_counter() - started) / calls)
    return best * 1e6


def measure(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.test import Client, RequestFactory
    from django.test.utils import override_settings
    from django.urls import resolve

    from ruanzhu.core.metrics import MetricsMiddleware
    from ruanzhu.core.requestid import RequestIdMiddleware

    call_command("migrate", verbosity=0)
    mode = "multi-process" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single-process"
    request = RequestFactory().get("/accounts/login/")
    match = resolve("/accounts/login/")

    def view(request):
        request.resolver_match = match
        return HttpResponse("ok")

    chains = {
        "bare view": view,
        "request id": RequestIdMiddleware(view),
        "metrics": MetricsMiddleware(view),
        "metrics + request id": MetricsMiddleware(RequestIdMiddleware(view)),
    }
    timings = {
        name: best_per_call(lambda chain=chain: chain(request), calls=args.requests, rounds=args.rounds)
        for name, chain in chains.items()
    }
    print(f"\n{mode} (prometheus_client), {args.requests} calls x {args.rounds} rounds, best round:")
    bare = timings["bare view"]
    for name, micros in timings.items():
        added = "" if name == "bare view" else f"   (+{micros - bare:.1f} µs)"
        print(f"  {name:<24} {micros:8.1f} µs per call{added}")

    without = [entry for entry in settings.MIDDLEWARE if entry != METRICS_MIDDLEWARE]
    clients = {}
    for name, middleware in (("with metrics", settings.MIDDLEWARE), ("without", without)):
        with override_settings(MIDDLEWARE=middleware):
            clients[name] = Client(HTTP_HOST="127.0.0.1")
            # The first request builds the client's handler with this middleware list.
            assert clients[name].get("/accounts/login/").status_code == 200
    # Rounds alternate between the two, so that a busy moment of the machine weighs on both alike.
    figures = dict.fromkeys(clients, float("inf"))
    for _round in range(args.rounds):
        for name, client in clients.items():
            figures[name] = min(
                figures[name],
                best_per_call(
                    lambda client=client: client.get("/accounts/login/"), calls=args.pages, rounds=1
                ),
            )
    for name, micros in figures.items():
        print(f"  whole stack, {name:<12} {micros:8.1f} µs per request (login page, test client)")
    difference = figures["with metrics"] - figures["without"]
    print(f"  metrics middleware adds {difference:.1f} µs to a {figures['without']:.0f} µs request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="calls per round (default 3000)")
    parser.add_argument("--pages", type=int, default=300, help="login pages per round (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best is kept (default 5)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    with tempfile.TemporaryDirectory(prefix="ruanzhu-metrics-bench-") as scratch:
        for multiprocess in (False, True):
            env = dict(os.environ, RUANZHU_DATA_DIR=str(Path(scratch) / "data"), LOG_LEVEL="ERROR")
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            env.pop("DATABASE_URL", None)
            if multiprocess:
                env["PROMETHEUS_MULTIPROC_DIR"] = str(Path(scratch) / "prometheus")
                Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
            command = [
                sys.executable,
                __file__,
                "--child",
                f"--requests={args.requests}",
                f"--rounds={args.rounds}",
            ]
            subprocess.run(command, env=env, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
