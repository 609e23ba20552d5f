"""Time rendering a full R11 application form PDF (target: ≤ 100 ms).

The form has every section filled, three owners, the agent block, two deposits and a 1,300-character 主要功能.

Run: .venv/bin/python bench/form_pdf_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruanzhu.documents.application_form import application_form_pdf  # noqa: E402
from tests.documents.test_application_form import FORM  # noqa: E402

TARGET_MS = 100.0


def percentile(samples: list[float], share: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()

    main_functions = dict(FORM.sections[-1].rows)["主要功能"]
    pdf = application_form_pdf(FORM)  # warm-up: registers the font and fills ReportLab's caches
    samples = []
    for _ in range(options.runs):
        started = time.perf_counter()
        application_form_pdf(FORM)
        samples.append((time.perf_counter() - started) * 1000)

    print(
        f"form: {len(FORM.sections)} sections, {len(FORM.parties)} owners, agent block, "
        f"主要功能 {len(main_functions)} characters -> {len(pdf) / 1024:.0f} KB; {options.runs} runs"
    )
    p95 = percentile(samples, 95)
    print(
        f"mean {statistics.fmean(samples):.1f} ms  p50 {statistics.median(samples):.1f} ms  p95 {p95:.1f} ms"
    )
    print(f"p95 {p95:.1f} ms: target ≤{TARGET_MS:.0f} ms {'met' if p95 <= TARGET_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
