"""The portal's mixed load for Locust: public searches, returning applicants, complete R11 filings and staff.

Run it through bench/load_bench.py, which prepares the database (bench/load_setup.py), points Locust at the
topology and prints the figures. By hand::

    set -a; . var/topology/topology.env; set +a
    LOAD_PLAN=var/topology/load/plan.json LOAD_USERS=filer=10,visitor=2,applicant=2,reviewer=1,examiner=1 \\
        .venv/bin/locust -f bench/locustfile.py --headless -H "$BASE_URL" -u 16 -r 5 -t 2m

Who is in the load (``LOAD_USERS`` gives the users of each class):

- ``Visitor``: the public registry, searches by name, owner or number and a record page.
- ``ReturningApplicant``: a verified applicant logs in and reads the catalog, 我的申请, messages and profile.
- ``Filer``: one complete R11 filing per iteration as a new applicant does it: sign-up with the SMS code
  (read from the fake provider's record, ``SMS_SINK_FILE``), login, real-name verification with the three ID
  photos, waiting until a reviewer of the load approves it, the four wizard steps with both deposits, 出申请表 with
  the owner's code, the signature page and 确认填报.
- ``Reviewer``: an identity reviewer (password + TOTP) approving the verifications from the queue, after looking
  at each photo.
- ``Examiner``: an examiner (password + TOTP) taking filings from the 待受理 queue: claim, 受理, 开始审查, 准予登记.

Every request is named by its kind (``search``, ``page:catalog``, ``filing:upload`` ...) so that the figures come
per kind. A completed filing is reported as the pseudo-request ``FLOW filing`` whose time is the whole flow, and
each submission acknowledged to the client is appended to ``LOAD_ACK_FILE`` when set (the chaos proof compares
them with the database).

No Django import here: Locust runs under gevent, and the load must see the portal only through HTTP and the SMS
provider's record, as a browser and a phone would.
"""

from __future__ import annotations

import json
import os
import random
import re
import ssl
import threading
import time
import urllib.parse
from pathlib import Path

import gevent
import urllib3
from django_otp.oath import totp

# load_setup is beside this file; it imports Django only inside the functions that need it.
from load_setup import FILER_REGION, resident_id
from locust import HttpUser, between, constant, events, task
from locust.clients import HttpSession

PLAN = json.loads(Path(os.environ.get("LOAD_PLAN", "var/load/plan.json")).read_text(encoding="utf-8"))
SMS_SINK_FILE = os.environ.get("SMS_SINK_FILE", "")
ACK_FILE = os.environ.get("LOAD_ACK_FILE", "")
CODE_WAIT_SECONDS = float(os.environ.get("LOAD_CODE_WAIT_SECONDS", "30"))
APPROVAL_WAIT_SECONDS = float(os.environ.get("LOAD_APPROVAL_WAIT_SECONDS", "300"))
PHONE_CODE_INTERVAL_SECONDS = float(os.environ.get("LOAD_PHONE_CODE_INTERVAL_SECONDS", "61"))
# The topology's certificate is self-signed: trust it (TLS_CA_FILE of topology.env), or nothing is checked.
TLS_CA_FILE = os.environ.get("TLS_CA_FILE", "")
TLS_CONTEXT = (
    ssl.create_default_context(cafile=TLS_CA_FILE) if TLS_CA_FILE else ssl._create_unverified_context()
)
# "mixed" (the default) runs the classes below; "bare" only BareVisitor, against BARE_URL.
PHASE = os.environ.get("LOAD_PHASE", "mixed")
# Users per class, e.g. "filer=40,visitor=40,applicant=40,reviewer=8,examiner=8" (bench/load_bench.py sizes
# them for the target rate); without it Locust spreads -u over the classes by their weights.
USERS = {
    name: int(count)
    for name, _, count in (
        part.partition("=") for part in os.environ.get("LOAD_USERS", "").split(",") if part
    )
}

CODE_AFTER_LABEL = re.compile(r"验证码\D{0,3}(\d{6})(?!\d)")
FILING_STEP = re.compile(r"/services/filings/(\d+)/edit/")
PARTY_ID = re.compile(r'name="party_id" value="(\d+)"')
QUEUE_ROW = re.compile(r'data-testid="queue-row-(\d+)"')
CHECKLIST_ITEM = re.compile(r'name="checklist" value="([^"]+)"')
RECORD_LINK = re.compile(r'href="(/registry/[0-9A-Za-z]+/)"')
MAIN_FUNCTIONS = ("本软件提供园区访客登记、车辆进出、能耗监测、设备巡检、工单派发与统计报表等功能，" * 20)[
    :800
]
_sequence = iter(range(PLAN["sequence_base"], 10**8))
_sequence_lock = threading.Lock()


class FlowAborted(Exception):
    """A step went wrong: the rest of the flow is skipped. ``recorded`` when a failed request already says so."""

    def __init__(self, reason: str, *, recorded: bool = False) -> None:
        super().__init__(reason)
        self.recorded = recorded


def record_abort(abort: FlowAborted, started: float) -> None:
    """Count a flow that stopped without a failed request (a code that never came) as an error."""
    if not abort.recorded:
        events.request.fire(
            request_type="FLOW",
            name=f"aborted: {abort}",
            response_time=(time.monotonic() - started) * 1000,
            response_length=0,
            exception=abort,
            context={},
        )


class SmsSink:
    """Read the fake SMS provider's record (JSON lines) as it grows; find the newest code sent to a phone."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""
        self.by_phone: dict[str, list[str]] = {}

    @staticmethod
    def phone_key(phone: str) -> str:
        return re.sub(r"\D", "", phone)[-11:]

    def refresh(self) -> None:
        try:
            with open(self.path, "rb") as sink:
                sink.seek(self.offset)
                chunk = sink.read()
        except FileNotFoundError:
            return
        self.offset += len(chunk)
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            phone = str(entry.get("phone") or entry.get("to") or entry.get("mobile") or "")
            text = str(entry.get("content") or entry.get("body") or entry.get("text") or "")
            self.by_phone.setdefault(self.phone_key(phone), []).append(text)

    def count(self, phone: str) -> int:
        self.refresh()
        return len(self.by_phone.get(self.phone_key(phone), []))

    def code_after(self, phone: str, seen: int) -> str:
        """Wait for a message to ``phone`` beyond the first ``seen`` and return its code."""
        deadline = time.monotonic() + CODE_WAIT_SECONDS
        while time.monotonic() < deadline:
            self.refresh()
            messages = self.by_phone.get(self.phone_key(phone), [])
            for text in reversed(messages[seen:]):
                match = CODE_AFTER_LABEL.search(text)
                if match:
                    return match.group(1)
            gevent.sleep(0.25)
        raise FlowAborted("no code within the wait")


SINK = SmsSink(SMS_SINK_FILE)


def next_number() -> int:
    with _sequence_lock:
        return next(_sequence)


def file_bytes(name: str) -> bytes:
    return Path(PLAN["files"][name]).read_bytes()


FILES = {
    name: file_bytes(name) for name in ("id_front", "id_back", "handheld", "program", "document", "signed")
}


class PortalUser(HttpUser):
    """A browser: a cookie jar (the CSRF cookie goes back with each form), no automatic redirects (each page
    counts once)."""

    abstract = True

    def on_start(self) -> None:
        self.new_browser(None)

    def new_browser(self, number: int | None) -> None:
        """Start afresh with an empty cookie jar, from a client address of its own when ``number`` is given.

        Every person of the load comes from another address of 127/8, as people come from their own networks:
        the per-address limits of code sending and login see what they would see in production.
        """
        source = {}
        if number is not None:
            source["source_address"] = (
                f"127.{1 + (number >> 16) % 250}.{(number >> 8) & 255}.{number & 255}",
                0,
            )
        self.client = HttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            user=self,
            pool_manager=urllib3.PoolManager(ssl_context=TLS_CONTEXT, maxsize=2, **source),
        )
        self.client.verify = TLS_CA_FILE or False
        self.client.headers["User-Agent"] = "ruanzhu-load"
        self.client.headers["Accept-Language"] = "zh-CN"

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: tuple[int, ...] = (200,),
        contains: str | None = None,
        data: dict | None = None,
        files: dict | None = None,
        htmx: bool = False,
    ):
        """Send one request named ``name``; record a failure and abort the flow on an unexpected answer."""
        headers = {"Referer": f"{self.host}{path}"}
        if htmx:
            headers["HX-Request"] = "true"
        if method == "POST":
            data = {"csrfmiddlewaretoken": self.csrf(), **(data or {})}
        with self.client.request(
            method,
            path,
            name=name,
            data=data,
            files=files,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"HTTP {response.status_code}, expected {'/'.join(map(str, expect))}")
                raise FlowAborted(name, recorded=True)
            if contains is not None and contains not in response.text:
                response.failure(f"answer lacks {contains!r}")
                raise FlowAborted(name, recorded=True)
            response.success()
            return response

    def log_in(self, username: str, password: str) -> None:
        self.call("GET", "/accounts/login/?tab=individual", "page:login")
        self.call(
            "POST",
            "/accounts/login/",
            "login",
            expect=(302,),
            data={"identifier": username, "password": password, "tab": "individual"},
        )

    def staff_log_in(self, account: dict) -> None:
        """Log in with the password and a current TOTP code; a code is good once, so a refusal waits a step."""
        key = bytes.fromhex(account["totp_key"])
        step = account["step"]
        for attempt in (1, 2):
            self.call("GET", "/accounts/staff/login/", "page:staff_login")
            try:
                self.call(
                    "POST",
                    "/accounts/staff/login/",
                    "staff:login",
                    expect=(302,),
                    data={
                        "identifier": account["username"],
                        "password": account["password"],
                        "otp_token": f"{totp(key, step=step):06d}",
                    },
                )
                return
            except FlowAborted:
                if attempt == 2:
                    raise
                gevent.sleep(step - time.time() % step + 0.5)


class Visitor(PortalUser):
    """The public: registry searches and record pages, no login."""

    weight = 6
    fixed_count = USERS.get("visitor", 0)
    abstract = PHASE != "mixed"
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.new_browser(next_number())

    @task(4)
    def search_by_name(self) -> None:
        self.search("name", random.choice(PLAN["queries"]["name"]))

    @task(1)
    def search_by_owner(self) -> None:
        self.search("owner", random.choice(PLAN["queries"]["owner"]))

    @task(1)
    def look_up_number(self) -> None:
        numbers = PLAN["queries"]["number"]
        if numbers:
            self.search("number", random.choice(numbers))

    def search(self, field: str, query: str) -> None:
        try:
            response = self.call(
                "GET", "/registry/?" + urllib.parse.urlencode({"q": query, "field": field}), "search"
            )
            links = RECORD_LINK.findall(response.text)
            if links and random.random() < 0.3:
                self.call("GET", random.choice(links), "registry:record")
        except FlowAborted:
            pass


class ReturningApplicant(PortalUser):
    """A verified applicant back to see where things stand: logged-in pages."""

    weight = 3
    fixed_count = USERS.get("applicant", 0)
    abstract = PHASE != "mixed"
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.new_browser(next_number())
        try:
            self.log_in(random.choice(PLAN["applicants"]), PLAN["password"])
        except FlowAborted:
            self.stop()

    @task
    def browse(self) -> None:
        path, name = random.choice(
            [
                ("/services/software/", "page:catalog"),
                ("/services/filings/", "page:mine"),
                ("/services/filings/invitations/", "page:invitations"),
                ("/messages/", "page:messages"),
                ("/accounts/me/", "page:profile"),
            ]
        )
        try:
            self.call("GET", path, name)
        except FlowAborted:
            pass


class Filer(PortalUser):
    """A new applicant filing R11 from sign-up to submission, one complete filing per iteration."""

    weight = 4
    fixed_count = USERS.get("filer", 0)
    abstract = PHASE != "mixed"
    wait_time = constant(0)

    @task
    def file_r11(self) -> None:
        started = time.monotonic()
        number = next_number()
        self.new_browser(number)
        try:
            self.sign_up(number)
            self.log_in(self.username, PLAN["password"])
            self.verify_identity(number)
            self.wait_for_approval()
            filing_id = self.fill_filing()
            flow_number = self.issue_form(filing_id)
            self.submit(filing_id, flow_number)
        except FlowAborted as abort:
            record_abort(abort, started)
            return
        events.request.fire(
            request_type="FLOW",
            name="filing",
            response_time=(time.monotonic() - started) * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    def sign_up(self, number: int) -> None:
        self.username = f"{PLAN['signup_prefix']}{number}"
        self.phone = f"158{number:08d}"
        self.call("GET", "/accounts/signup/", "signup:terms")
        self.call("POST", "/accounts/signup/", "signup:accept", expect=(302,))
        self.call("GET", "/accounts/signup/kind/", "signup:kind")
        self.call("GET", "/accounts/signup/individual/", "signup:form")
        seen = SINK.count(self.phone)
        self.call(
            "POST",
            "/accounts/signup/individual/",
            "signup:send_code",
            contains="验证码已发送",
            data={"action": "send_code", "phone": self.phone},
        )
        self.code_sent_at = time.monotonic()
        code = SINK.code_after(self.phone, seen)
        self.call(
            "POST",
            "/accounts/signup/individual/",
            "signup:register",
            expect=(302,),
            data={
                "action": "register",
                "username": self.username,
                "password": PLAN["password"],
                "password_again": PLAN["password"],
                "phone": self.phone,
                "code": code,
                "email": f"{self.username}@load.example",
            },
        )
        self.call("GET", "/accounts/signup/done/", "signup:done")

    def verify_identity(self, number: int) -> None:
        self.call("GET", "/services/software/", "page:catalog")
        self.call("GET", "/identity/", "identity:start", expect=(302,))
        self.call("GET", "/identity/step/1/", "identity:step")
        self.call(
            "POST",
            "/identity/step/1/",
            "identity:save",
            expect=(302,),
            data={"nationality": "中国", "id_type": "resident_id"},
        )
        self.call("GET", "/identity/step/2/", "identity:step")
        self.call(
            "POST",
            "/identity/step/2/",
            "identity:save",
            expect=(302,),
            data={
                "real_name": "负载测试",
                "id_number": resident_id(number, FILER_REGION),
                "id_valid_from": "2020-01-01",
                "id_long_term": "on",
                "province": "北京市",
                "city": "北京市",
            },
        )
        self.call("GET", "/identity/step/3/", "identity:step")
        for slot in ("id_front", "id_back", "handheld"):
            self.call(
                "POST",
                f"/identity/documents/{slot}/upload/",
                "identity:upload",
                files={"file": (f"{slot}.jpg", FILES[slot], "image/jpeg")},
                htmx=True,
            )
        self.call(
            "POST",
            "/identity/step/3/",
            "identity:submit",
            expect=(302,),
            data={"consent_id_data": "on", "consent_face": "on"},
        )

    def wait_for_approval(self) -> None:
        deadline = time.monotonic() + APPROVAL_WAIT_SECONDS
        while time.monotonic() < deadline:
            if 'data-testid="reverify"' in self.call("GET", "/identity/status/", "page:identity_status").text:
                return
            gevent.sleep(5)
        raise FlowAborted("verification not decided in time")

    def fill_filing(self) -> int:
        self.call("GET", "/services/software/", "page:catalog")
        self.call("GET", "/services/software/R11/start/", "filing:step")
        response = self.call(
            "POST",
            "/services/software/R11/start/",
            "filing:save",
            expect=(302,),
            data={"owner_type": "single", "development_mode": "independent", "action": "next"},
        )
        match = FILING_STEP.search(response.headers.get("Location", ""))
        if match is None:
            raise FlowAborted("no draft after the first step")
        filing_id = int(match.group(1))
        base = f"/services/filings/{filing_id}"
        steps = {
            "software": {
                "full_name": PLAN["files"]["software_name"],
                "short_name": "园区平台",
                "version": PLAN["files"]["software_version"],
                "category": "应用软件",
                "work_type": "original",
            },
            "development": {
                "completion_date": "2026-06-30",
                "publication": "unpublished",
                "acquisition": "original",
                "rights_scope": "all",
            },
        }
        for slug, fields in steps.items():
            self.call("GET", f"{base}/edit/{slug}/", "filing:step")
            self.call(
                "POST",
                f"{base}/edit/{slug}/",
                "filing:save",
                expect=(302,),
                data={**fields, "action": "next"},
            )
        self.call("GET", f"{base}/edit/features/", "filing:step")
        for kind, name in (("program_deposit", "program"), ("document_deposit", "document")):
            self.call(
                "POST",
                f"{base}/documents/{kind}/upload/",
                "filing:upload",
                contains="检查通过",
                files={"file": (f"{name}.pdf", FILES[name], "application/pdf")},
                htmx=True,
            )
        self.call(
            "POST",
            f"{base}/edit/features/",
            "filing:save",
            expect=(302,),
            data={
                "dev_hardware": "PC 服务器",
                "run_hardware": "x86 服务器",
                "dev_os": "Linux",
                "dev_tools": "PyCharm",
                "run_platform": "Linux",
                "support_software": "PostgreSQL",
                "languages": "Python",
                "source_lines": "52000",
                "purpose": "园区数字化管理",
                "field": "物业管理",
                "main_functions": MAIN_FUNCTIONS,
                "feature_tags": "物联网软件",
                "feature_text": "",
                "deposit_mode": "standard",
                "action": "next",
            },
        )
        return filing_id

    def issue_form(self, filing_id: int) -> str:
        base = f"/services/filings/{filing_id}"
        self.call("GET", f"{base}/edit/confirm/", "filing:step")
        # One code per phone and minute (OTP_SEND_LIMITS_PER_PHONE): a person takes longer from sign-up to here.
        gevent.sleep(max(0.0, PHONE_CODE_INTERVAL_SECONDS - (time.monotonic() - self.code_sent_at)))
        seen = SINK.count(self.phone)
        self.call("POST", f"{base}/codes/send/", "filing:send_codes", expect=(302,))
        page = self.call("GET", f"{base}/edit/confirm/", "filing:step").text
        party = PARTY_ID.search(page)
        if party is None:
            raise FlowAborted("no owner to confirm on 确认")
        code = SINK.code_after(self.phone, seen)
        self.call(
            "POST",
            f"{base}/codes/confirm/",
            "filing:confirm_code",
            expect=(302,),
            data={"party_id": party.group(1), "code": code},
        )
        page = self.call("GET", f"{base}/edit/confirm/", "filing:step").text
        flow_number = re.search(r'data-testid="flow-number">(R11\d{14})<', page)
        if flow_number is None:
            raise FlowAborted("the form was not issued")
        return flow_number.group(1)

    def submit(self, filing_id: int, flow_number: str) -> None:
        base = f"/services/filings/{filing_id}"
        self.call(
            "POST",
            f"{base}/signature-page/",
            "filing:signature_page",
            expect=(302,),
            files={"file": ("signed.pdf", FILES["signed"], "application/pdf")},
        )
        response = self.call("POST", f"{base}/submit/", "filing:submit", expect=(302,))
        if ACK_FILE:
            # The client saw the submission acknowledged: the chaos proof expects it in the database once.
            with open(ACK_FILE, "a", encoding="utf-8") as acks:
                acks.write(
                    json.dumps(
                        {"filing": filing_id, "flow_number": flow_number, "status": response.status_code}
                    )
                    + "\n"
                )
        self.call("GET", f"{base}/", "page:filing_detail", contains="待受理")


class StaffUser(PortalUser):
    """A staff member of the load: logs in with password and TOTP, then works a queue."""

    abstract = True
    role = ""
    wait_time = constant(0)
    _taken = 0
    _taken_lock = threading.Lock()

    def on_start(self) -> None:
        super().on_start()
        with StaffUser._taken_lock:
            accounts = PLAN["staff"][self.role]
            account = accounts[StaffUser._taken % len(accounts)]
            StaffUser._taken += 1
        try:
            self.staff_log_in(account)
        except FlowAborted:
            self.stop()

    def pick(self, queue_path: str, name: str) -> int | None:
        rows = QUEUE_ROW.findall(self.call("GET", queue_path, name).text)
        if not rows:
            gevent.sleep(1)
            return None
        return int(random.choice(rows[:5]))


class Reviewer(StaffUser):
    """An identity reviewer approving the verifications of the load."""

    fixed_count = USERS.get("reviewer", 2)
    abstract = PHASE != "mixed"
    role = "reviewer"

    @task
    def review(self) -> None:
        try:
            pk = self.pick("/staff/identity/?claimed=unclaimed", "review:queue")
            if pk is None:
                return
            base = f"/staff/identity/{pk}"
            self.call("POST", f"{base}/claim/", "review:claim", expect=(302,))
            if 'data-testid="release"' not in self.call("GET", f"{base}/", "review:detail").text:
                return  # another reviewer was quicker
            for slot in ("id_front", "id_back", "handheld"):
                self.call("GET", f"{base}/documents/{slot}/", "review:photo")
            self.call(
                "POST",
                f"{base}/approve/",
                "review:approve",
                expect=(302,),
                data={"document_genuine": "on", "face_matches": "on", "data_match": "on", "note": ""},
            )
        except FlowAborted:
            pass


class Examiner(StaffUser):
    """An examiner taking filings from the 待受理 queue to 准予登记."""

    fixed_count = USERS.get("examiner", 2)
    abstract = PHASE != "mixed"
    role = "examiner"

    @task
    def examine(self) -> None:
        try:
            pk = self.pick("/staff/examination/?claimed=unclaimed", "exam:queue")
            if pk is None:
                return
            base = f"/staff/examination/{pk}"
            self.call("POST", f"{base}/claim/", "exam:claim", expect=(302,))
            if 'data-testid="release"' not in self.call("GET", f"{base}/", "exam:detail").text:
                return
            self.call("POST", f"{base}/accept/", "exam:accept", expect=(302,))
            self.call("POST", f"{base}/start/", "exam:start", expect=(302,))
            page = self.call("GET", f"{base}/", "exam:detail").text
            self.call(
                "POST",
                f"{base}/register/",
                "exam:register",
                expect=(302,),
                data={"checklist": CHECKLIST_ITEM.findall(page)},
            )
        except FlowAborted:
            pass


class BareVisitor(HttpUser):
    """The reference of the same run: the bare view (one query) on the same nginx and gunicorn, back to back."""

    abstract = PHASE != "bare"
    wait_time = constant(0)

    def on_start(self) -> None:
        PortalUser.new_browser(self, None)

    @task
    def bare(self) -> None:
        self.client.get(os.environ["BARE_URL"], name="bare")
