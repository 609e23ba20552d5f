"""The cache and sessions on Redis ride out a Redis restart (settings.REDIS_CLIENT_OPTIONS), with the portal's
cache backend (ruanzhu.core.cache), which shares one client per connection pool.

Runs its own redis-server on a free port, so that restarting it touches nobody else's.
"""

import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from ruanzhu.core.cache import RedisCache

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server program")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.tmp_path = tmp_path
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.tmp_path,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def restart_after(self, seconds: float) -> threading.Thread:
        thread = threading.Thread(target=lambda: (time.sleep(seconds), self.start()))
        thread.start()
        return thread


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


def cache_on(server, options) -> RedisCache:
    return RedisCache(f"redis://127.0.0.1:{server.port}/0", {"OPTIONS": options})


def test_a_cache_call_during_a_restart_waits_for_redis_instead_of_failing(redis_server, settings):
    cache = cache_on(redis_server, settings.REDIS_CLIENT_OPTIONS)
    cache.set("before", "1")

    redis_server.kill()
    restart = redis_server.restart_after(0.5)
    cache.set("during", "2")
    restart.join()

    assert cache.get("during") == "2"
    assert cache.get("before") is None  # the restarted server is empty: sessions come back from the database


def test_without_the_retry_options_the_same_call_fails(redis_server):
    cache = cache_on(redis_server, {})
    cache.set("before", "1")

    redis_server.kill()
    restart = redis_server.restart_after(0.5)
    try:
        with pytest.raises(RedisConnectionError):
            cache.set("during", "2")
    finally:
        restart.join()


def test_a_redis_that_stays_down_fails_within_seconds(redis_server, settings):
    cache = cache_on(redis_server, settings.REDIS_CLIENT_OPTIONS)
    cache.set("before", "1")
    redis_server.kill()
    with pytest.raises(RedisConnectionError):
        cache.get("before")


def test_every_call_of_a_cache_uses_the_same_client_and_pool(redis_server, settings):
    cache = cache_on(redis_server, settings.REDIS_CLIENT_OPTIONS)
    first = cache._cache.get_client("a", write=True)
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
    assert cache._cache.get_client("b") is first
    assert first.connection_pool is cache._cache._get_connection_pool(False)


def test_a_second_cache_of_another_server_has_its_own_client(redis_server, settings):
    ours, theirs = (
        cache_on(redis_server, settings.REDIS_CLIENT_OPTIONS),
        RedisCache(f"redis://127.0.0.1:{redis_server.port}/1", {"OPTIONS": settings.REDIS_CLIENT_OPTIONS}),
    )
    ours.set("key", "ours")
    theirs.set("key", "theirs")
    assert (ours.get("key"), theirs.get("key")) == ("ours", "theirs")
    assert ours._cache.get_client() is not theirs._cache.get_client()
