"""Benchmark of log-in, sign-up and a logged-in page against gunicorn, PostgreSQL and Redis.

Run on demand (it is not a test)::

    .venv/bin/python bench/auth_bench.py [--seconds 15] [--concurrency 32] [--workers 2] [--scenario all]
    .venv/bin/python bench/auth_bench.py --scenario login,bare,flood --rate 50 --seconds 10

It drops and recreates its own database (default ``postgres://postgres@127.0.0.1:5432/ruanzhu_bench``),
migrates it, creates the accounts the log-in scenarios need, starts gunicorn on a free port of 127.0.0.1 with a
Redis database (``--redis-url``, flushed) for the cache and sessions, drives it from client threads (optionally
spread over several client processes), prints the figures and stops gunicorn again, also on Ctrl-C.

Scenarios: ``login`` (load the login page, post the form: logins/s), ``signup``, ``page`` (a logged-in page),
``bare`` (the one-query view of ruanzhu.core.bench_views, the reference a page is compared with) and ``flood``
(the login scenario again while ``--flood-clients`` threads post wrong passwords from one address as fast as
they are answered: the address's budget of hashes must keep the legitimate logins/s where they were). The server
trusts one proxy (PROXY_COUNT=1) and each login, sign-up or page client sends its own X-Forwarded-For address, a
new one per iteration, as many people would; the flood comes from a single address.

``--rate`` paces the clients of the main scenario to that many iterations per second in all (an offered load,
for latency at a given rate) instead of as fast as they are answered (the capacity).

Passwords are hashed with the hasher the settings name first (Argon2id at OWASP's parameters); one hash bounds
what a log-in or a sign-up costs, so its parameters and its time are printed with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing as mp
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ruanzhu_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "Bench-Passphrase-7q2k"
SIGNUP_PASSWORD = "Signup-Passphrase-9w4m"
USER_PHONE_BASE = 13_800_000_000  # +86138..., one per benchmark account
SIGNUP_PHONE_BASE = 15_000_000_000  # +86150..., one per sign-up iteration
SIGNUP_PHONES_PER_CLIENT = 1_000_000
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SCENARIOS = ("login", "signup", "page", "bare", "flood")
FLOOD_ADDRESS = "203.0.113.66"


# --- Environment, database, server ------------------------------------------------------------------------------


def server_environment(args: argparse.Namespace, data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": args.settings,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "RUANZHU_DATA_DIR": data_dir,
            "OTP_SEND_LIMITS_PER_PHONE": "1000/60",
            "OTP_SEND_LIMITS_PER_IP": "1000000/3600",
            "OTP_SEND_LIMITS_PER_ACCOUNT": "1000000/3600",
            "OTP_DAILY_BUDGET": "10000000",
            "LOGIN_THROTTLE_AFTER": "1000000",
            "LOGIN_THROTTLE_ADDRESS_AFTER": "1000000",
            # Each client sends its address in X-Forwarded-For, as nginx would (see Client.address).
            "PROXY_COUNT": "1",
            "RUANZHU_BENCH_VIEWS": "1",
        }
    )
    return env


def recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop database {name!r}")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def user_phone(index: int) -> str:
    return f"+86{USER_PHONE_BASE + index}"


def username_for(index: int) -> str:
    return f"bench{index:06d}"


def create_users(count: int) -> float:
    """Create ``count`` individual accounts sharing one Argon2 hash of PASSWORD; return the seconds taken."""
    from django.contrib.auth.hashers import make_password

    from ruanzhu.accounts.models import User

    started = time.perf_counter()
    encoded = make_password(PASSWORD)
    batch = []
    for index in range(count):
        user = User(
            username=username_for(index), email=f"{username_for(index)}@bench.example", password=encoded
        )
        user.set_phone(user_phone(index))
        batch.append(user)
    User.objects.bulk_create(batch, batch_size=1000)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    command: list[str]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(args: argparse.Namespace, env: dict[str, str], data_dir: str) -> Server:
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi",
        "-w",
        str(args.workers),
        "-k",
        args.worker_class,
        "-b",
        f"{HOST}:{port}",
        "--keep-alive",
        str(args.keep_alive),
        "--timeout",
        "120",
    ]
    if args.worker_class == "gthread":
        command[6:6] = ["--threads", str(args.threads)]
    log_path = Path(data_dir) / "gunicorn.log"
    log = open(log_path, "wb")
    try:
        # A process group of its own, so that stopping it reaches every worker, and Ctrl-C reaches only us.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        log.close()
    server = Server(process=process, port=port, command=command, log_path=log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/accounts/login/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{server.log_tail()}")


# --- Machine and CPU accounting ---------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_busy_ticks() -> tuple[int, int, int]:
    """Return (busy, interrupts, total) jiffies of all CPUs from /proc/stat; loopback TCP runs in softirq."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, fields[5] + fields[6], sum(fields)


def cpu_snapshot(server_pid: int, client_pids: set[int]) -> dict[str, int]:
    """Return user+system jiffies of gunicorn (master and workers), the clients, PostgreSQL and Redis."""
    totals = dict.fromkeys(("gunicorn", "client", "database"), 0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat.rsplit(")", 1)[1].split()
        pid, ppid, used = int(entry.name), int(rest[1]), int(rest[11]) + int(rest[12])
        if server_pid in (pid, ppid):
            totals["gunicorn"] += used
        elif pid in client_pids:
            totals["client"] += used
        elif comm.startswith(("postgres", "redis-server")):
            totals["database"] += used
    totals["machine"], totals["irq"], totals["all"] = machine_busy_ticks()
    return totals


# --- HTTP client ------------------------------------------------------------------------------------------------


class Client:
    """One simulated browser: a keep-alive connection and a cookie jar."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.address: str | None = None  # sent as X-Forwarded-For: the client's address behind the proxy

    def close(self) -> None:
        self.conn.close()

    def forget_session(self) -> None:
        self.cookies.pop("sessionid", None)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        """Send a request; return (status, Location, body). Reconnects once if a kept-alive socket was closed."""
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "ruanzhu-auth-bench"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn.sock is not None
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt == 2 or not reused:
                    raise
                continue
            except Exception:
                self.conn.close()
                raise
            for header in response.headers.get_all("Set-Cookie") or []:
                pair = header.split(";", 1)[0]
                name, _, value = pair.partition("=")
                lowered = header.lower()
                if not value or "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value.strip().strip('"')
            if response.will_close:
                self.conn.close()
            return response.status, response.headers.get("Location", ""), content
        raise AssertionError("unreachable")

    def csrf_token(self, path: str) -> str:
        status, _location, content = self.request("GET", path)
        if status != 200:
            raise Failure(f"GET {path} -> {status}")
        match = CSRF_FIELD.search(content.decode("utf-8", "replace"))
        if match is None:
            raise Failure(f"no CSRF token on {path}")
        return match.group(1)

    def log_in(self, username: str) -> float:
        """Log in as ``username``; return the seconds the POST took."""
        token = self.csrf_token("/accounts/login/")
        started = time.perf_counter()
        status, _location, _content = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "identifier": username, "password": PASSWORD, "tab": "individual"},
        )
        elapsed = time.perf_counter() - started
        if status != 302:
            raise Failure(f"login POST -> {status}", elapsed)
        return elapsed


class Failure(Exception):
    def __init__(self, reason: str, latency: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.latency = latency


# --- Scenarios --------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    finished: float  # wall-clock time.time()
    ok: bool
    latency: float  # the measured request
    total: float  # the whole iteration
    reason: str = ""
    flood: bool = False  # a request of the flooding address; reason is its status


def client_address(client_id: int, iteration: int) -> str:
    """Return the address of a client's iteration: a new one each time, as if each login were another person."""
    number = client_id * 100_000 + iteration
    return f"10.{number // 65_536 % 256}.{number // 256 % 256}.{number % 256}"


@dataclass
class ClientPlan:
    scenario: str
    port: int
    client_ids: list[int]
    concurrency: int
    users: int
    max_iterations: int
    timeout: float
    rate: float = 0.0  # iterations/s of all the main clients together; 0: as fast as answered
    flood_clients: int = 0
    user_offset: int = 0


def login_iteration(client: Client, plan: ClientPlan, client_id: int, iteration: int) -> tuple[float, float]:
    user_index = plan.user_offset + client_id + iteration * plan.concurrency
    if user_index >= plan.users:
        raise StopIteration
    client.forget_session()
    client.address = client_address(client_id, iteration)
    started = time.perf_counter()
    latency = client.log_in(username_for(user_index))
    return latency, time.perf_counter() - started


def signup_iteration(client: Client, plan: ClientPlan, client_id: int, iteration: int) -> tuple[float, float]:
    from ruanzhu.otp.selectors import latest_code_in_outbox

    if iteration >= SIGNUP_PHONES_PER_CLIENT:
        raise StopIteration
    phone = f"+86{SIGNUP_PHONE_BASE + client_id * SIGNUP_PHONES_PER_CLIENT + iteration}"
    username = f"s{client_id:03d}x{iteration:06d}"
    client.cookies.clear()
    client.address = client_address(client_id, iteration)
    started = time.perf_counter()
    token = client.csrf_token("/accounts/signup/")
    status, location, _ = client.request("POST", "/accounts/signup/", {"csrfmiddlewaretoken": token})
    if status != 302:
        raise Failure(f"terms POST -> {status}")
    details = "/accounts/signup/individual/"
    status, _, content = client.request(
        "POST", details, {"csrfmiddlewaretoken": token, "action": "send_code", "phone": phone}
    )
    if status != 200 or "验证码已发送".encode() not in content:
        raise Failure(f"send_code POST -> {status}" + ("" if status != 200 else " (refused)"))
    try:
        code = latest_code_in_outbox(phone)
    except LookupError as error:
        raise Failure(f"outbox: {error}") from None
    register_started = time.perf_counter()
    status, location, _ = client.request(
        "POST",
        details,
        {
            "csrfmiddlewaretoken": token,
            "action": "register",
            "username": username,
            "password": SIGNUP_PASSWORD,
            "password_again": SIGNUP_PASSWORD,
            "phone": phone,
            "code": code,
            "email": f"{username}@bench.example",
        },
    )
    finished = time.perf_counter()
    if status != 302 or "/signup/done/" not in location:
        raise Failure(f"register POST -> {status}", finished - register_started)
    return finished - register_started, finished - started


def page_prepare(client: Client, plan: ClientPlan, client_id: int) -> None:
    # The last accounts, so that they are not the ones the login scenario uses first.
    client.address = client_address(client_id, 99_999)
    client.log_in(username_for(plan.users - 1 - client_id))


def page_iteration(client: Client, plan: ClientPlan, client_id: int, iteration: int) -> tuple[float, float]:
    started = time.perf_counter()
    status, _location, _content = client.request("GET", "/accounts/me/")
    elapsed = time.perf_counter() - started
    if status != 200:
        raise Failure(f"GET /accounts/me/ -> {status}", elapsed)
    return elapsed, elapsed


def bare_iteration(client: Client, plan: ClientPlan, client_id: int, iteration: int) -> tuple[float, float]:
    started = time.perf_counter()
    status, _location, _content = client.request("GET", "/bench/bare/")
    elapsed = time.perf_counter() - started
    if status != 200:
        raise Failure(f"GET /bench/bare/ -> {status}", elapsed)
    return elapsed, elapsed


def flood_prepare(client: Client, plan: ClientPlan, client_id: int) -> None:
    client.address = FLOOD_ADDRESS
    client.flood_token = client.csrf_token("/accounts/login/")


def flood_iteration(client: Client, plan: ClientPlan, client_id: int, iteration: int) -> tuple[float, int]:
    """Post a wrong password for nobody's name (a decoy hash if let through); return (latency, status)."""
    started = time.perf_counter()
    status, _location, _content = client.request(
        "POST",
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": client.flood_token,
            "identifier": f"nobody{client_id}x{iteration}",
            "password": "Wrong-Passphrase-0000",
            "tab": "individual",
        },
    )
    return time.perf_counter() - started, status


ITERATIONS = {
    "login": login_iteration,
    "signup": signup_iteration,
    "page": page_iteration,
    "bare": bare_iteration,
    "flood": login_iteration,
}
PREPARES = {"page": page_prepare}


def client_thread(plan, client_id, ready, go, times, samples, lock, errors, flood=False):
    client = Client(plan.port, plan.timeout)
    try:
        prepare = flood_prepare if flood else PREPARES.get(plan.scenario)
        if prepare is not None:
            try:
                prepare(client, plan, client_id)
            except Exception as error:
                with lock:
                    errors[f"prepare: {getattr(error, 'reason', repr(error))}"] += 1
        ready.release()
        go.wait()
        _warm_end, end = times
        iterate = flood_iteration if flood else ITERATIONS[plan.scenario]
        local: list[Sample] = []
        started = time.time()
        # Paced: this client's iterations every `interval` seconds, the clients staggered over one interval.
        interval = plan.concurrency / plan.rate if plan.rate and not flood else 0.0
        offset = interval * client_id / plan.concurrency
        for iteration in range(plan.max_iterations):
            if interval:
                time.sleep(max(0.0, started + offset + iteration * interval - time.time()))
            if time.time() >= end:
                break
            try:
                if flood:
                    latency, status = iterate(client, plan, client_id, iteration)
                    local.append(Sample(time.time(), True, latency, latency, str(status), flood=True))
                    continue
                latency, total = iterate(client, plan, client_id, iteration)
                local.append(Sample(time.time(), True, latency, total))
            except StopIteration:
                break
            except Failure as failure:
                local.append(Sample(time.time(), False, failure.latency or 0.0, 0.0, failure.reason))
            except Exception as error:  # timeouts, refused connections: count and go on
                local.append(Sample(time.time(), False, 0.0, 0.0, type(error).__name__))
        with lock:
            samples.extend(local)
    finally:
        client.close()
        if plan.scenario == "signup":
            from django.db import connection

            connection.close()


def client_process(plan: ClientPlan, ready, go, times_shared, out) -> None:
    """Run one thread per client id; wait for ``go``; put (samples, errors, cpu seconds) on ``out``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and terminates us
    samples: list[Sample] = []
    errors: Counter = Counter()
    lock = threading.Lock()
    local_ready = threading.Semaphore(0)
    local_go = threading.Event()
    times: list[float] = [0.0, 0.0]
    threads = [
        threading.Thread(
            target=client_thread,
            args=(plan, client_id, local_ready, local_go, times, samples, lock, errors),
            daemon=True,
        )
        for client_id in plan.client_ids
    ]
    threads += [
        threading.Thread(
            target=client_thread,
            args=(plan, 10_000 + number, local_ready, local_go, times, samples, lock, errors, True),
            daemon=True,
        )
        for number in range(plan.flood_clients)
    ]
    for thread in threads:
        thread.start()
    for _ in threads:
        local_ready.acquire()
    ready.release()
    go.wait()
    times[0], times[1] = times_shared[0], times_shared[1]
    local_go.set()
    for thread in threads:
        thread.join(timeout=(times[1] - time.time()) + plan.timeout + 5)
    out.put((samples, dict(errors)))


@dataclass
class Result:
    scenario: str
    seconds: float
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    cores_used: dict[str, float] = field(default_factory=dict)  # cores busy per group over the window
    rate: float = 0.0  # the offered rate, if paced
    flood_statuses: Counter = field(default_factory=Counter)
    flood_latencies: list[float] = field(default_factory=list)


def run_scenario(args: argparse.Namespace, server: Server, scenario: str) -> Result:
    from django.db import connections

    connections.close_all()  # no connection may be shared with the forked client processes
    context = mp.get_context("fork")
    processes = max(1, min(args.client_processes, args.concurrency))
    per_process = [list(range(args.concurrency))[index::processes] for index in range(processes)]
    per_client_max = max(1, math.ceil(args.max_requests / args.concurrency))
    ready = context.Semaphore(0)
    go = context.Event()
    times_shared = context.Array("d", 2)
    out = context.Queue()
    workers = []
    paced = args.rate if scenario in ("login", "flood") else 0.0
    for index, client_ids in enumerate(per_process):
        plan = ClientPlan(
            scenario=scenario,
            port=server.port,
            client_ids=client_ids,
            concurrency=args.concurrency,
            users=args.users,
            max_iterations=per_client_max,
            timeout=args.request_timeout,
            rate=paced,
            flood_clients=args.flood_clients if scenario == "flood" and index == 0 else 0,
            # Accounts the login scenario has not just logged in to.
            user_offset=args.users // 2 if scenario == "flood" else 0,
        )
        worker = context.Process(target=client_process, args=(plan, ready, go, times_shared, out))
        worker.start()
        workers.append(worker)
    try:
        for _ in workers:
            ready.acquire()
        warm_end = time.time() + args.warmup
        end = warm_end + args.seconds
        times_shared[0], times_shared[1] = warm_end, end
        go.set()
        time.sleep(max(0.0, warm_end - time.time()))
        client_pids = {worker.pid for worker in workers}
        before = cpu_snapshot(server.process.pid, client_pids)
        time.sleep(max(0.0, end - time.time()))
        after = cpu_snapshot(server.process.pid, client_pids)
        result = Result(scenario=scenario, seconds=args.seconds, rate=paced)
        delta = {key: after[key] - before[key] for key in before}
        cores = os.cpu_count() or 1
        # Cores busy on average; "other" is whatever else ran on the machine meanwhile.
        scale = cores / delta["all"] if delta["all"] else 0.0
        result.cores_used = {
            key: max(0, delta[key]) * scale for key in ("gunicorn", "client", "database", "irq", "machine")
        }
        result.cores_used["other"] = max(
            0.0,
            result.cores_used["machine"]
            - sum(result.cores_used[key] for key in ("gunicorn", "client", "database", "irq")),
        )
        for _ in workers:
            samples, errors = out.get(timeout=args.request_timeout + 30)
            result.reasons.update(errors)
            for sample in samples:
                if not warm_end <= sample.finished <= end:
                    continue
                if sample.flood:
                    result.flood_statuses[sample.reason] += 1
                    result.flood_latencies.append(sample.latency)
                elif sample.ok:
                    result.ok += 1
                    result.latencies.append(sample.latency)
                    result.totals.append(sample.total)
                else:
                    result.failed += 1
                    result.reasons[sample.reason] += 1
        for worker in workers:
            worker.join(timeout=10)
        return result
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=5)


# --- Report -----------------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value * 1000:.0f}"


def argon2_figures() -> dict[str, float]:
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    hasher = get_hasher("default")  # the one the settings name first, as the server uses
    make_password("warm-up-password")
    rounds = 10
    wall = time.perf_counter()
    cpu = time.process_time()
    for index in range(rounds):
        encoded = make_password(f"{PASSWORD}{index}")
    hash_wall = (time.perf_counter() - wall) / rounds
    hash_cpu = (time.process_time() - cpu) / rounds
    wall = time.perf_counter()
    for _ in range(rounds):
        check_password(f"{PASSWORD}{rounds - 1}", encoded)
    check_wall = (time.perf_counter() - wall) / rounds
    return {
        "hasher": type(hasher).__name__,
        "time_cost": hasher.time_cost,
        "memory_cost": hasher.memory_cost,
        "parallelism": hasher.parallelism,
        "hash_wall": hash_wall,
        "hash_cpu": hash_cpu,
        "check_wall": check_wall,
    }


def print_report(args, server: Server, argon2: dict, setup: dict, results: list[Result]) -> None:
    cores = os.cpu_count() or 1
    print()
    print("=" * 100)
    print("Ruanzhu auth benchmark")
    print("-" * 100)
    print(
        f"machine     : {cores} CPUs ({cpu_model()}), {platform.python_implementation()} {platform.python_version()}"
    )
    print(
        f"              client, gunicorn, PostgreSQL and Redis all share these {cores} cores; "
        "the figures are a lower bound for a dedicated server"
    )
    server_config = f"{args.workers} workers x {args.worker_class}"
    if args.worker_class == "gthread":
        server_config += f" ({args.threads} threads each)"
    print(
        f"gunicorn    : {server_config}, keep-alive {args.keep_alive} s, DEBUG=0, sessions cached_db on Redis"
    )
    print(f"              {' '.join(server.command[1:])}")
    print(
        f"client      : {args.concurrency} clients as threads in {min(args.client_processes, args.concurrency)} "
        f"process(es), http.client keep-alive, own cookie jar each; warm-up {args.warmup:g} s, "
        f"measured {args.seconds:g} s"
    )
    print(
        f"argon2      : {argon2['hasher']} time_cost={argon2['time_cost']} memory_cost={argon2['memory_cost']} KiB "
        f"parallelism={argon2['parallelism']}"
    )
    print(
        f"              one hash in-process: {argon2['hash_wall'] * 1000:.0f} ms wall, "
        f"{argon2['hash_cpu'] * 1000:.0f} ms CPU; one check: {argon2['check_wall'] * 1000:.0f} ms wall "
        f"-> at most ~{cores / max(argon2['hash_cpu'], 1e-9):.1f} hashes/s on {cores} cores"
    )
    print(
        f"setup       : database {setup['database']} migrated in {setup['migrate']:.1f} s; "
        f"{args.users} accounts in {setup['users']:.1f} s (one shared Argon2 hash, bulk_create)"
    )
    print("-" * 100)
    header = (
        f"{'scenario':<8} {'ok':>6} {'err':>5} {'rate/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'flow p50':>9} {'flow p95':>9} {'CPU/op':>7} | cores: {'all':>4} {'gunic':>5} {'pg+rd':>5} {'clnt':>4} {'irq':>4} {'other':>5}"
    )
    print(header)
    for result in results:
        rate = result.ok / result.seconds
        used = result.cores_used
        name = result.scenario + (f"@{result.rate:g}" if result.rate else "")
        cpu_per_op = used["gunicorn"] * result.seconds / result.ok * 1000 if result.ok else float("nan")
        flow_p50 = flow_p95 = float("nan")
        if result.scenario == "signup":
            flow_p50, flow_p95 = percentile(result.totals, 0.50), percentile(result.totals, 0.95)
        print(
            f"{name:<8} {result.ok:>6} {result.failed:>5} {rate:>8.1f} "
            f"{ms(percentile(result.latencies, 0.50)):>8} {ms(percentile(result.latencies, 0.95)):>8} "
            f"{ms(percentile(result.latencies, 0.99)):>8} {ms(flow_p50):>9} {ms(flow_p95):>9} "
            f"{cpu_per_op:>6.1f}m |        {used['machine']:>4.2f} {used['gunicorn']:>5.2f} {used['database']:>5.2f} "
            f"{used['client']:>4.2f} {used['irq']:>4.2f} {used['other']:>5.2f}"
        )
    print("-" * 100)
    for result in results:
        if result.ok:
            per_op = {
                key: result.cores_used[key] * result.seconds / result.ok * 1000
                for key in ("gunicorn", "database", "client", "irq")
            }
            print(
                f"CPU ms per {result.scenario:<6}: gunicorn {per_op['gunicorn']:.1f}, PostgreSQL+Redis "
                f"{per_op['database']:.1f}, client {per_op['client']:.1f}, irq {per_op['irq']:.1f}"
            )
    print("login : successful logins/s; latency of the login POST (non-302 answers count as errors)")
    print("signup: completed sign-ups/s; p50/p95 of the register POST, 'flow' = the whole sign-up")
    print("        (GET terms, accept, send code, read the code from the outbox, register)")
    print("page  : GET /accounts/me/ requests/s, logged in; target >=500/s at 32 clients with p95 <=50 ms")
    print("bare  : GET /bench/bare/ requests/s, the one-query view (ruanzhu.core.bench_views), same gunicorn")
    print(
        f"flood : the login scenario while {args.flood_clients} client(s) post wrong passwords from one address "
        "as fast as answered; its own line below"
    )
    print("name@N: paced to an offered N iterations/s in all (--rate), else as fast as answered")
    print("CPU/op = gunicorn CPU milliseconds per counted operation (robust to other load on the machine)")
    print(
        "CPU ms per op: the same for each group; PostgreSQL+Redis counts every such process on the machine, "
        "other users' too"
    )
    print(
        f"cores = CPU cores busy on average during the window (of {cores}): all, gunicorn, PostgreSQL+Redis, "
        "client, irq+softirq (loopback TCP), other (processes outside the benchmark)"
    )
    by_name = {result.scenario: result for result in results}
    login = by_name.get("login")
    if login is not None and login.ok:
        p95 = percentile(login.latencies, 0.95)
        verdict = "meets" if login.ok / login.seconds >= 50 and p95 <= 0.300 else "misses"
        print(
            f"login target (>=50 logins/s, p95 <=300 ms): {verdict} it "
            f"({login.ok / login.seconds:.1f}/s, p95 {ms(p95)} ms)"
        )
    bare = by_name.get("bare")
    if login is not None and bare is not None and bare.ok:
        print(f"logins/s as a share of the bare view's requests/s: {login.ok / bare.ok:.1%}")
    flood = by_name.get("flood")
    if flood is not None:
        statuses = flood.flood_statuses
        sent = sum(statuses.values())
        hashed = statuses.get("400", 0)
        print(
            f"flood from {FLOOD_ADDRESS}: {sent / flood.seconds:.0f} POSTs/s, statuses "
            f"{dict(statuses.most_common())}; {hashed} reached a password check ({hashed / flood.seconds:.1f}/s), "
            f"the rest refused before any hash; refusal p50 {ms(percentile(flood.flood_latencies, 0.5))} ms"
        )
        if login is not None and login.ok and flood.ok:
            print(
                f"legitimate logins/s under the flood: {flood.ok / flood.seconds:.1f} "
                f"({flood.ok / login.ok:.0%} of the login scenario's {login.ok / login.seconds:.1f})"
            )
    for result in results:
        if result.reasons:
            top = ", ".join(f"{reason} x{count}" for reason, count in result.reasons.most_common(5))
            print(f"errors in {result.scenario}: {top}")
        if result.scenario == "page" and result.ok:
            p95 = percentile(result.latencies, 0.95)
            verdict = "meets" if result.ok / result.seconds >= 500 and p95 <= 0.050 else "misses"
            print(f"page target (>=500 req/s, p95 <=50 ms at 32 clients): {verdict} it")
    print("=" * 100)


# --- Main -------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds before each scenario")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--keep-alive", type=int, default=30, help="gunicorn keep-alive seconds")
    parser.add_argument(
        "--client-processes", type=int, default=1, help="processes the client threads are spread over"
    )
    parser.add_argument(
        "--scenario", default="all", help=f"'all' or a comma-separated list of {', '.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="pace login and flood to this many logins/s in all (0: unpaced)",
    )
    parser.add_argument("--flood-clients", type=int, default=8, help="flooding threads in the flood scenario")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help="Redis database for cache and sessions (flushed)"
    )
    parser.add_argument(
        "--settings",
        default="config.settings",
        help="settings module of the server and the setup (one that imports config.settings and changes a setting "
        "under trial, on PYTHONPATH)",
    )
    parser.add_argument("--users", type=int, default=3000, help="accounts for the login and page scenarios")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="iterations per scenario at most (all clients)"
    )
    parser.add_argument("--request-timeout", type=float, default=60.0, help="socket timeout per request")
    args = parser.parse_args(argv)
    args.scenarios = SCENARIOS if args.scenario == "all" else tuple(args.scenario.split(","))
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    parts = urllib.parse.urlsplit(args.database_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--database-url must point at a local PostgreSQL")
    if args.users < args.concurrency:
        parser.error("--users must be at least --concurrency")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = args.scenarios
    server = None
    with tempfile.TemporaryDirectory(prefix="ruanzhu-bench-") as data_dir:
        env = server_environment(args, data_dir)
        # This process reads the SMS outbox and creates the accounts through Django with the server's settings.
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        try:
            print(f"recreating {args.database_url} ...", flush=True)
            recreate_database(args.database_url)
            flush_redis(args.redis_url)
            started = time.perf_counter()
            migrate(env)
            setup = {"database": urllib.parse.urlsplit(args.database_url).path.lstrip("/")}
            setup["migrate"] = time.perf_counter() - started

            import django

            django.setup()
            print("creating accounts ...", flush=True)
            setup["users"] = create_users(args.users)
            argon2 = argon2_figures()
            print("starting gunicorn ...", flush=True)
            server = start_server(args, env, data_dir)
            results = []
            for scenario in scenarios:
                print(f"running {scenario} for {args.warmup:g}+{args.seconds:g} s ...", flush=True)
                results.append(run_scenario(args, server, scenario))
            print_report(args, server, argon2, setup, results)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            if server is not None:
                crashed = server.process.poll() is not None
                server.stop()
                if crashed:
                    print(f"gunicorn had exited early:\n{server.log_tail()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
