from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from ruanzhu.core.middleware import PERMISSIONS_POLICY, BrowserPolicyMiddleware

DENIED = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def test_permissions_policy_denies_the_features_no_page_uses():
    assert all(feature in PERMISSIONS_POLICY.split(", ") for feature in DENIED)


def test_every_response_carries_the_permissions_policy(client, alice):
    responses = [
        client.get(reverse("home")),
        client.get("/no-such-page/"),
        client.get("/static/js/ruanzhu.js"),
        Client(enforce_csrf_checks=True).post(reverse("accounts:login"), {"identifier": "alice"}),
    ]
    client.force_login(alice)
    responses.append(client.get(reverse("filings:catalog")))
    assert [response["Permissions-Policy"] for response in responses] == [PERMISSIONS_POLICY] * 5


def test_pages_for_a_logged_in_user_are_not_stored(client, alice):
    client.force_login(alice)
    for url in (reverse("home"), reverse("filings:catalog"), reverse("agents:mandates"), "/no-such-page/"):
        assert client.get(url)["Cache-Control"] == "private, no-store", url


def test_public_pages_for_visitors_keep_their_caching(client):
    assert not client.get(reverse("home")).has_header("Cache-Control")


def test_a_page_that_sets_its_own_cache_control_keeps_it(rf, alice):
    request = rf.get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "present"
    request.user = alice
    response = HttpResponse()
    response["Cache-Control"] = "max-age=60"
    assert BrowserPolicyMiddleware(lambda request: response)(request)["Cache-Control"] == "max-age=60"
    assert BrowserPolicyMiddleware(lambda request: HttpResponse())(request)["Cache-Control"] == (
        "private, no-store"
    )


def test_a_view_that_set_its_own_permissions_policy_keeps_it(rf):
    response = HttpResponse()
    response["Permissions-Policy"] = "fullscreen=(self)"
    assert BrowserPolicyMiddleware(lambda request: response)(rf.get("/"))["Permissions-Policy"] == (
        "fullscreen=(self)"
    )
