"""No URL of the portal answers a server error, whatever is put in its path or its query string.

Every pattern of the URL conf (the admin's included) is asked with hostile values in each path parameter:
Unicode digits that str.isdigit() accepts and int() refuses or misreads, NUL and other control characters, huge
and negative numbers, very long strings, percent encodings and slashes. First every such value in every
parameter of every pattern, the other parameters naming real objects, as a persona who may use the URL; then
Hypothesis mixes random values, query strings and form bodies, personas and methods. Paths are built from each
pattern's route or regex, not with reverse(), so that values the converters refuse are sent too. Every answer
must be below 500, on SQLite and on PostgreSQL (which refuses NUL in text). Each request runs in a savepoint
rolled back afterwards, so that the portal stays as built for the next.
"""

import itertools
import re
import time
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.urls.resolvers import RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruanzhu.notifications.services import notify
from tests.security.matrix import METHODS, PERSONAS, TABLE, admin_kwargs
from tests.security.routes import Route, path_of, routes

# The personas who open different parts of the portal: the public pages, an applicant's, an agent's, the staff's.
FUZZ_PERSONAS = ("anonymous", "applicant", "agent", "examiner", "identity_reviewer")
# Random examples per pattern, after the sweep of every hostile value: the whole test stays within about a
# minute. The admin's patterns are Django's own and refuse every persona but staff: fewer there.
EXAMPLES_PER_ROUTE = 25
EXAMPLES_PER_ADMIN_ROUTE = 5

NASTY = [
    "²",
    "٣",
    "１２",
    "𝟙",
    "0",
    "00",
    "-1",
    "+1",
    "1.5",
    "1e9",
    "9" * 19,
    "9" * 40,
    "-9223372036854775809",
    "18446744073709551616",
    "\x00",
    "1\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\u202e",
    "\ufeff",
    "\ud7ff",
    "😀",
    "x" * 3000,
    "中" * 500,
    "%00",
    "%",
    "%zz",
    "%2F",
    "%252F",
    "%C0%AE",
    "..",
    "../..",
    "a/b",
    "/",
    "?",
    "#",
    ";",
    "'",
    '"',
    "\\",
    "<script>",
    "' OR 1=1 --",
    "null",
    "None",
    "true",
    "[]",
    "{}",
]
QUERY_KEYS = [
    "action",
    "after",
    "back",
    "before",
    "checklist",
    "claimed",
    "code",
    "field",
    "file",
    "ground",
    "identifier",
    "kind",
    "language",
    "next",
    "note",
    "notification",
    "page",
    "party_id",
    "password",
    "phone",
    "province",
    "q",
    "reason",
    "size",
    "state",
    "status",
    "tab",
    "username",
]
# The characters a path may carry, the surrogates aside (not encodable, so never in a real request).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
VALUES = st.one_of(st.sampled_from(NASTY), TEXT, st.integers().map(str))


def parameter_regexes(route: Route) -> dict[str, str]:
    """Return the regex each path parameter of ``route`` matches."""
    regexes = {}
    for pattern in route.patterns:
        if isinstance(pattern, RoutePattern):
            regexes.update({name: converter.regex for name, converter in pattern.converters.items()})
        else:
            regexes.update(dict(re.findall(r"\(\?P<(\w+)>([^()]*)\)", pattern.regex.pattern)))
    return regexes


def parameter_value(regex: str) -> st.SearchStrategy[str]:
    """Values for one path parameter: mostly hostile, sometimes of the right shape (to reach the view)."""
    return st.one_of(VALUES, st.from_regex(regex, fullmatch=True))


def encoded(value: str, how: str) -> str:
    """Write ``value`` into a path percent-encoded, with its slashes and percent signs left as they are, or raw."""
    if how == "quoted":
        return quote(value, safe="")
    if how == "slashes kept":
        return quote(value, safe="/%")
    return value


@st.composite
def requests_for(draw, route: Route):
    """A request to ``route``: who, which method, the path and the query string or form body."""
    how = draw(st.sampled_from(["quoted", "slashes kept", "raw"]))
    values = {
        name: encoded(draw(parameter_value(regex)), how) for name, regex in parameter_regexes(route).items()
    }
    data = draw(st.dictionaries(st.one_of(st.sampled_from(QUERY_KEYS), TEXT), VALUES, max_size=4))
    return {
        "persona": draw(st.sampled_from(FUZZ_PERSONAS)),
        "method": draw(st.sampled_from(["get", "post"])),
        "path": path_of(route, values),
        "data": data,
    }


def send(client, request: dict):
    """Send ``request``: the data as query string of a GET, as form body (and query string) of a POST."""
    query = urlencode(request["data"], doseq=True)
    path = f"{request['path']}?{query}" if query else request["path"]
    if request["method"] == "get":
        return client.get(path)
    return client.post(path, request["data"])


def fuzz(route: Route, clients: dict, counter: list) -> None:
    """Send random requests to ``route``; fail on the first answer of 500 or more (or exception)."""
    examples = EXAMPLES_PER_ADMIN_ROUTE if route.is_admin else EXAMPLES_PER_ROUTE

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests_for(route))
    def run(request):
        counter.append(1)
        with transaction.atomic():
            response = send(clients[request["persona"]], request)
            transaction.set_rollback(True)
        assert response.status_code < 500, (route.template, request)

    run()


def allowed_persona(route: Route) -> str:
    """Return a persona the matrix lets use ``route`` (to reach as deep as it goes), else the applicant."""
    if route.is_admin:
        return "examiner"
    for entry in TABLE.values():
        if entry.name == route.name:
            for method, persona in itertools.product(METHODS, PERSONAS):
                if entry.outcome(method, persona) in {"200", "302", "no", "400"}:
                    return persona
    return "applicant"


def real_values(route: Route, world) -> dict[str, str]:
    """Return path arguments of ``route`` that name real objects (those the URL matrix asks about)."""
    if route.is_admin:
        return {name: str(value) for name, value in admin_kwargs(route, world)[0].items()}
    entry = next(entry for entry in TABLE.values() if entry.name == route.name)
    return {name: str(value) for name, value in entry.kwargs(world, route.parameters).items()}


def sweep(route: Route, world, counter: list) -> list[str]:
    """Put every hostile value into each path parameter of ``route`` in turn; return the requests that failed."""
    client = world.clients[allowed_persona(route)]
    real = real_values(route, world)
    failures = []
    for name in route.parameters:
        for value in NASTY:
            path = path_of(route, {**real, name: quote(value, safe="")})
            for method in METHODS:
                counter.append(1)
                try:
                    with transaction.atomic():
                        status = getattr(client, method)(path).status_code
                        transaction.set_rollback(True)
                except Exception as error:  # the test client raises what the view raised: a 500
                    failures.append(f"{method.upper()} {path}: {error!r}"[:300])
                else:
                    if status >= 500:
                        failures.append(f"{method.upper()} {path}: {status}")
    return failures


def test_no_url_answers_a_server_error(world):
    every_route = routes()
    started, swept = time.monotonic(), []
    failures = [failure for route in every_route for failure in sweep(route, world, swept)]
    assert not failures, "\n".join(failures)
    sweep_seconds, fuzzed = time.monotonic() - started, []
    clients = {persona: world.clients[persona] for persona in FUZZ_PERSONAS}
    for route in every_route:
        fuzz(route, clients, fuzzed)
    print(
        f"URL fuzzing: {len(every_route)} patterns; {len(swept)} requests with every hostile value in every "
        f"parameter ({sweep_seconds:.1f} s); {len(fuzzed)} Hypothesis examples "
        f"({time.monotonic() - started - sweep_seconds:.1f} s)"
    )


# --- What was seen to break, kept as fixed cases -----------------------------------------------------------------
PATHS = [
    "/registry/verify/%00/",
    "/registry/%00/",
    "/registry/2026SR%000123456/",
    "/services/forms/%00/",
    "/identity/documents/%00/",
    "/identity/documents/%00/row/",
    "/staff/identity/1/documents/%00/",
    "/staff/examination/1/documents/%00/",
    "/services/filings/1/documents/%00/",
    "/services/filings/1/edit/%00/",
    "/services/software/%00/start/",
    "/accounts/signup/%00/",
    "/services/filings/99999999999999999999999/",
    "/agents/mandates/99999999999999999999999/",
    "/services/filings/%C2%B2/",
]


def test_odd_path_parameters_are_not_found(clients):
    for persona in ("anonymous", "applicant", "identity_reviewer", "examiner"):
        for path in PATHS:
            assert clients[persona].get(path).status_code == 404, (persona, path)


def test_a_message_id_that_is_no_number_is_a_bad_request(people, clients):
    notification = notify(
        recipient=people["applicant"], title="补正通知", body="请补正", sms=False, email=False
    )

    for value in ["²", "٣", "\x00", "-1", "0", "1" * 40, "1.0", " 1"]:
        response = clients["applicant"].post("/messages/read/", {"notification": value})

        assert response.status_code == 400, value
        notification.refresh_from_db()
        assert notification.read_at is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # NFKC folds a superscript to its digit, as it folds full-width ones: the number is then checked as typed.
        ("11010519900101²00X", "居民身份证号码校验位不正确"),
        ("11010519900101٣00X", "居民身份证号码格式不正确"),  # a digit of another script is not folded
    ],
)
def test_an_id_number_with_a_digit_that_is_not_ascii_gets_a_message(client, applicant, typed, message):
    client.force_login(applicant)
    client.post("/identity/step/1/", {"nationality": "中国", "id_type": "resident_id"})

    response = client.post(
        "/identity/step/2/",
        {
            "real_name": "张三",
            "id_number": typed,
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not applicant.verifications.exclude(id_number="").exists()
