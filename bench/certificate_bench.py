"""Time rendering and signing a registration certificate (target: ≤ 150 ms for both together).

The signing key is generated once beforehand; signing uses no timestamp server.

Run: .venv/bin/python bench/certificate_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruanzhu.documents.certificate import (  # noqa: E402
    certificate_pdf,
    generate_signing_identity,
    sign_pdf,
    verify_signature,
)
from tests.documents.test_certificate import CERTIFICATE  # noqa: E402

TARGET_MS = 150.0


def percentile(samples: list[float], share: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()

    key_pem, cert_pem = generate_signing_identity()
    signed = sign_pdf(certificate_pdf(CERTIFICATE), key_pem=key_pem, cert_pem=cert_pem)  # warm-up
    report = verify_signature(signed, trust_roots_pem=(cert_pem,))
    if not (report.valid and report.trusted):
        raise SystemExit(f"the signed certificate does not validate: {report}")

    steps: dict[str, list[float]] = {"render": [], "sign": [], "total": []}
    for _ in range(options.runs):
        started = time.perf_counter()
        pdf = certificate_pdf(CERTIFICATE)
        rendered = time.perf_counter()
        sign_pdf(pdf, key_pem=key_pem, cert_pem=cert_pem)
        finished = time.perf_counter()
        steps["render"].append((rendered - started) * 1000)
        steps["sign"].append((finished - rendered) * 1000)
        steps["total"].append((finished - started) * 1000)

    print(
        f"certificate {len(signed) / 1024:.0f} KB signed (EC P-256, PAdES, no timestamp); {options.runs} runs"
    )
    print(f"{'step':8s} {'mean ms':>9s} {'p50 ms':>9s} {'p95 ms':>9s}")
    for name, samples in steps.items():
        print(
            f"{name:8s} {statistics.fmean(samples):9.1f} {statistics.median(samples):9.1f} "
            f"{percentile(samples, 95):9.1f}"
        )
    p95 = percentile(steps["total"], 95)
    print(
        f"render + sign p95 {p95:.1f} ms: target ≤{TARGET_MS:.0f} ms {'met' if p95 <= TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
