"""Benchmark the program deposit: a generated tree of one million lines, and this project's own tree.

Each build runs in a fresh child process so that its peak memory is its own: the figure is the peak resident
set size from resource.getrusage(RUSAGE_SELF).ru_maxrss read in the child after the build (the whole process:
interpreter, ReportLab, font and data), not a tracemalloc figure.

    .venv/bin/python bench/deposit_bench.py [--lines 1000000] [--keep]
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 2.0
TARGET_MB = 150.0

PY_LINES = (
    "# 计算第{n}项的结果\n",
    "def step_{n}(value: int) -> int:\n",
    '    """返回下一步的值。"""\n',
    "    url = 'http://example.com/#{n}'  # 不是注释的井号在字符串里\n",
    "    return value * {n} + len(url)\n",
    "\n",
)
JS_LINES = (
    "// 处理第{n}个请求\n",
    "function handle{n}(req) {{\n",
    '  const path = "/api/v1/item/{n}"; /* 路径 */\n',
    "  return fetch(path).then((r) => r.json());\n",
    "}}\n",
    "\n",
)
JAVA_LINES = (
    "    /** 字段{n}的说明 */\n",
    '    private String field{n} = "中文字符串{n}";\n',
    "    public String getField{n}() {{\n",
    "        return field{n}; // 返回\n",
    "    }}\n",
    "\n",
)


def generate(root: Path, total_lines: int, lines_per_file: int = 1000) -> int:
    """Write a tree of Python, JavaScript and Java files holding total_lines physical lines."""
    kinds = (
        ("py", PY_LINES, "", ""),
        ("js", JS_LINES, "", ""),
        ("java", JAVA_LINES, "public class C{f} {{\n", "}}\n"),
    )
    written = 0
    index = 0
    while written < total_lines:
        suffix, template, opening, closing = kinds[index % 3]
        folder = root / f"module{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = [opening.format(f=index)]
        count = len(template) * (lines_per_file // len(template))
        for n in range(count // len(template)):
            parts.extend(line.format(n=n) for line in template)
        parts.append(closing.format(f=index))
        name = f"C{index:05d}.{suffix}" if suffix == "java" else f"file{index:05d}.{suffix}"
        (folder / name).write_text("".join(parts), encoding="utf-8")
        written += count + (2 if opening else 0)
        index += 1
    return written


def child(source: str, output: str) -> None:
    """Build one deposit and print time and peak memory as JSON."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from ruanzhu.deposits.program import build_program_deposit

    imported = time.perf_counter()
    summary = build_program_deposit(source, output, name="基准测试软件", version="V1.0")
    finished = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "build_seconds": round(finished - imported, 3),
                "with_imports_seconds": round(finished - started, 3),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "files": summary.files,
                "printed_lines": summary.printed_lines,
                "source_pages": summary.source_pages,
                "output_pages": summary.output_pages,
            }
        )
    )


def run(label: str, source: Path, output: Path) -> dict[str, float]:
    """Build in a child process and report its figures."""
    wall = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(source), str(output)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = round(time.perf_counter() - wall, 3)
    ok = figures["build_seconds"] <= TARGET_SECONDS and figures["peak_rss_mb"] <= TARGET_MB
    print(
        f"{label}: {figures['files']} files, {figures['printed_lines']} printed lines, "
        f"{figures['source_pages']} pages -> {figures['output_pages']} pages; "
        f"build {figures['build_seconds']:.2f} s (with imports {figures['with_imports_seconds']:.2f} s, "
        f"whole process {figures['process_seconds']:.2f} s), peak RSS {figures['peak_rss_mb']:.1f} MB "
        f"[target <= {TARGET_SECONDS} s, <= {TARGET_MB:.0f} MB: {'met' if ok else 'MISSED'}]"
    )
    return figures


def main() -> None:
    """Generate the tree, then time both builds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree and PDFs")
    parser.add_argument("--child", nargs=2, metavar=("SRC", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    workdir = Path(tempfile.mkdtemp(prefix="deposit-bench-"))
    try:
        started = time.perf_counter()
        written = generate(workdir / "tree", args.lines)
        size = sum(path.stat().st_size for path in (workdir / "tree").rglob("*") if path.is_file())
        print(f"generated {written} lines ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
        run("generated tree", workdir / "tree", workdir / "generated.pdf")
        run("project tree (git HEAD)", ROOT, workdir / "project.pdf")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
