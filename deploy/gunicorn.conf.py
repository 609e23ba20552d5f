"""Gunicorn settings for the portal behind nginx; each value can be changed through the environment.

    gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:8001 config.wsgi

Threaded workers (gthread): nginx keeps connections to them open, a request waiting on the database, the object
store or the SMS provider holds one thread rather than a process, and a worker notices within a second that its
master died (a sync worker would keep the port for half the timeout). Request bodies arrive whole: nginx buffers
them first, so a slow client never holds a thread.
"""

import os
from pathlib import Path

import gunicorn.http.parser

from ruanzhu.core.logs import GUNICORN_ACCESS_LOG_FORMAT, gunicorn_logconfig_dict


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "config.wsgi"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
proc_name = "ruanzhu-web"

worker_class = "gthread"
# Two processes per CPU this process may run on, four threads each (GUNICORN_WORKERS, GUNICORN_THREADS).
workers = _int("GUNICORN_WORKERS", 2 * len(os.sched_getaffinity(0)))
threads = _int("GUNICORN_THREADS", 4)
# A worker whose main loop stops for this long is killed and replaced; requests themselves are bounded by
# nginx's proxy_read_timeout (60 s), and the correction upload (the largest) by its own.
timeout = _int("GUNICORN_TIMEOUT", 90)
# On SIGTERM (systemctl stop, a deploy's restart) requests in progress get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx opens a connection per request (no upstream keepalive, see deploy/nginx/ruanzhu.conf); this only matters
# for clients that talk to gunicorn directly, such as the Prometheus scraper.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Replace each worker after about a thousand requests, not all at the same moment.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# A response given before the request's body was read (an upload refused for its size, a missing CSRF token)
# must leave the connection open: gunicorn otherwise closes it while nginx is still sending the body, and nginx
# answers 502 instead of the refusal and takes the instance out of the upstream for fail_timeout. gunicorn
# drains only 64 KB of an unread body before closing, against slow clients; nginx is no slow client (it sends a
# body it already holds), so drain as much as nginx lets through (121 MB, a correction), within gunicorn's 5 s.
gunicorn.http.parser._DRAIN_MAX_BYTES = 128 * 1024 * 1024
# X-Forwarded-Proto is believed from these addresses only: the nginx machines.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files in memory: the disk may be slow or read-only (ProtectSystem=strict).
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - gunicorn's advice
# The control socket would be one per user (~/.gunicorn): instances of one user would share it.
control_socket_disable = True

# Logs on standard output and error (the journal), in the application's format (LOG_FORMAT: JSON in production):
# the access line has the method, the path without its query string, the status, the size, the duration and the
# request id, and no client address (ruanzhu.core.logs).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = GUNICORN_ACCESS_LOG_FORMAT
logconfig_dict = gunicorn_logconfig_dict()


def on_starting(server) -> None:
    """Empty the Prometheus directory of this instance: files of a previous run would add stale counts."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    """Drop the live gauges of a worker that exited (prometheus_client's multiprocess mode)."""
    # Imported when first needed: the module creates its samples on import, of no use to the master before.
    from ruanzhu.core.metrics import gunicorn_child_exit

    gunicorn_child_exit(server, worker)
