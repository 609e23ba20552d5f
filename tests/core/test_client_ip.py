import os
import subprocess
import sys
from pathlib import Path

import pytest

from ruanzhu.core.http import client_ip

PROXY = "10.0.0.5"
ROOT = Path(__file__).resolve().parents[2]


def request_from(rf, *, remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_without_proxies_the_peer_address_is_the_client(rf, settings):
    settings.PROXY_COUNT = 0
    request = request_from(rf, remote="203.0.113.7", forwarded="198.51.100.1")
    assert client_ip(request) == "203.0.113.7"


def test_one_proxy_gives_the_last_forwarded_entry(rf, settings):
    settings.PROXY_COUNT = 1
    assert client_ip(request_from(rf, forwarded="203.0.113.7")) == "203.0.113.7"


def test_two_proxies_give_the_second_entry_from_the_end(rf, settings):
    settings.PROXY_COUNT = 2
    assert client_ip(request_from(rf, forwarded="203.0.113.7, 10.0.0.4")) == "203.0.113.7"


def test_entries_the_client_wrote_itself_are_ignored(rf, settings):
    settings.PROXY_COUNT = 1
    request = request_from(rf, forwarded="1.2.3.4, 5.6.7.8, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"
    settings.PROXY_COUNT = 2
    request = request_from(rf, forwarded="1.2.3.4, 203.0.113.7, 10.0.0.4")
    assert client_ip(request) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "203.0.113.7:4711", " , "])
def test_missing_or_malformed_header_falls_back_to_the_peer(rf, settings, forwarded):
    settings.PROXY_COUNT = 1
    assert client_ip(request_from(rf, forwarded=forwarded)) == PROXY


def test_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(rf, settings):
    settings.PROXY_COUNT = 2
    assert client_ip(request_from(rf, forwarded="203.0.113.7")) == PROXY


def test_addresses_are_normalised_and_ipv6_is_understood(rf, settings):
    settings.PROXY_COUNT = 1
    assert client_ip(request_from(rf, forwarded=" 2001:DB8::1 ")) == "2001:db8::1"


def test_an_unreadable_peer_address_is_none(rf, settings):
    settings.PROXY_COUNT = 0
    assert client_ip(request_from(rf, remote="not-an-address")) is None


def test_audit_log_records_the_forwarded_client(rf, settings, db):
    from ruanzhu.core.models import AuditEntry
    from ruanzhu.core.services import audit_record

    settings.PROXY_COUNT = 1
    entry = audit_record(
        actor=None, action=AuditEntry.Action.EXPORT_DATA, request=request_from(rf, forwarded="203.0.113.7")
    )
    entry.refresh_from_db()
    assert entry.ip == "203.0.113.7"


def test_a_negative_proxy_count_is_refused_at_start():
    environment = {**os.environ, "PROXY_COUNT": "-1"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "PROXY_COUNT" in result.stderr
