"""Throughput and peak memory of storing and reading an encrypted private file, on disk and on S3 (moto).

Run: .venv/bin/python bench/private_files_bench.py [--size-mb 20] [--runs 3]

For each storage it stores a file of ``--size-mb`` from a stream (encrypting on the fly), reads it back streamed
(``open_private_file``, as the download views do) and whole (``read_private_file``, as the PDF and image checks
do), and prints the median throughput and the peak of Python allocations (tracemalloc) of each. The S3 store is
moto's standalone server on loopback (tests/s3server.py), so its figures show the overhead of the client and the
format, not of a real network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RUANZHU_DATA_DIR", "/tmp/ruanzhu-bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import override_settings  # noqa: E402

from ruanzhu.core.files import delete_private_file, open_private_file, read_private_file, store_private_file  # noqa: E402
from tests.s3server import S3Server  # noqa: E402

MB = 1024 * 1024


def measured(function):
    """Run ``function``; return its result, its duration in seconds and the peak of Python allocations."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


def stream_read(name: str) -> int:
    reader = open_private_file(name)
    try:
        return sum(len(piece) for piece in reader)
    finally:
        reader.close()


def run(label: str, storage: dict, data_file: Path, size: int, runs: int) -> None:
    figures: dict[str, list[tuple[float, int]]] = {"store": [], "streamed read": [], "whole read": []}
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        for _ in range(runs):
            with data_file.open("rb") as source:
                name, elapsed, peak = measured(
                    lambda source=source: store_private_file(content=source, folder="bench", suffix=".pdf")
                )
            figures["store"].append((elapsed, peak))
            total, elapsed, peak = measured(lambda name=name: stream_read(name))
            assert total == size
            figures["streamed read"].append((elapsed, peak))
            content, elapsed, peak = measured(lambda name=name: read_private_file(name))
            assert len(content) == size
            del content
            figures["whole read"].append((elapsed, peak))
            delete_private_file(name)
    for step, values in figures.items():
        seconds = statistics.median(elapsed for elapsed, _ in values)
        peak = max(peak for _, peak in values)
        print(f"{label:5} {step:14} {size / MB / seconds:8.1f} MB/s   peak Python memory {peak / MB:6.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    size = options.size_mb * MB

    with tempfile.TemporaryDirectory() as folder:
        data_file = Path(folder) / "plain.bin"
        with data_file.open("wb") as out:
            for _ in range(options.size_mb):
                out.write(os.urandom(MB))
        print(f"file: {options.size_mb} MB, {options.runs} runs, median throughput, highest peak")
        disk = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}}
        run("disk", disk, data_file, size, options.runs)
        with S3Server() as server:
            run("s3", server.storage_options(server.create_bucket("bench")), data_file, size, options.runs)


if __name__ == "__main__":
    main()
