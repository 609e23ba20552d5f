"""The production topology end to end, over real HTTPS through nginx (scripts/topology.sh).

Run on demand: ``make topology-test`` or ``pytest -m topology tests/topology``. A topology already up is used
as it is and left running; otherwise one is brought up for these tests and taken down after them.
"""

import http.client
import io
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from PIL import Image

from scripts.sms_sink import latest_code

pytestmark = pytest.mark.topology

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = ROOT / "scripts" / "topology.sh"
TOPOLOGY_DIR = Path(os.environ.get("TOPOLOGY_DIR", ROOT / "var" / "topology")).resolve()
MB = 1024 * 1024
PASSWORD = "Topology-test-passw0rd"


def _read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and line[0] != "#")
    return {key: value for key, value in pairs}


def _wait_for(predicate, *, what: str, seconds: float = 60):
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture(scope="module")
def topology():
    """The topology's env (topology.env); brought up here, and down afterwards, unless it was already up."""
    env_file = TOPOLOGY_DIR / "topology.env"
    reused = env_file.exists() and subprocess.run([TOPOLOGY, "status"], check=False).returncode == 0
    if not reused:
        subprocess.run([TOPOLOGY, "up"], check=True, timeout=600)
    try:
        yield _read_env(env_file)
    finally:
        if not reused:
            subprocess.run([TOPOLOGY, "down"], check=True, timeout=300)


def _session(topology) -> requests.Session:
    """A client that trusts the topology's certificate (not a CA bundle named in the environment) and no proxy."""
    session = requests.Session()
    session.trust_env = False
    session.verify = topology["TLS_CA_FILE"]
    return session


@pytest.fixture
def client(topology):
    return _session(topology)


def _from_django(response: requests.Response) -> bool:
    # Django sets a Content-Security-Policy on every response; nginx's own pages have none.
    return "Content-Security-Policy" in response.headers


def _csrf_token(page: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {page.url}"
    return match.group(1)


def _post_form(client, base: str, path: str, data: dict, **kwargs) -> requests.Response:
    """GET the page, then POST ``data`` to it with its CSRF token, as a browser does."""
    page = client.get(base + path)
    assert page.status_code == 200, (path, page.status_code)
    return client.post(
        base + path,
        data={"csrfmiddlewaretoken": _csrf_token(page), **data},
        headers={"Referer": base + path},
        allow_redirects=False,
        **kwargs,
    )


def _signup(client, topology) -> dict:
    """Sign up a new individual account with the code the SMS sink received; return its details."""
    base = topology["BASE_URL"]
    national = "139" + "".join(secrets.choice("0123456789") for _ in range(8))
    account = {
        "username": f"topo{secrets.token_hex(4)}",
        "phone": "+86" + national,
        "email": f"topo{secrets.token_hex(4)}@example.com",
    }
    accepted = _post_form(client, base, "/accounts/signup/", {})
    assert accepted.status_code == 302
    sent = _post_form(
        client, base, "/accounts/signup/individual/", {"action": "send_code", "phone": national}
    )
    assert sent.status_code == 200
    code = _wait_for(
        lambda: latest_code(topology["SMS_SINK_FILE"], phone=account["phone"]),
        what="the sign-up code to reach the SMS sink",
    )
    created = _post_form(
        client,
        base,
        "/accounts/signup/individual/",
        {
            "action": "register",
            "username": account["username"],
            "password": PASSWORD,
            "password_again": PASSWORD,
            "phone": national,
            "code": code,
            "email": account["email"],
        },
    )
    assert created.status_code == 302, created.text[:2000]
    assert created.headers["Location"] == "/accounts/signup/done/"
    account["session_cookie"] = next(cookie for cookie in client.cookies if cookie.name == "sessionid")
    return account


@pytest.fixture(scope="module")
def account(topology):
    return _signup(_session(topology), topology)


def test_probes_answer_through_nginx(topology, client):
    for path in ("/healthz", "/readyz"):
        assert client.get(topology["BASE_URL"] + path).status_code == 200
        # Load balancers probe over plain HTTP: answered there too, not redirected.
        assert client.get(topology["HTTP_URL"] + path, allow_redirects=False).status_code == 200


def test_https_offers_http2(topology):
    url = urlsplit(topology["BASE_URL"])
    context = ssl.create_default_context(cafile=topology["TLS_CA_FILE"])
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection((url.hostname, url.port)) as raw,
        context.wrap_socket(raw, server_hostname=url.hostname) as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"


def test_home_page_is_served_with_hsts(topology, client):
    response = client.get(topology["BASE_URL"] + "/")
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_cookies_are_secure(topology, client):
    client.get(topology["BASE_URL"] + "/accounts/login/")
    _post_form(client, topology["BASE_URL"], "/accounts/signup/", {})
    cookies = {cookie.name: cookie for cookie in client.cookies}
    assert {"csrftoken", "sessionid"} <= set(cookies)
    assert all(cookie.secure for cookie in cookies.values())
    assert cookies["sessionid"].has_nonstandard_attr("HttpOnly")


def test_plain_http_redirects_to_https(topology, client):
    response = client.get(topology["HTTP_URL"] + "/accounts/login/?next=/", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == topology["BASE_URL"] + "/accounts/login/?next=/"


def test_static_files_are_served_by_nginx_with_long_cache_for_hashed_names(topology, client):
    static = Path(topology["TOPOLOGY_DIR"]) / "static"
    hashed = next(
        path for path in static.rglob("*.css") if re.search(r"\.[0-9a-f]{12}\.css$", path.name)
    ).relative_to(static)
    response = client.get(f"{topology['BASE_URL']}/static/{hashed}")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert not _from_django(response)


@pytest.mark.parametrize(
    ("path", "accepted", "refused"),
    [
        pytest.param("/identity/documents/id_front/upload/", 11 * MB // 2, 13 * MB // 2, id="identity-6m"),
        pytest.param("/agents/mandates/1/signed-letter/upload/", 21 * MB // 2, 23 * MB // 2, id="letter-11m"),
        pytest.param("/services/examination/filings/1/correction/", 30 * MB, 122 * MB, id="correction-121m"),
        pytest.param(
            "/services/filings/1/documents/program_deposit/build/", 50 * MB, 52 * MB, id="deposit-build-51m"
        ),
        pytest.param("/accounts/login/", 41 * MB // 2, 22 * MB, id="elsewhere-21m"),
    ],
)
def test_upload_limits_per_location(topology, client, path, accepted, refused):
    url = topology["BASE_URL"] + path
    headers = {"Content-Type": "application/octet-stream"}
    too_big = client.post(url, data=bytes(refused), headers=headers, allow_redirects=False)
    assert too_big.status_code == 413
    assert not _from_django(too_big)
    # Below the location's limit the body reaches Django, which refuses it for its own reasons (no CSRF token).
    passed = client.post(url, data=bytes(accepted), headers=headers, allow_redirects=False)
    assert passed.status_code != 413
    assert _from_django(passed)


def test_a_body_refused_unread_leaves_the_connection_to_gunicorn_open(topology):
    # Otherwise gunicorn resets the connection while nginx still sends the body, and nginx answers 502.
    web = urlsplit(topology["WEB1_URL"])
    connection = http.client.HTTPConnection(web.hostname, web.port, timeout=30)
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Content-Type": "application/octet-stream"}
    connection.request("POST", "/accounts/login/", body=bytes(2 * MB), headers=headers)
    refused = connection.getresponse()
    refused.read()
    assert refused.status == 403
    connection.request("GET", "/healthz", headers=headers)
    assert connection.getresponse().status == 200
    connection.close()


def test_metrics_are_refused_through_nginx(topology, client):
    response = client.get(topology["BASE_URL"] + "/metrics")
    assert response.status_code == 403
    assert not _from_django(response)
    # The instances themselves answer their scraper on loopback.
    assert client.get(topology["WEB1_URL"] + "/metrics").status_code == 200


def test_both_instances_serve(topology, client):
    log = Path(topology["TOPOLOGY_DIR"]) / "logs" / "nginx-access.log"
    before = log.stat().st_size
    for _ in range(20):
        assert client.get(topology["BASE_URL"] + "/healthz").status_code == 200
    with log.open() as lines:
        lines.seek(before)
        upstreams = set(re.findall(r"127\.0\.0\.1:(\d+)", lines.read()))
    ports = {urlsplit(topology[name]).port for name in ("WEB1_URL", "WEB2_URL")}
    assert {str(port) for port in ports} <= upstreams


def test_site_answers_while_an_instance_is_killed_and_restarted(topology, client):
    pid_file = Path(topology["TOPOLOGY_DIR"]) / "pids" / "web1.pid"
    killed = int(pid_file.read_text())
    os.kill(killed, signal.SIGKILL)
    for _ in range(20):
        assert client.get(topology["BASE_URL"] + "/readyz").status_code == 200
    # The supervisor starts it again, as systemd would.
    _wait_for(
        lambda: pid_file.exists() and int(pid_file.read_text() or 0) not in (0, killed),
        what="web1 to be started again",
    )
    _wait_for(lambda: _answers(client, topology["WEB1_URL"] + "/healthz"), what="web1 to answer again")


def _answers(client: requests.Session, url: str) -> bool:
    try:
        return client.get(url, timeout=2).status_code == 200
    except requests.RequestException:  # refused, or accepted before a worker is ready
        return False


def test_signup_with_the_code_from_the_sms_sink(topology, account):
    session = _session(topology)
    logged_in = _post_form(
        session,
        topology["BASE_URL"],
        "/accounts/login/",
        {"identifier": account["username"], "password": PASSWORD},
    )
    assert logged_in.status_code == 302
    profile = session.get(topology["BASE_URL"] + "/accounts/me/")
    assert profile.status_code == 200
    assert account["username"] in profile.text
    assert account["session_cookie"].secure


def test_private_upload_is_stored_in_the_bucket_as_ciphertext(topology, account):
    session = _session(topology)
    base = topology["BASE_URL"]
    logged_in = _post_form(
        session, base, "/accounts/login/", {"identifier": account["username"], "password": PASSWORD}
    )
    assert logged_in.status_code == 302
    bucket = boto3.resource(
        "s3",
        endpoint_url=topology["AWS_S3_ENDPOINT_URL"],
        region_name=topology["AWS_S3_REGION_NAME"],
        aws_access_key_id=topology["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=topology["AWS_SECRET_ACCESS_KEY"],
    ).Bucket(topology["AWS_STORAGE_BUCKET_NAME"])
    before = {item.key for item in bucket.objects.all()}
    photo = io.BytesIO()
    Image.effect_noise((1200, 900), 64).convert("RGB").save(photo, "JPEG", quality=90)
    page = session.get(base + "/identity/step/3/")
    uploaded = session.post(
        base + "/identity/documents/id_front/upload/",
        files={"file": ("front.jpg", photo.getvalue(), "image/jpeg")},
        data={"csrfmiddlewaretoken": _csrf_token(page)},
        headers={"Referer": base + "/identity/step/3/"},
        allow_redirects=False,
    )
    assert uploaded.status_code == 302
    new = [bucket.Object(key).get()["Body"].read() for key in {o.key for o in bucket.objects.all()} - before]
    assert len(new) == 1
    stored = new[0]
    assert not stored.startswith(b"\xff\xd8")  # no JPEG in clear
    assert b"JFIF" not in stored and b"Exif" not in stored
