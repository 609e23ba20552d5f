"""Faults under load on the production topology: nothing acknowledged is lost, nothing is done twice.

On demand only (``pytest -m chaos tests/topology/test_chaos.py``): it uses the running topology
(scripts/topology.sh), or brings one up and down again, prepares it with bench/load_setup.py and runs the mixed
load of bench/locustfile.py in the background. While the load runs it kills, with SIGKILL, a gunicorn worker of
web1, the whole web2 instance, and a Celery worker process of worker1 while it is running a task, then restarts
the topology's Redis. The topology's supervisor starts what was killed again; nothing here restarts anything.

Once the load has ended and the outbox has drained, it asserts against PostgreSQL, the S3 bucket and the fake
SMS provider's record:

- every submission a client saw acknowledged (the 302 of 确认填报, logged by the locustfile) is in the database
  once, submitted or further on, and no filing is duplicated (flow numbers unique, one filing per new account);
- every task was queued once in the outbox (one entry per task and arguments, one per SMS message) and ran
  (no entry left pending or failed), and every SMS recorded as sent reached the provider. The provider
  deduplicates on the message's reference (its id, ruanzhu.otp.delivery): a reference recorded twice by the
  provider is one message to the phone, allowed only for a message whose delivery was attempted again after a
  crash, and counted in the output;
- every object in the bucket has its row (a ``*storage_name`` column) and every row its object;
- the site answers /readyz with 200 through nginx again by itself.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.topology, pytest.mark.chaos]

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = str(ROOT / "scripts" / "topology.sh")
TOPOLOGY_DIR = Path(os.environ.get("TOPOLOGY_DIR", ROOT / "var" / "topology")).resolve()
LOAD_SECONDS = int(os.environ.get("CHAOS_LOAD_SECONDS", "300"))
LOAD_USERS = os.environ.get("CHAOS_LOAD_USERS", "filer=10,visitor=2,applicant=2,reviewer=1,examiner=1")
# Seconds into the load at which each fault happens.
FAULTS_AT = (60, 100, 140, 180)
DRAIN_SECONDS = 300


def _read_env(path: Path) -> dict[str, str]:
    pairs = (
        line.partition("=") for line in path.read_text().splitlines() if line and not line.startswith("#")
    )
    return {key: value for key, _, value in pairs}


@pytest.fixture(scope="module")
def topology():
    """The topology's env; brought up here, and down afterwards, unless it was already up."""
    env_file = TOPOLOGY_DIR / "topology.env"
    reused = env_file.exists() and subprocess.run([TOPOLOGY, "status"], check=False).returncode == 0
    if not reused:
        subprocess.run([TOPOLOGY, "up"], check=True, timeout=600)
    try:
        yield _read_env(env_file)
    finally:
        if not reused:
            subprocess.run([TOPOLOGY, "down"], check=True, timeout=300)


# --- Processes --------------------------------------------------------------------------------------------------


def _pid(topology: dict, name: str) -> int:
    return int((Path(topology["TOPOLOGY_DIR"]) / "pids" / f"{name}.pid").read_text().strip())


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])


def _busy_child(pid: int, *, seconds: float = 30) -> int:
    """Return a child of ``pid`` that is using CPU (a Celery pool process running a task), waiting for one."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = _children(pid)
        before = {child: _cpu_ticks(child) for child in children}
        time.sleep(0.1)
        busy = [child for child in children if _cpu_ticks(child) > before[child] >= 0]
        if busy:
            return busy[0]
    raise AssertionError(f"no child of {pid} ran a task within {seconds} s")


def _kill(pid: int) -> None:
    os.kill(pid, 9)


def _ready(topology: dict) -> bool:
    try:
        response = requests.get(f"{topology['BASE_URL']}/readyz", verify=topology["TLS_CA_FILE"], timeout=5)
    except requests.RequestException:
        return False
    return response.status_code == 200


def _wait_for(predicate, *, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(1)


# --- The state afterwards ---------------------------------------------------------------------------------------


def _query(topology: dict, sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(topology["DATABASE_URL"]) as connection:
        return connection.execute(sql, params).fetchall()


def _storage_names(topology: dict) -> set[str]:
    columns = _query(
        topology,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name LIKE %s",
        ("%storage_name",),
    )
    names: set[str] = set()
    for table, column in columns:
        rows = _query(topology, f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> %s', ("",))  # noqa: S608
        names.update(row[0] for row in rows)
    return names


def _bucket_keys(topology: dict) -> set[str]:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=topology["AWS_S3_ENDPOINT_URL"],
        region_name=topology.get("AWS_S3_REGION_NAME", "us-east-1"),
        aws_access_key_id=topology["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=topology["AWS_SECRET_ACCESS_KEY"],
    )
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=topology["AWS_STORAGE_BUCKET_NAME"]):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def _outbox_pending(topology: dict, since: int) -> int:
    return _query(
        topology, "SELECT count(*) FROM core_outboxentry WHERE id > %s AND status = 'pending'", (since,)
    )[0][0]


def _sink_references(topology: dict) -> collections.Counter:
    lines = Path(topology["SMS_SINK_FILE"]).read_text(encoding="utf-8").splitlines()
    return collections.Counter(json.loads(line)["request_id"] for line in lines if line.strip())


# --- The proof --------------------------------------------------------------------------------------------------


def test_nothing_acknowledged_is_lost_or_doubled_through_kills_and_a_redis_restart(topology, tmp_path):
    env = {**os.environ, **topology, "DJANGO_SETTINGS_MODULE": "config.settings"}
    plan = Path(topology["TOPOLOGY_DIR"]) / "load" / "plan.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_setup.py"), "--plan", str(plan), "--records", "500"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    first_outbox = _query(topology, "SELECT coalesce(max(id), 0) FROM core_outboxentry")[0][0]
    first_sms = _query(topology, "SELECT coalesce(max(id), 0) FROM otp_smsmessage")[0][0]
    acks = tmp_path / "acks.jsonl"
    users = dict(part.split("=") for part in LOAD_USERS.split(","))
    log = open(tmp_path / "locust.log", "wb")  # closed after the load
    load = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "-H",
            topology["BASE_URL"],
            "-u",
            str(sum(int(count) for count in users.values())),
            "-r",
            "5",
            "-t",
            f"{LOAD_SECONDS}s",
            "--stop-timeout",
            "60",
            "--csv",
            str(tmp_path / "chaos"),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "LOAD_PLAN": str(plan),
            "LOAD_USERS": LOAD_USERS,
            "LOAD_ACK_FILE": str(acks),
            "SMS_SINK_FILE": topology["SMS_SINK_FILE"],
            "TLS_CA_FILE": topology["TLS_CA_FILE"],
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    started = time.monotonic()
    faults = [
        ("killed a gunicorn worker of web1", lambda: _kill(_children(_pid(topology, "web1"))[0])),
        ("killed the whole web2 instance", lambda: _kill(_pid(topology, "web2"))),
        (
            "a Celery worker process of worker1 mid-task",
            lambda: _kill(_busy_child(_pid(topology, "worker1"))),
        ),
        ("restarted Redis", lambda: subprocess.run([TOPOLOGY, "restart", "redis"], check=True, timeout=120)),
    ]
    try:
        for at, (what, fault) in zip(FAULTS_AT, faults, strict=True):
            time.sleep(max(0.0, started + at - time.monotonic()))
            assert load.poll() is None, "the load ended before the faults"
            fault()
            print(f"{time.monotonic() - started:.0f} s: {what}", flush=True)
        load.wait(timeout=LOAD_SECONDS + 300)
    finally:
        if load.poll() is None:
            load.kill()
        log.close()

    # Recovery by itself: the supervisor restarts, the outbox relay re-publishes what the broker lost.
    _wait_for(lambda: _ready(topology), what="/readyz 200 through nginx", seconds=120)
    _wait_for(
        lambda: subprocess.run([TOPOLOGY, "status"], capture_output=True).returncode == 0,
        what="every process of the topology alive",
        seconds=120,
    )
    _wait_for(
        lambda: _outbox_pending(topology, first_outbox) == 0, what="the outbox drained", seconds=DRAIN_SECONDS
    )

    problems: list[str] = []
    acknowledged = [json.loads(line) for line in acks.read_text().splitlines()] if acks.exists() else []
    problems += [] if acknowledged else ["no submission was acknowledged during the load"]
    for ack in acknowledged:
        rows = _query(
            topology,
            "SELECT status FROM filings_filing WHERE id = %s AND flow_number = %s",
            (ack["filing"], ack["flow_number"]),
        )
        if len(rows) != 1 or rows[0][0] in ("draft", "awaiting_codes", "form_issued"):
            problems.append(f"acknowledged filing {ack['filing']} {ack['flow_number']}: {rows}")
    duplicated_numbers = _query(
        topology,
        "SELECT flow_number, count(*) FROM filings_filing WHERE flow_number <> '' "
        "GROUP BY flow_number HAVING count(*) > 1",
    )
    problems += [f"flow number {number} on {count} filings" for number, count in duplicated_numbers]
    doubled = _query(
        topology,
        "SELECT u.username, count(*) FROM filings_filing f JOIN accounts_user u ON u.id = f.applicant_id "
        "WHERE u.username LIKE %s GROUP BY u.username HAVING count(*) > 1",
        ("lf%",),
    )
    problems += [f"{username} has {count} filings" for username, count in doubled]

    entries = _query(
        topology,
        "SELECT task, args::text, kwargs::text, count(*), sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END) "
        "FROM core_outboxentry WHERE id > %s GROUP BY task, args::text, kwargs::text",
        (first_outbox,),
    )
    problems += [
        f"outbox: {task} {args} queued {count} times" for task, args, _, count, _ in entries if count > 1
    ]
    problems += [f"outbox: {task} {args} not done" for task, args, _, count, done in entries if done != count]
    messages = _query(
        topology, "SELECT id, status, delivery_attempts FROM otp_smsmessage WHERE id > %s", (first_sms,)
    )
    sms_entries = collections.Counter(
        args for task, args, _, count, _ in entries if task.endswith("sms_deliver_task") for _ in range(count)
    )
    references = _sink_references(topology)
    redelivered = 0
    for message_id, status, attempts in messages:
        if sms_entries[f"[{message_id}]"] != 1:
            problems.append(f"SMS {message_id} has {sms_entries[f'[{message_id}]']} outbox entries")
        if status in ("queued", "sending"):
            problems.append(f"SMS {message_id} still {status}")
        if status == "sent" and references[str(message_id)] == 0:
            problems.append(f"SMS {message_id} recorded as sent, never reached the provider")
        if references[str(message_id)] > 1:
            redelivered += 1
            if attempts < 2:
                problems.append(f"SMS {message_id} reached the provider {references[str(message_id)]} times")

    names, keys = _storage_names(topology), _bucket_keys(topology)
    problems += [f"object without a row: {key}" for key in sorted(keys - names)]
    problems += [f"row without an object: {name}" for name in sorted(names - keys)]

    # What the clients saw of the faults: requests in flight on a killed process, or needing Redis while it restarted.
    failures = (tmp_path / "chaos_failures.csv").read_text().splitlines()[1:]
    print("failed requests during the faults:", *failures, sep="\n  ")
    print(
        f"{len(acknowledged)} acknowledged submissions, {len(entries)} outbox entries, {len(messages)} SMS "
        f"({redelivered} handed to the provider again under the same reference after a crash), {len(keys)} objects"
    )
    assert not problems, "\n".join(problems[:50])
