"""Every URL of the portal × every persona × GET and POST answers as tests/security/matrix.py says.

The URLs are read from the URL conf, not listed: a URL added without an entry in the table fails the suite. A
refused request (login page, 403, 404, 405, a redirect back with a message, a 400) must change nothing: no
statement of the request wrote a row (sessions aside), no file appeared in private storage, and the digest of
every table is the same after the whole run. An allowed request may change things; it runs in a savepoint
rolled back afterwards, so that every cell sees the portal as built.
"""

import copy
import time
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.db import connection, transaction
from django.urls import reverse

from tests.security.conftest import WriteRecorder, database_digest, storage_listing
from tests.security.matrix import (
    DEBUG_ONLY,
    METHODS,
    PERSONAS,
    TABLE,
    UNCHANGED,
    admin_kwargs,
    admin_outcome,
)
from tests.security.routes import path_of, routes

# Redirects that refuse, by where they lead.
REDIRECT_OUTCOMES = {
    "accounts:login": "login",
    "accounts:staff_login": "staff",
    "admin:login": "admin",
    "staff:home": "bench",
}


@dataclass
class Cell:
    key: str
    path: str
    method: str
    persona: str
    expected: str
    body: dict


def outcome_of(response) -> str:
    """Return the outcome of a response, in the words of the table."""
    if response.status_code != 302:
        return str(response.status_code)
    target = urlparse(response["Location"]).path
    for name, outcome in REDIRECT_OUTCOMES.items():
        if target == reverse(name):
            return outcome
    return "302"


def cells(world):
    """Yield every cell of the matrix: each URL pattern (about each of its objects), method and persona."""
    every_route = routes()
    by_name = {route.name: route for route in every_route if not route.is_admin}
    for entry in TABLE.values():
        route = by_name.get(entry.name)
        if route is None:
            continue  # a DEBUG-only URL while DEBUG is off
        kwargs = entry.kwargs(world, route.parameters)
        path = reverse(entry.name, kwargs=kwargs)
        body = entry.body(world, kwargs)
        for method in METHODS:
            for persona in PERSONAS:
                yield Cell(entry.key, path, method, persona, entry.outcome(method, persona), body)
    for route in every_route:
        if route.is_admin:
            kwargs, exists = admin_kwargs(route, world)
            path = reverse(route.name, kwargs=kwargs) if route.name else path_of(route, kwargs)
            for method in METHODS:
                for persona in PERSONAS:
                    expected = admin_outcome(route, method, persona, object_exists=exists)
                    yield Cell(route.name or route.template, path, method, persona, expected, {})


def cached_session(client) -> tuple[str, object] | None:
    """Return the cache key and cached data of the client's session, if the session engine caches it."""
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is None:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie.value)
    if not isinstance(store, cached_db.SessionStore):
        return None
    return store.cache_key, caches[settings.SESSION_CACHE_ALIAS].get(store.cache_key)


def restore_cached_session(saved: tuple[str, object] | None) -> None:
    """Put back the cached copy of a session, as the rollback put back its row."""
    if saved is not None:
        key, data = saved
        cache = caches[settings.SESSION_CACHE_ALIAS]
        if cache.get(key) != data:
            cache.delete(key)  # read again from the database, where the rollback restored it


def run(cell: Cell, world, storage) -> str | None:
    """Request ``cell``; return why it failed, or None."""
    client = world.clients[cell.persona]
    cookies = copy.deepcopy(client.cookies)
    session = cached_session(client)
    files = storage_listing(storage)
    recorder = WriteRecorder()
    unchanged = cell.expected in UNCHANGED
    with transaction.atomic(), connection.execute_wrapper(recorder):
        response = getattr(client, cell.method)(cell.path, cell.body if cell.method == "post" else None)
        # Whatever the request did (an allowed action, a session it opened) is undone: every cell sees the
        # portal as built.
        transaction.set_rollback(True)
    # A logout, a new session or what the request kept in it must not follow the persona into the next cell.
    client.cookies = cookies
    restore_cached_session(session)
    got = outcome_of(response)
    if got == "302" and cell.expected == "no":
        got = "no"  # which of the two is told by what the request changed, below
    where = f"{cell.key} {cell.method.upper()} {cell.path} as {cell.persona}"
    if got != cell.expected:
        return f"{where}: expected {cell.expected}, got {got}"
    if unchanged and recorder.writes:
        return f"{where}: refused ({got}) but wrote: {recorder.writes}"
    if unchanged and storage_listing(storage) != files:
        return f"{where}: refused ({got}) but changed private storage"
    return None


def test_every_url_pattern_has_an_entry():
    names = {route.name for route in routes() if not route.is_admin}
    assert None not in names, "every URL outside the admin has a name, so that the table can name it"
    keys = {entry.name for entry in TABLE.values()}
    assert names - keys == set(), "URL patterns without an entry in tests/security/matrix.py"
    stale = keys - names - DEBUG_ONLY
    assert stale == set(), "entries of tests/security/matrix.py for URLs that no longer exist"


def test_url_matrix(world, security_storage):
    started = time.monotonic()
    before = database_digest()
    every_cell = list(cells(world))
    failures = [failure for cell in every_cell if (failure := run(cell, world, security_storage))]
    assert database_digest() == before, "the refused requests changed the database"
    every_route = routes()
    admin = sum(route.is_admin for route in every_route)
    print(
        f"URL matrix: {len(every_route)} URL patterns ({admin} of the admin; {len(TABLE)} table entries for the "
        f"others, with their objects), {len(PERSONAS)} personas, {len(METHODS)} methods, {len(every_cell)} cells, "
        f"{time.monotonic() - started:.1f} s"
    )
    assert not failures, f"{len(failures)} of {len(every_cell)} cells differ:\n" + "\n".join(failures)
