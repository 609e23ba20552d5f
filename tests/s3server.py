"""An S3-compatible server on loopback for tests: moto's standalone server, run as a subprocess.

``S3Server`` starts ``moto_server`` on a free port of 127.0.0.1, waits until it answers and stops it on exit;
``S3Server.create_bucket`` makes a fresh, empty bucket, and ``S3Server.storage_options`` gives the
``STORAGES["default"]`` entry that points django-storages at a bucket of that server.
"""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"
_START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _moto_server_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("moto_server")
    found = str(beside_python) if beside_python.exists() else shutil.which("moto_server")
    if not found:
        raise RuntimeError("moto_server is not installed: pip install 'moto[server]'")
    return [found]


@dataclass(frozen=True)
class S3Bucket:
    """A fresh bucket on the test server, with a boto3 client to look at the stored objects directly."""

    name: str
    client: Any
    endpoint_url: str


class S3Server:
    """A moto S3 server on 127.0.0.1 for the length of a ``with`` block (or between start() and stop())."""

    def __init__(self) -> None:
        self.port = 0
        self.endpoint_url = ""
        self._process: subprocess.Popen | None = None

    def start(self) -> "S3Server":
        """Start the server on a free port and return once it answers."""
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        self._process = subprocess.Popen(
            [*_moto_server_command(), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with code {self._process.returncode}")
            probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                probe.request("GET", "/moto-api/")
                probe.getresponse().read()
                return self
            except OSError:
                time.sleep(0.1)
            finally:
                probe.close()
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.endpoint_url} within {_START_TIMEOUT}s")

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> "S3Server":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def client(self):
        """Return a boto3 S3 client for this server."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def create_bucket(self, prefix: str = "ruanzhu-test") -> str:
        """Create a fresh, empty bucket and return its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage_options(self, bucket: str) -> dict[str, Any]:
        """Return the ``STORAGES["default"]`` entry of a private S3 storage on ``bucket`` of this server.

        The options are those config/settings.py gives a bucket, with path-style addressing for loopback.
        """
        transfer_config = TransferConfig(
            multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=2
        )
        transfer_config.max_in_memory_upload_chunks = 2
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint_url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "object_parameters": {"ContentType": "application/octet-stream"},
                "client_config": Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    connect_timeout=2,
                    read_timeout=10,
                    retries={"max_attempts": 2, "mode": "standard"},
                ),
                "transfer_config": transfer_config,
            },
        }
