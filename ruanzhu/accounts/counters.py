"""What the login throttle counts in the shared cache (Redis; local memory in development and some test runs).

- The budget of password hashes of an address: a token bucket kept as GCRA's theoretical arrival time, taken
  and refused in one atomic script, one round trip.
- The login attempts in flight under a throttle key, from before their password check until they end.

The database stays the record of failures (ruanzhu.accounts.throttle): nothing here needs to survive a restart
of Redis longer than a minute. Without Redis (any other cache backend) the same is done under a process lock,
which is enough for the one process such a cache serves.
"""

import logging
import math
import threading

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

logger = logging.getLogger(__name__)

# Seconds of rounding allowed, so that the last unit of a burst is not refused for a float's last digit.
BUDGET_TOLERANCE = 0.001

# Atomic on the server: read the theoretical arrival time, refuse or move it one interval on. KEYS[1]: the
# address; ARGV: now, the interval, the burst's span and the tolerance, in seconds. Returns "0" or the seconds
# to wait.
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local span = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local after = tat + interval
if after - now > span + tonumber(ARGV[4]) then
    return string.format('%.6f', after - now - span)
end
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', math.ceil((after - now) * 1000))
return '0'
"""

_redis = None
_redis_script = None
_local_lock = threading.Lock()


# --- Budgets ---------------------------------------------------------------------------------------------------


def budget_take(key: str, *, now: float, interval: float, span: float) -> float:
    """Return 0 after spending one unit under ``key``, or the seconds until one is available."""
    if isinstance(caches["default"], RedisCache):
        return float(
            _redis_gcra()(keys=[key], args=[repr(now), repr(interval), repr(span), repr(BUDGET_TOLERANCE)])
        )
    # Any other cache (development, a test run without Redis) lives in one process: a lock makes it atomic.
    with _local_lock:
        tat = max(cache.get(key, now), now)
        after = tat + interval
        if after - now > span + BUDGET_TOLERANCE:
            return after - now - span
        cache.set(key, after, timeout=math.ceil(after - now))
        return 0.0


def _redis_gcra():
    """Return the GCRA script, registered on the client of redis_client()."""
    global _redis_script
    client = redis_client()
    if _redis_script is None or _redis_script.registered_client is not client:
        _redis_script = client.register_script(GCRA_SCRIPT)
    return _redis_script


def redis_client() -> redis.Redis:
    """Return a client of the default cache's Redis server, made once per process (and per server)."""
    global _redis
    location = settings.CACHES["default"]["LOCATION"]
    if _redis is None or _redis[0] != location:
        _redis = (location, redis.Redis.from_url(location, **settings.CACHES["default"].get("OPTIONS", {})))
    return _redis[1]


# --- Attempts in flight: between the count and the check, in the shared cache -----------------------------------
# Under each key, a hash of the attempts under way: token -> "place:joined[:count]", the place given in the order
# of joining, the count being the one the attempt's failure made (set before that failure is committed). An entry
# with a count stays IN_FLIGHT_SECONDS more, so that an attempt which read the counts before that commit still
# sees the failure here, and one that read them after does not count it twice; a login removes its entry. An
# attempt that never ends (a crash, a form refusing a right password after authentication, like the admin's for
# a non-staff account) is forgotten IN_FLIGHT_SECONDS after it joined.

IN_FLIGHT_SECONDS = 30
IN_FLIGHT_PREFIX = "ruanzhu:login-in-flight:"
PLACE_FIELD = "#place"

# KEYS: the hashes; ARGV: the token, now, IN_FLIGHT_SECONDS. Drops the stale entries, adds this one, returns its
# place under each key.
IN_FLIGHT_JOIN_SCRIPT = """
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local places = {}
for i, name in ipairs(KEYS) do
    local entries = redis.call('HGETALL', name)
    for j = 1, #entries, 2 do
        if entries[j] ~= '#place' then
            local joined = tonumber(string.match(entries[j + 1], '^[^:]+:([^:]+)'))
            if joined < now - ttl then redis.call('HDEL', name, entries[j]) end
        end
    end
    local place = redis.call('HINCRBY', name, '#place', 1)
    redis.call('HSET', name, ARGV[1], place .. ':' .. ARGV[2])
    redis.call('EXPIRE', name, 2 * ttl)
    places[i] = place
end
return places
"""

_in_flight_script = None


def _in_flight_names(keys) -> list[str]:
    return [IN_FLIGHT_PREFIX + key for _scope, key in keys]


def in_flight_join(keys, *, token: str, now: float) -> tuple[int, ...]:
    """Add the attempt under every key; return its place under each."""
    global _in_flight_script
    names = _in_flight_names(keys)
    if isinstance(caches["default"], RedisCache):
        client = redis_client()
        if _in_flight_script is None or _in_flight_script.registered_client is not client:
            _in_flight_script = client.register_script(IN_FLIGHT_JOIN_SCRIPT)
        return tuple(_in_flight_script(keys=names, args=[token, repr(now), IN_FLIGHT_SECONDS]))
    with _local_lock:
        places = []
        for name in names:
            entries = {
                entry: value
                for entry, value in cache.get(name, {}).items()
                if entry == PLACE_FIELD or float(value.split(":")[1]) >= now - IN_FLIGHT_SECONDS
            }
            place = entries.get(PLACE_FIELD, 0) + 1
            entries[PLACE_FIELD] = place
            entries[token] = f"{place}:{now!r}"
            cache.set(name, entries, 2 * IN_FLIGHT_SECONDS)
            places.append(place)
        return tuple(places)


def in_flight_ahead(keys, *, places: tuple[int, ...], now: float) -> list[list[int | None]]:
    """Return, per key, the attempts ahead of ``places``: None for one under way, else the count it made."""
    names = _in_flight_names(keys)
    if isinstance(caches["default"], RedisCache):
        pipe = redis_client().pipeline(transaction=False)
        for name in names:
            pipe.hgetall(name)
        tables = [
            {entry.decode(): value.decode() for entry, value in table.items()} for table in pipe.execute()
        ]
    else:
        tables = [cache.get(name, {}) for name in names]
    ahead = []
    for table, mine in zip(tables, places, strict=True):
        others = []
        for entry, value in table.items():
            if entry == PLACE_FIELD:
                continue
            place, joined, *made = value.split(":")
            if int(place) < mine and float(joined) >= now - IN_FLIGHT_SECONDS:
                others.append(int(made[0]) if made else None)
        ahead.append(others)
    return ahead


def in_flight_mark(keys, *, token: str, places: tuple[int, ...], counts: dict[str, int]) -> None:
    """Record in the attempt's entries the counts its failure made."""
    if not places:
        return  # it never joined: Redis was down
    names = _in_flight_names(keys)
    joined = repr(timezone.now().timestamp())
    marks = {
        name: f"{place}:{joined}:{counts[key]}"
        for name, place, (_scope, key) in zip(names, places, keys, strict=True)
        if key in counts
    }
    if isinstance(caches["default"], RedisCache):
        pipe = redis_client().pipeline(transaction=False)
        for name, value in marks.items():
            pipe.hset(name, token, value)
            pipe.expire(name, 2 * IN_FLIGHT_SECONDS)
        _execute_quietly(pipe)
        return
    with _local_lock:
        for name, value in marks.items():
            entries = cache.get(name, {})
            entries[token] = value
            cache.set(name, entries, 2 * IN_FLIGHT_SECONDS)


def _execute_quietly(pipe) -> None:
    """Run a pipeline whose loss only leaves entries to expire: a Redis outage must not fail the login."""
    try:
        pipe.execute()
    except redis.RedisError:
        logger.exception("login attempts in flight: update lost")


def in_flight_leave(keys, *, token: str, forget=()) -> None:
    """Remove the attempt's entries; drop the whole hash of the keys in ``forget``, as their counts are."""
    names = _in_flight_names(keys)
    dropped = {IN_FLIGHT_PREFIX + key for key in forget}
    if isinstance(caches["default"], RedisCache):
        pipe = redis_client().pipeline(transaction=False)
        for name in names:
            if name in dropped:
                pipe.delete(name)
            else:
                pipe.hdel(name, token)
        _execute_quietly(pipe)
        return
    with _local_lock:
        for name in names:
            if name in dropped:
                cache.delete(name)
                continue
            entries = cache.get(name, {})
            if entries.pop(token, None) is not None:
                cache.set(name, entries, 2 * IN_FLIGHT_SECONDS)
