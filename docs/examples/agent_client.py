#!/usr/bin/env python3
"""An agent (代理机构) files R11 drafts for its clients from a CSV, through the Ruanzhu API.

What it does, step by step (see docs/api.md):

1. reads the CSV: one row per software, with the client's account id, the R11 fields and the two deposits;
2. starts the drafts with POST /filings/batch, up to 100 per request, and reports each refused row with the
   fields and messages of its problem;
3. uploads the program and document deposits of each draft (POST /filings/{id}/documents/{kind});
4. issues each form (出申请表, POST /filings/{id}/form): the portal sends every owner a code to its own phone;
5. polls GET /filings/{id}/confirmations until every owner has confirmed (in its own account) or the timeout;
6. optionally (--submit-with-signature DIR) uploads each signed signature page DIR/<flow number>.pdf and
   submits the filing (确认填报) with an Idempotency-Key.

What was done is written to a state file after every step, so that a run stopped by the timeout (or anything
else) carries on with ``--resume``: the drafts are picked up by their ids, nothing is created twice, and a form
whose codes could not be sent yet (the portal limits how often a phone gets a code) is issued again.

Standard library only. Exit status: 0 every draft confirmed (and submitted, if asked); 1 some row or step was
refused (see the output); 2 bad arguments or input; 3 still waiting for confirmations at the timeout.

    RUANZHU_TOKEN=rz_... python docs/examples/agent_client.py --base-url http://127.0.0.1:8000 \\
        --csv docs/examples/drafts.csv --deposits deposits/
"""

import argparse
import csv
import json
import mimetypes
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

SERVICE = "R11"
BATCH_MAX = 100  # what POST /filings/batch takes at most
# The CSV's columns that are not fields of the service; every other non-empty cell is sent as a field.
CLIENT_COLUMN = "client_id"
DEPOSIT_COLUMNS = {"program_deposit": "program_deposit", "document_deposit": "document_deposit"}
LIST_SEPARATOR = ";"  # between the values of a multiple choice cell (languages, feature_tags)

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_WAITING = 0, 1, 2, 3


# --- HTTP ----------------------------------------------------------------------------------------------------------
class ApiError(Exception):
    """A problem answered by the API (application/problem+json), or a failure to reach it."""

    def __init__(self, status: int, problem: dict) -> None:
        self.status = status
        self.problem = problem
        super().__init__(describe(problem))


def describe(problem: dict) -> str:
    """Return a problem for people: its status, code and detail, then each field's message on a line."""
    detail = str(problem.get("detail", ""))
    errors = problem.get("errors") or []
    if errors:
        # A refusal of several reasons has them in its detail too, one a line: each is listed once, below.
        detail = detail.splitlines()[0] if detail else ""
    lines = [f"{problem.get('status', '?')} {problem.get('code', 'error')}: {detail}"]
    for error in errors:
        message = error.get("message", "")
        if message != detail:
            lines.append(f"      {error['field']}: {message}" if error.get("field") else f"      {message}")
    return "\n".join(lines)


class Api:
    """A small client of the Ruanzhu API: JSON in and out, a bearer token, and 429 answered by waiting."""

    def __init__(self, base_url: str, token: str, *, retries: int = 8) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.token = token
        self.retries = retries

    def get(self, path: str) -> dict:
        return self.request("GET", path)

    def post(self, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
        data = json.dumps(body or {}).encode()
        return self.request("POST", path, data, {"Content-Type": "application/json", **(headers or {})})

    def upload(self, path: str, file: Path) -> dict:
        """POST ``file`` as multipart/form-data, in the field ``file`` the upload operations read."""
        boundary = uuid.uuid4().hex
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        # The file name is sent as UTF-8 (the browsers' way); quotes and line breaks would break the header.
        filename = file.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        data = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'.encode(),
                f"Content-Type: {content_type}\r\n\r\n".encode(),
                file.read_bytes(),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        return self.request("POST", path, data, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None) -> dict:
        """Send the request and return the JSON answer; raise ApiError with the problem otherwise.

        A 429 (too many requests for the token) is retried after its Retry-After; so is a 503. Anything else
        is the caller's to handle.
        """
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **(headers or {})}
        for attempt in range(self.retries + 1):
            # The base URL's scheme is checked to be http or https (parse_args).
            request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    return json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as error:
                problem = problem_of(error)
                if error.code in (429, 503) and attempt < self.retries:
                    wait = retry_after(error)
                    print(f"  … {error.code} {problem.get('detail', '')} — retrying in {wait}s", flush=True)
                    time.sleep(wait)
                    continue
                raise ApiError(error.code, problem) from None
            except urllib.error.URLError as error:
                raise ApiError(0, {"status": 0, "code": "unreachable", "detail": str(error.reason)}) from None
        raise AssertionError("unreachable")


def problem_of(error: urllib.error.HTTPError) -> dict:
    """Return the problem of an error answer (application/problem+json), or one standing for another body."""
    body = error.read()
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        problem = {
            "status": error.code,
            "code": f"http_{error.code}",
            "detail": body[:200].decode(errors="replace"),
        }
    return problem


def retry_after(error: urllib.error.HTTPError) -> int:
    """Seconds to wait before retrying, from the Retry-After header (in seconds) or a short default."""
    try:
        return max(1, int(error.headers.get("Retry-After", "5")))
    except ValueError:
        return 5


# --- The CSV -------------------------------------------------------------------------------------------------------
def field_types(api: Api) -> dict[str, str]:
    """Return the type of each field of the service's steps, by name, as GET /services describes them."""
    for service in api.get("/services")["services"]:
        if service["code"] == SERVICE:
            return {field["name"]: field["type"] for step in service["steps"] for field in step["fields"]}
    raise SystemExit(f"The portal does not offer {SERVICE}.")


def read_rows(csv_path: Path, deposits_dir: Path, types: dict[str, str]) -> list[dict]:
    """Return one draft to create per CSV row: the POST /filings body, its label and its deposits' paths."""
    drafts = []
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):  # line 1 is the header
            fields = {}
            for name, value in row.items():
                value = (value or "").strip()
                if name in (CLIENT_COLUMN, *DEPOSIT_COLUMNS) or not value:
                    continue
                if types.get(name) == "multiple_choice":
                    fields[name] = [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
                else:
                    fields[name] = value  # the API reads each value as the page's form would
            body = {"service": SERVICE, "fields": fields}
            client = (row.get(CLIENT_COLUMN) or "").strip()
            if client:
                body["client_id"] = int(client) if client.isdigit() else client
            drafts.append(
                {
                    "line": line,
                    "label": f"{fields.get('full_name', '?')} {fields.get('version', '')}".strip(),
                    "body": body,
                    "deposits": {
                        kind: str(deposits_dir / (row.get(column) or "").strip())
                        for column, kind in DEPOSIT_COLUMNS.items()
                    },
                }
            )
    return drafts


# --- The state file ------------------------------------------------------------------------------------------------
def load_state(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["filings"]


def save_state(path: Path, filings: list[dict]) -> None:
    """Write what was done so far, atomically: a run stopped halfway is resumed from here."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"filings": filings}, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)


# --- The steps -----------------------------------------------------------------------------------------------------
def create_drafts(api: Api, drafts: list[dict], state: Path) -> tuple[list[dict], int]:
    """Start the drafts, BATCH_MAX per request; return the filings created and the number of rows refused."""
    filings, refused = [], 0
    for start in range(0, len(drafts), BATCH_MAX):
        chunk = drafts[start : start + BATCH_MAX]
        answer = api.post("/filings/batch", {"items": [draft["body"] for draft in chunk]})
        for item in answer["items"]:
            draft = chunk[item["index"]]
            if item["status"] == 201:
                filing = item["filing"]
                print(f"  line {draft['line']}: draft {filing['id']} created — {draft['label']}")
                filings.append(
                    {"id": filing["id"], "line": draft["line"], "label": draft["label"], **stages(draft)}
                )
            else:
                refused += 1
                print(f"  line {draft['line']}: REFUSED — {draft['label']}\n    {describe(item['problem'])}")
        save_state(state, filings)
    return filings, refused


def stages(draft: dict) -> dict:
    """The steps still to do for a new draft, as the state file keeps them."""
    return {"deposits": draft["deposits"], "uploaded": [], "issued": False, "confirmed": False}


def upload_deposits(api: Api, filing: dict) -> bool:
    """Upload the deposits not yet uploaded; return whether both are there."""
    for kind, path in filing["deposits"].items():
        if kind in filing["uploaded"]:
            continue
        try:
            document = api.upload(f"/filings/{filing['id']}/documents/{kind}", Path(path))
        except (ApiError, OSError) as error:
            print(f"  draft {filing['id']}: {kind} NOT uploaded ({path})\n    {error}")
            return False
        filing["uploaded"].append(kind)
        print(f"  draft {filing['id']}: {kind} uploaded, {document['page_count']} pages")
    return True


def issue_form(api: Api, filing: dict) -> bool:
    """出申请表: freeze the form and have a code sent to each owner's phone; return whether it was issued.

    Refused (409) while the draft is incomplete, or when a code cannot be sent now (the portal limits how often
    one phone, one account or one address gets a code): the refusal is printed and the form is tried again.
    """
    try:
        answer = api.post(f"/filings/{filing['id']}/form")
    except ApiError as error:
        if error.status == 409 and api.get(f"/filings/{filing['id']}/confirmations")["status"] != "draft":
            # Issued already (by a run stopped before it could note it, or on the pages): wait for it.
            filing["issued"] = True
            return True
        print(f"  draft {filing['id']}: form not issued yet\n    {error}")
        return False
    filing["issued"] = True
    print(f"  draft {filing['id']}: form issued, codes sent to {', '.join(answer['sent_to'])}")
    return True


def poll_confirmations(api: Api, filing: dict) -> None:
    """Read the owners' confirmations of the form; mark the filing confirmed once every owner has."""
    answer = api.get(f"/filings/{filing['id']}/confirmations")
    parties = answer["parties"]
    done = sum(1 for party in parties if party["confirmed"])
    if answer["status"] == "draft":
        # The draft was changed since (on the pages): its form must be issued again.
        filing["issued"] = False
        print(f"  draft {filing['id']}: changed since its form was issued; issuing it again")
        return
    if parties and done == len(parties) and not answer["awaiting_confirmation"]:
        filing["confirmed"] = True
    seen = f"{done}/{len(parties)}"
    if filing.get("seen") != seen:
        filing["seen"] = seen
        waiting = [party["name"] for party in parties if not party["confirmed"]]
        print(
            f"  draft {filing['id']}: {seen} owners confirmed"
            + (f", waiting for {', '.join(waiting)}" if waiting else " — form issued")
        )


def submit(api: Api, filing: dict, signatures: Path) -> None:
    """Upload the signed signature page DIR/<flow number>.pdf and submit (确认填报), once per Idempotency-Key."""
    flow_number = api.get(f"/filings/{filing['id']}")["flow_number"]
    page = signatures / f"{flow_number}.pdf"
    if not page.is_file():
        print(f"  draft {filing['id']}: no signed page {page} yet (print the form, sign it, scan it)")
        return
    try:
        if not filing.get("signed"):
            api.upload(f"/filings/{filing['id']}/signature-page", page)
            filing["signed"] = True
        # The key is kept before the request: a retry after a lost answer sends it again and gets the same
        # answer, never a second submission.
        filing.setdefault("idempotency_key", str(uuid.uuid4()))
        answer = api.post(
            f"/filings/{filing['id']}/submit", headers={"Idempotency-Key": filing["idempotency_key"]}
        )
    except (ApiError, OSError) as error:
        print(f"  draft {filing['id']}: not submitted\n    {error}")
        return
    filing["submitted"] = True
    print(f"  draft {filing['id']}: submitted ({flow_number}), {answer['status_label']}")


# --- The program ---------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    api = Api(args.base_url, args.token)
    state = Path(args.state)
    refused = 0
    if args.resume:
        filings = load_state(state)
        print(f"Resuming {len(filings)} drafts from {state}")
    else:
        if state.exists():
            print(f"{state} exists: resume it with --resume, or choose another --state.", file=sys.stderr)
            return EXIT_USAGE
        csv_path = Path(args.csv)
        deposits = Path(args.deposits) if args.deposits else csv_path.parent
        drafts = read_rows(csv_path, deposits, field_types(api))
        print(f"Creating {len(drafts)} drafts from {csv_path}")
        filings, refused = create_drafts(api, drafts, state)

    print("Uploading the deposits and issuing the forms")
    for filing in filings:
        if not filing["issued"] and upload_deposits(api, filing):
            issue_form(api, filing)
        save_state(state, filings)

    print("Waiting for the owners' confirmations")
    deadline = time.monotonic() + args.timeout
    next_issue = time.monotonic() + args.issue_retry_seconds
    while True:
        for filing in filings:
            if filing["issued"] and not filing["confirmed"]:
                poll_confirmations(api, filing)
        if time.monotonic() >= next_issue:
            # The forms whose codes could not be sent: try again now that the limits may allow it.
            for filing in filings:
                if not filing["issued"] and upload_deposits(api, filing):
                    issue_form(api, filing)
            next_issue = time.monotonic() + args.issue_retry_seconds
        save_state(state, filings)
        confirmed = sum(1 for filing in filings if filing["confirmed"])
        print(f"[{time.strftime('%H:%M:%S')}] {confirmed}/{len(filings)} drafts confirmed by every owner")
        if confirmed == len(filings) or time.monotonic() >= deadline:
            break
        time.sleep(args.poll_seconds)

    if args.submit_with_signature:
        print("Submitting the confirmed filings")
        for filing in filings:
            if filing["confirmed"] and not filing.get("submitted"):
                submit(api, filing, Path(args.submit_with_signature))
        save_state(state, filings)

    waiting = [filing for filing in filings if not filing["confirmed"]]
    if waiting:
        print(
            f"Still waiting for {len(waiting)} drafts: "
            + ", ".join(str(filing["id"]) for filing in waiting)
            + f". Run again with --resume --state {state} to carry on."
        )
        return EXIT_WAITING
    unsubmitted = args.submit_with_signature and any(not filing.get("submitted") for filing in filings)
    if refused or unsubmitted:
        return EXIT_REFUSED
    print("Done: every draft confirmed by every owner.")
    return EXIT_OK


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the portal, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--token", default=os.environ.get("RUANZHU_TOKEN"), help="an API token (default: $RUANZHU_TOKEN)"
    )
    parser.add_argument("--csv", help="the drafts, one row per software (see docs/examples/drafts.csv)")
    parser.add_argument(
        "--deposits", help="the folder of the deposit PDFs named in the CSV (default: its own)"
    )
    parser.add_argument("--state", default="agent_client_state.json", help="where to keep what was done")
    parser.add_argument("--resume", action="store_true", help="carry on with the drafts of the state file")
    parser.add_argument("--poll-seconds", type=float, default=30, help="between two polls (default 30)")
    parser.add_argument("--timeout", type=float, default=3600, help="stop waiting after this (default 3600)")
    parser.add_argument(
        "--issue-retry-seconds",
        type=float,
        default=61,
        help="between two tries of a form whose codes could not be sent (default 61)",
    )
    parser.add_argument(
        "--submit-with-signature",
        metavar="DIR",
        help="then upload DIR/<flow number>.pdf as each signed signature page and submit (token scope submit)",
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set RUANZHU_TOKEN")
    if not args.resume and not args.csv:
        parser.error("give --csv (or --resume)")
    if urllib.parse.urlsplit(args.base_url).scheme not in ("http", "https"):
        parser.error("--base-url must start with http:// or https://")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except ApiError as error:
        # A whole request refused (a bad token, a missing scope …): nothing more can be done.
        print(f"The API refused the request:\n    {error}", file=sys.stderr)
        return EXIT_REFUSED if error.status else EXIT_USAGE
    except (OSError, ValueError, KeyError) as error:
        print(f"Cannot go on: {error!r}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
