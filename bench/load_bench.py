"""Load proof on the production topology: the mixed load of bench/locustfile.py, then the bare view alone.

Run on demand (it is not a test)::

    .venv/bin/python bench/load_bench.py [--duration 600] [--scale 1.0] [--bare-seconds 30]

It uses the running topology (scripts/topology.sh), or starts it with ``scripts/topology.sh up`` and stops it
again at the end (``--keep-up`` leaves it running). It prepares the database with bench/load_setup.py, runs
Locust headless for ``--duration`` seconds, then hits the bare view (``BARE_URL``: one query on the same nginx and
gunicorn) alone with ``--bare-users`` clients for ``--bare-seconds``, and prints:

- throughput, and p50/p95/p99 per kind of request (the names given in the locustfile), errors (the goal is 0);
- completed filings/s (sign-up to 确认填报) against the target, examiner decisions;
- CPU per request: utime+stime of the gunicorn and Celery processes (web1, web2, worker1, worker2, beat, and
  their children) read from /proc before and after, divided by the requests served;
- the bare view's requests/s and CPU per request in the same run, and the ratios.

The target: 2,827,213 registrations a year over 250 working days of 8 hours is 0.39 filings/s on average;
ten times that is about 4 filings/s. Each filing brings its own page views; on top of them, per filing, the load
adds ``SEARCHES_PER_FILING`` public searches and ``VIEWS_PER_FILING`` logged-in page views of returning
applicants. ``--scale`` multiplies the whole load (0.05 = 5 % of the target), so that a small machine can run
the same mix at a rate it can sustain.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TOPOLOGY = ROOT / "scripts" / "topology.sh"
MEASURED = ("web1", "web2", "worker1", "worker2", "beat")
REGISTRATIONS_PER_YEAR = 2_827_213
WORKING_SECONDS_PER_YEAR = 250 * 8 * 3600
TARGET_FACTOR = 10
SEARCHES_PER_FILING = 10
VIEWS_PER_FILING = 5
# What one user of each class does, to size the users for a rate (the locustfile's wait times and flow).
FILING_FLOW_SECONDS = 100  # sign-up → approval → 确认填报, with a minute between the two codes to one phone
VISITOR_SEARCHES_PER_SECOND = 1.0
APPLICANT_VIEWS_PER_SECOND = 0.5
FILINGS_PER_STAFF_PER_SECOND = 0.2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds of mixed load")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the 10x target to aim at (1.0 = 4 filings/s)"
    )
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--bare-seconds", type=int, default=30, help="seconds of the bare-view phase")
    parser.add_argument("--bare-users", type=int, default=32, help="concurrent clients of the bare phase")
    parser.add_argument("--records", type=int, default=5000, help="registry records for the searches")
    parser.add_argument("--keep-up", action="store_true", help="leave a topology this run started running")
    parser.add_argument("--out", type=Path, help="folder for Locust's CSV files (default: a temporary one)")
    return parser.parse_args(argv)


# --- The topology -----------------------------------------------------------------------------------------------


def topology_dir() -> Path:
    return Path(os.environ.get("TOPOLOGY_DIR", ROOT / "var" / "topology")).resolve()


def topology_running() -> bool:
    env_file = topology_dir() / "topology.env"
    status = subprocess.run([str(TOPOLOGY), "status"], cwd=ROOT, capture_output=True, text=True)
    return env_file.exists() and status.returncode == 0


def topology_env() -> dict[str, str]:
    """Return the KEY=value lines of topology.env (the processes' environment, URLs and files)."""
    values = {}
    for line in (topology_dir() / "topology.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# --- CPU accounting ---------------------------------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, int, int]]:
    """Return pid -> (ppid, utime+stime, cutime+cstime) in clock ticks for every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (
            int(fields[1]),
            int(fields[11]) + int(fields[12]),
            int(fields[13]) + int(fields[14]),
        )
    return table


def cpu_ticks(roots: list[int]) -> int:
    """Return the CPU ticks of the processes ``roots`` and all their descendants, reaped children included."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _own, _reaped) in table.items():
        children.setdefault(ppid, []).append(pid)
    total = 0
    for root in roots:
        if root not in table:
            continue
        # Descendants that exited and were waited for are in their parent's cutime+cstime.
        total += table[root][2]
        stack = [root]
        while stack:
            pid = stack.pop()
            total += table[pid][1]
            stack.extend(children.get(pid, []))
    return total


def measured_pids(env: dict[str, str]) -> list[int]:
    pids = []
    for name in MEASURED:
        path = Path(env["TOPOLOGY_DIR"]) / "pids" / f"{name}.pid"
        if path.exists():
            pids.append(int(path.read_text().strip()))
    return pids


# --- Locust -----------------------------------------------------------------------------------------------------


def users_for(scale: float) -> dict[str, int]:
    """Return the users of each class that aim at ``scale`` times the 10x filing rate."""
    rate = TARGET_FACTOR * REGISTRATIONS_PER_YEAR / WORKING_SECONDS_PER_YEAR * scale
    staff = max(1, math.ceil(rate / FILINGS_PER_STAFF_PER_SECOND))
    return {
        "filer": max(1, math.ceil(rate * FILING_FLOW_SECONDS)),
        "visitor": max(1, math.ceil(rate * SEARCHES_PER_FILING / VISITOR_SEARCHES_PER_SECOND)),
        "applicant": max(1, math.ceil(rate * VIEWS_PER_FILING / APPLICANT_VIEWS_PER_SECOND)),
        "reviewer": staff,
        "examiner": staff,
    }


def run_locust(
    env: dict[str, str], *, users: dict[str, int], seconds: int, spawn_rate: float, prefix: Path, phase: str
) -> None:
    """Run Locust headless for ``seconds``; its CSV files start with ``prefix``."""
    total = sum(users.values())
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "-H",
        env["BASE_URL"],
        "-u",
        str(total),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--csv",
        str(prefix),
        "--csv-full-history",
        "--loglevel",
        "WARNING",
    ]
    process_env = {
        **os.environ,
        "LOAD_PHASE": phase,
        "LOAD_USERS": ",".join(f"{name}={count}" for name, count in users.items()),
        "LOAD_PLAN": env["LOAD_PLAN"],
        "SMS_SINK_FILE": env["SMS_SINK_FILE"],
        "BARE_URL": env.get("BARE_URL", ""),
        "TLS_CA_FILE": env.get("TLS_CA_FILE", ""),
    }
    log = prefix.with_suffix(".log")
    with open(log, "wb") as output:
        completed = subprocess.run(
            command, cwd=ROOT, env=process_env, stdout=output, stderr=subprocess.STDOUT
        )
    # Locust exits 1 when any request failed: the figures say which; anything else is a crash.
    if completed.returncode not in (0, 1):
        sys.stderr.write(log.read_text(errors="replace")[-4000:])
        raise SystemExit(f"locust exited with {completed.returncode}")


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def elapsed_seconds(prefix: Path) -> float:
    """Return how long Locust ran, the stop phase included (users finish the flow they are in)."""
    with open(f"{prefix}_stats_history.csv", encoding="utf-8") as history:
        stamps = [int(row["Timestamp"]) for row in csv.DictReader(history) if row["Name"] == "Aggregated"]
    return float(stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")


def steady_filing_rate(prefix: Path) -> float:
    """Return the completed filings/s over the second half of the run, once the first flows have ended."""
    with open(f"{prefix}_stats_history.csv", encoding="utf-8") as history:
        points = [
            (int(row["Timestamp"]), int(row["Total Request Count"]))
            for row in csv.DictReader(history)
            if row["Type"] == "FLOW" and row["Name"] == "filing"
        ]
    if len(points) < 2:
        return float("nan")
    middle = points[0][0] + (points[-1][0] - points[0][0]) / 2
    start = next(point for point in points if point[0] >= middle)
    end = points[-1]
    return (end[1] - start[1]) / (end[0] - start[0]) if end[0] > start[0] else float("nan")


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as failures:
        return list(csv.DictReader(failures))


# --- Report -----------------------------------------------------------------------------------------------------


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def print_report(
    args: argparse.Namespace,
    *,
    users: dict[str, int],
    mixed: list[dict[str, str]],
    failures: list[dict[str, str]],
    mixed_seconds: float,
    mixed_cpu: float,
    steady_rate: float,
    bare: list[dict[str, str]],
    bare_seconds: float,
    bare_cpu: float,
    load_before: str,
) -> None:
    target = TARGET_FACTOR * REGISTRATIONS_PER_YEAR / WORKING_SECONDS_PER_YEAR
    rows = [row for row in mixed if row["Name"] != "Aggregated"]
    requests = [row for row in rows if row["Type"] != "FLOW"]
    count = sum(int(row["Request Count"]) for row in requests)
    errors = sum(int(row["Failure Count"]) for row in rows)
    filings = sum(
        int(row["Request Count"]) for row in rows if row["Type"] == "FLOW" and row["Name"] == "filing"
    )
    decisions = sum(int(row["Request Count"]) for row in rows if row["Name"] == "exam:register")
    cores = os.cpu_count() or 1
    print()
    print("=" * 108)
    print("Ruanzhu load proof (Locust) on the production topology")
    print("-" * 108)
    print(
        f"machine   : {cores} CPUs ({cpu_model()}), {platform.python_implementation()} {platform.python_version()}"
    )
    print(
        f"            load average before {load_before}, after {load_average()}; Locust, nginx, gunicorn, Celery, "
        "PostgreSQL, Redis, S3 and SMS stand-ins share these cores (and so does anything else running)"
    )
    print(
        f"target    : {TARGET_FACTOR} x {REGISTRATIONS_PER_YEAR:,} filings/year over 250 days x 8 h = {target:.2f} "
        f"filings/s; this run aims at {args.scale:g} of it = {target * args.scale:.2f} filings/s"
    )
    print(
        f"users     : {', '.join(f'{name} {count}' for name, count in users.items())}; {args.duration} s, then up "
        f"to 30 s for the flows under way to end ({mixed_seconds:.0f} s in all: the rates below divide by it)"
    )
    print("-" * 108)
    print(
        f"{'kind':<28} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>8}"
    )
    for row in sorted(rows, key=lambda row: (row["Type"] == "FLOW", row["Name"])):
        name = row["Name"] if row["Type"] != "FLOW" else f"[flow] {row['Name']}"
        print(
            f"{name[:28]:<28} {int(row['Request Count']):>7} {int(row['Failure Count']):>6} "
            f"{float(row['Requests/s']):>7.2f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
            f"{float(row['Max Response Time']):>8.0f}"
        )
    aggregated = next(row for row in mixed if row["Name"] == "Aggregated")
    throughput = count / mixed_seconds
    cpu_per_request = mixed_cpu / count * 1000 if count else float("nan")
    print("-" * 108)
    print(
        f"throughput: {throughput:.1f} req/s ({count} requests in {mixed_seconds:.0f} s); all requests p50/p95/p99 "
        f"{aggregated['50%']}/{aggregated['95%']}/{aggregated['99%']} ms (the flow pseudo-requests included)"
    )
    print(f"errors    : {errors} (goal 0)")
    for failure in failures[:10]:
        print(
            f"            {failure['Occurrences']} x {failure['Method']} {failure['Name']}: {failure['Error'][:80]}"
        )
    print(
        f"filings   : {filings} completed = {filings / mixed_seconds:.3f} filings/s (target {target:.2f}, "
        f"{filings / mixed_seconds / target * 100:.1f} % of it); {decisions} examiner decisions (准予登记)"
    )
    print(
        f"            {steady_rate:.3f} filings/s over the second half, once the first flows (~{FILING_FLOW_SECONDS} s "
        "each) have ended"
    )
    print(
        f"CPU       : gunicorn + Celery {mixed_cpu:.1f} s = {cpu_per_request:.1f} ms per request "
        f"({mixed_cpu / mixed_seconds:.2f} cores on average)"
    )
    bare_rows = [row for row in bare if row["Name"] != "Aggregated"]
    bare_count = sum(int(row["Request Count"]) for row in bare_rows)
    bare_errors = sum(int(row["Failure Count"]) for row in bare_rows)
    bare_rate = bare_count / bare_seconds if bare_seconds else float("nan")
    bare_cpu_per_request = bare_cpu / bare_count * 1000 if bare_count else float("nan")
    bare_row = bare_rows[0] if bare_rows else {"50%": "-", "95%": "-", "99%": "-"}
    print(
        f"bare view : {bare_rate:.1f} req/s with {args.bare_users} clients for {bare_seconds:.0f} s "
        f"(p50/p95/p99 {bare_row['50%']}/{bare_row['95%']}/{bare_row['99%']} ms, {bare_errors} errors), "
        f"{bare_cpu_per_request:.1f} ms CPU per request"
    )
    print(
        f"ratios    : mixed throughput / bare throughput = {throughput / bare_rate:.2f}; "
        f"CPU per request mixed / bare = {cpu_per_request / bare_cpu_per_request:.1f}"
    )
    print("=" * 108)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started_here = False
    if not topology_running():
        print("starting the topology (scripts/topology.sh up) ...", flush=True)
        subprocess.run([str(TOPOLOGY), "up"], cwd=ROOT, check=True)
        started_here = True
    try:
        env = topology_env()
        plan = Path(env["TOPOLOGY_DIR"]) / "load" / "plan.json"
        env["LOAD_PLAN"] = str(plan)
        print("preparing the database (bench/load_setup.py) ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load_setup.py"),
                "--plan",
                str(plan),
                "--records",
                str(args.records),
            ],
            cwd=ROOT,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            check=True,
        )
        users = users_for(args.scale)
        with tempfile.TemporaryDirectory(prefix="ruanzhu-load-") as scratch:
            out = args.out or Path(scratch)
            out.mkdir(parents=True, exist_ok=True)
            load_before = load_average()
            print(f"mixed load for {args.duration} s: {users} ...", flush=True)
            pids = measured_pids(env)
            before = cpu_ticks(pids)
            run_locust(
                env,
                users=users,
                seconds=args.duration,
                spawn_rate=args.spawn_rate,
                prefix=out / "mixed",
                phase="mixed",
            )
            # A process restarted meanwhile has a new pid: read them again.
            mixed_cpu = (cpu_ticks(measured_pids(env)) - before) / os.sysconf("SC_CLK_TCK")
            print(f"bare view alone for {args.bare_seconds} s ...", flush=True)
            pids = measured_pids(env)
            before = cpu_ticks(pids)
            run_locust(
                env,
                users={"bare": args.bare_users},
                seconds=args.bare_seconds,
                spawn_rate=args.bare_users,
                prefix=out / "bare",
                phase="bare",
            )
            bare_cpu = (cpu_ticks(measured_pids(env)) - before) / os.sysconf("SC_CLK_TCK")
            print_report(
                args,
                users=users,
                mixed=read_stats(out / "mixed"),
                failures=read_failures(out / "mixed"),
                mixed_seconds=elapsed_seconds(out / "mixed"),
                mixed_cpu=mixed_cpu,
                steady_rate=steady_filing_rate(out / "mixed"),
                bare=read_stats(out / "bare"),
                bare_seconds=args.bare_seconds,
                bare_cpu=bare_cpu,
                load_before=load_before,
            )
    finally:
        if started_here and not args.keep_up:
            subprocess.run([str(TOPOLOGY), "down"], cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
