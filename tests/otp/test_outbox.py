import importlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import Resolver404, clear_url_caches, resolve

import config.urls
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.selectors import latest_code_in_outbox

pytestmark = pytest.mark.django_db

OTHER = "+8613900139000"


def outbox_command(*args) -> str:
    out = StringIO()
    call_command("sms_outbox", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_messages(send_now, phone, clock):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    clock.advance(5)
    send_now(phone=OTHER, purpose=Purpose.PASSWORD_RESET)
    return latest_code_in_outbox(phone), latest_code_in_outbox(OTHER)


def test_outbox_command_prints_messages_newest_first(two_messages, phone):
    code, other_code = two_messages

    lines = outbox_command().splitlines()

    assert len(lines) == 2
    assert OTHER in lines[0] and other_code in lines[0] and "用于重置密码" in lines[0]
    assert phone in lines[1] and code in lines[1]


def test_outbox_command_filters_by_phone_in_any_notation(two_messages):
    code, _other_code = two_messages

    lines = outbox_command("--phone", "138 0013 8000").splitlines()

    assert len(lines) == 1
    assert code in lines[0]


def test_outbox_command_limit(two_messages):
    assert len(outbox_command("--limit", "1").splitlines()) == 1


def test_outbox_command_on_empty_outbox_says_so():
    assert outbox_command() == "The SMS outbox is empty.\n"


def test_outbox_command_refuses_a_bad_phone():
    with pytest.raises(CommandError, match="--phone"):
        outbox_command("--phone", "12345")


@pytest.fixture
def debug_urls(settings):
    settings.ROOT_URLCONF = "tests.otp.urls_debug"
    return settings


def test_outbox_page_lists_messages_with_debug(client, debug_urls, two_messages, phone):
    debug_urls.DEBUG = True
    code, other_code = two_messages

    response = client.get("/dev/outbox/")

    assert response.status_code == 200
    text = response.content.decode()
    assert code in text and other_code in text
    assert text.index(other_code) < text.index(code)


def test_outbox_page_filters_by_phone(client, debug_urls, two_messages):
    debug_urls.DEBUG = True
    code, other_code = two_messages

    response = client.get("/dev/outbox/", {"phone": "13900139000"})

    assert response.status_code == 200
    text = response.content.decode()
    assert other_code in text and code not in text


def test_outbox_page_is_404_without_debug_even_when_mounted(client, debug_urls, two_messages):
    debug_urls.DEBUG = False
    code, _other_code = two_messages

    response = client.get("/dev/outbox/")

    assert response.status_code == 404
    assert code not in response.content.decode()


@pytest.fixture
def reload_project_urls(settings):
    def reload(*, debug: bool):
        settings.DEBUG = debug
        importlib.reload(config.urls)
        clear_url_caches()

    yield reload
    reload(debug=False)


def test_project_mounts_the_outbox_page_only_with_debug(reload_project_urls):
    reload_project_urls(debug=False)
    with pytest.raises(Resolver404):
        resolve("/dev/outbox/", urlconf="config.urls")

    reload_project_urls(debug=True)
    assert resolve("/dev/outbox/", urlconf="config.urls").view_name == "dev:outbox"
