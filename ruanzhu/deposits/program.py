"""Build the program deposit (程序鉴别材料) and its exception variants (例外交存)."""

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .collect import SourceFile, collect_files, looks_machine_made
from .comments import comment_stripper
from .errors import DepositError
from .fonts import load_font, require_printable
from .layout import LINES_PER_PAGE, LineWrapper, printed_lines
from .pages import LineStore, Page, first_and_last, page_count, pages_from_store
from .progress import Progress
from .render import write_line_pages
from .sources import MAX_EXPANDED_BYTES, open_source
from .textcodec import decode_source

EXCEPTION_MODES = ("redact", "first10", "object-code")
_HEAD_LINES = 80 * LINES_PER_PAGE  # whole listings of up to 80 pages stay in memory: cheap and simple
_SNIFF = 8192
_RANGE = re.compile(r"^([0-9]+)(?:-([0-9]+))?$")


@dataclass(frozen=True)
class Redaction:
    """Lines to black out: source lines of one file, or printed lines of one deposit page."""

    ranges: tuple[tuple[int, int], ...]
    file: str | None = None
    page: int | None = None

    def covers(self, number: int) -> bool:
        """Tell whether a line number falls in one of the ranges."""
        return any(low <= number <= high for low, high in self.ranges)


def parse_redaction(spec: str) -> Redaction:
    """Parse "PATH:10-20,31-40" (source lines of a file) or "@12:5-20" (lines of deposit page 12)."""
    target, sep, ranges_text = spec.rpartition(":")
    if not sep or not target:
        raise DepositError(f"涂黑范围 {spec} 格式不对，应为 路径:起-止 或 @页码:起-止")
    ranges = []
    for part in ranges_text.split(","):
        match = _RANGE.match(part.strip())
        if match is None:
            raise DepositError(f"涂黑范围 {spec} 中的行号 {part} 格式不对，应为 起-止")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1 or high < low:
            raise DepositError(f"涂黑范围 {spec} 中的行号 {part} 不是递增的正整数")
        ranges.append((low, high))
    if target.startswith("@"):
        # ASCII digits only: str.isdigit() takes "²", which int() refuses.
        if not re.fullmatch(r"[0-9]+", target[1:]) or int(target[1:]) < 1:
            raise DepositError(f"涂黑范围 {spec} 中的页码不对")
        return Redaction(tuple(ranges), page=int(target[1:]))
    return Redaction(tuple(ranges), file=target.replace("\\", "/").removeprefix("./"))


@dataclass(frozen=True)
class DepositSummary:
    """What was built: files read, printed lines, and which source pages the deposit shows."""

    files: int
    printed_lines: int
    source_pages: int
    pages: list[int]
    output_pages: int
    data: bytes = field(repr=False)


def _stream_tree(
    files: Sequence[SourceFile],
    store: LineStore,
    wrapper: LineWrapper,
    *,
    keep_comments: bool,
    encoding: str | None,
    redactions: Sequence[Redaction],
    progress: Progress,
) -> int:
    """Feed every file's printed lines into the store; return how many files were printed."""
    by_file: dict[str, list[Redaction]] = {}
    for redaction in redactions:
        if redaction.file is not None:
            by_file.setdefault(redaction.file, []).append(redaction)
    printed = 0
    for item in files:
        with open(item.path, "rb") as handle:
            data = handle.read()
        if looks_machine_made(data[:_SNIFF], len(data), data.count(b"\n")):
            continue
        text = decode_source(data, item.relative, encoding)
        strip = None if keep_comments else comment_stripper(item.relative.rpartition("/")[2])
        rules = by_file.get(item.relative)
        wanted: Callable[[int], bool] | None = None
        if rules:
            wanted = lambda number, rules=rules: any(rule.covers(number) for rule in rules)  # noqa: E731
        lines, marked = printed_lines(text, wrapper, strip, wanted)
        if lines:
            printed += 1
        store.add(lines, marked)
        progress.tick(printed, store.total)
    return printed


def _hexdump_lines(path: Path, store: LineStore) -> None:
    """Feed a hex dump of an object file into the store, 16 bytes a printed line."""
    with open(path, "rb") as handle:
        offset = 0
        while block := handle.read(16 * 4096):
            lines = []
            for start in range(0, len(block), 16):
                chunk = block[start : start + 16]
                hexes = " ".join(f"{byte:02x}" for byte in chunk)
                shown = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
                lines.append(f"{offset + start:08x}  {hexes:<47}  |{shown}|")
            store.add(lines)
            offset += len(block)


def _consecutive(total_pages: int, count: int, from_page: int | None, floor: int) -> list[int]:
    """Return count consecutive pages starting at from_page (default: ending with the last page)."""
    if from_page is None:
        from_page = max(total_pages - count + 1, floor)
    if from_page < floor or from_page + count - 1 > total_pages:
        raise DepositError(
            f"--from-page {from_page} 不可用：程序共 {total_pages} 页，连续 {count} 页须从第 {floor} 页到第"
            f" {total_pages - count + 1} 页之间开始"
        )
    return list(range(from_page, from_page + count))


def _check_redactions(pages: list[Page], redactions: Sequence[Redaction]) -> list[Page]:
    """Add page-addressed redactions and refuse any page blacked out beyond half its lines."""
    result = []
    for number, page in enumerate(pages, start=1):
        extra = {
            line - 1
            for rule in redactions
            if rule.page == number
            for line in range(1, len(page.lines) + 1)
            if rule.covers(line)
        }
        marked = page.redacted | frozenset(extra)
        if 2 * len(marked) > len(page.lines):
            raise DepositError(
                f"第{number}页涂黑{len(marked)}行，超过该页{len(page.lines)}行的一半；例外交存每页涂黑不得超过50%"
            )
        result.append(Page(page.source_page, page.lines, marked))
    for rule in redactions:
        if rule.page is not None and rule.page > len(pages):
            raise DepositError(f"涂黑范围指向第{rule.page}页，但鉴别材料只有{len(pages)}页")
    return result


def build_program_deposit(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str] | BinaryIO,
    *,
    name: str,
    version: str,
    keep_comments: bool = False,
    exception: str | None = None,
    from_page: int | None = None,
    redactions: Sequence[Redaction] = (),
    object_file: str | os.PathLike[str] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    encoding: str | None = None,
    revision: str = "HEAD",
    max_expanded_bytes: int = MAX_EXPANDED_BYTES,
    font_path: str | None = None,
    progress: Progress | None = None,
) -> DepositSummary:
    """Build the program deposit PDF from a folder, archive or git repository."""
    progress = progress or Progress(None)
    if exception is not None and exception not in EXCEPTION_MODES:
        raise DepositError(f"未知的例外交存方式 {exception}，可选：{'、'.join(EXCEPTION_MODES)}")
    if redactions and exception != "redact":
        raise DepositError("只有 --exception redact 可以指定涂黑范围")
    if exception == "redact" and not redactions:
        raise DepositError("--exception redact 需要至少一个 --redact 范围")
    if exception == "object-code" and object_file is None:
        raise DepositError("--exception object-code 需要 --object 指定目标程序文件")
    font = load_font(font_path, mono=True)
    require_printable(font, "软件名称", name)
    require_printable(font, "版本号", version)
    wrapper = LineWrapper(font)
    window_pages = 50 if exception == "first10" else 20 if exception == "object-code" else 0
    window = None
    if window_pages and from_page is not None:
        window = ((from_page - 1) * LINES_PER_PAGE, (from_page - 1 + window_pages) * LINES_PER_PAGE)
    tail_pages = max(30, window_pages)
    store = LineStore(_HEAD_LINES, tail_pages * LINES_PER_PAGE, window)
    with open_source(source, revision=revision, limit=max_expanded_bytes, progress=progress) as root:
        files = collect_files(root, include=include, exclude=exclude)
        progress.note(f"找到 {len(files)} 个源文件")
        known = {item.relative for item in files}
        for rule in redactions:
            if rule.file is not None and rule.file not in known:
                raise DepositError(f"涂黑范围中的文件 {rule.file} 不在所收集的源文件中")
        printed = _stream_tree(
            files,
            store,
            wrapper,
            keep_comments=keep_comments,
            encoding=encoding,
            redactions=redactions,
            progress=progress,
        )
    if store.total == 0:
        raise DepositError(f"{source} 中没有可打印的源程序（空目录，或只有被跳过的文件）")
    total_pages = page_count(store.total)
    progress.note(
        f"共 {printed} 个文件，{store.total} 行（去除空行{'' if keep_comments else '和注释'}），{total_pages} 页"
    )
    pages: list[Page]
    if exception == "first10" and total_pages > 60:
        selected = list(range(1, 11)) + _consecutive(total_pages, 50, from_page, 11)
        pages = pages_from_store(store, selected)
    elif exception == "object-code":
        selected = (
            _consecutive(total_pages, 20, from_page, 1) if total_pages >= 20 else first_and_last(total_pages)
        )
        source_pages = pages_from_store(store, selected)
        object_store = LineStore(_HEAD_LINES, 30 * LINES_PER_PAGE)
        _hexdump_lines(Path(object_file), object_store)  # type: ignore[arg-type]
        if object_store.total == 0:
            raise DepositError(f"目标程序文件 {object_file} 是空的")
        object_pages = pages_from_store(object_store, first_and_last(page_count(object_store.total)))
        pages = object_pages + source_pages
    else:
        selected = first_and_last(total_pages)
        pages = pages_from_store(store, selected)
    if exception == "redact":
        pages = _check_redactions(pages, redactions)
    header = f"{name} {version}"
    data = write_line_pages(output, font, pages, header, f"{header} 程序鉴别材料")
    progress.note(f"已生成 {len(pages)} 页鉴别材料")
    return DepositSummary(
        files=printed,
        printed_lines=store.total,
        source_pages=total_pages,
        pages=[page.source_page for page in pages],
        output_pages=len(pages),
        data=data,
    )
