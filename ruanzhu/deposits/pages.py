"""Keep only the printed lines of the pages a deposit shows, while streaming through the program."""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .layout import LINES_PER_PAGE


@dataclass
class LineStore:
    """Hold the first lines, a fixed window and the last lines of a stream of printed lines."""

    head_size: int
    tail_size: int
    window: tuple[int, int] | None = None
    total: int = 0
    head: list[str] = field(default_factory=list)
    middle: list[str] = field(default_factory=list)
    redacted: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.tail: deque[str] = deque(maxlen=self.tail_size)

    def add(self, lines: list[str], marked: Iterable[int] = ()) -> None:
        """Append one file's printed lines; marked are indexes in lines to black out."""
        start = self.total
        for index in marked:
            self.redacted.add(start + index)
        if len(self.head) < self.head_size:
            self.head.extend(lines[: self.head_size - len(self.head)])
        if self.window is not None:
            low, high = self.window
            if start < high and start + len(lines) > low:
                self.middle.extend(lines[max(low - start, 0) : max(high - start, 0)])
        self.tail.extend(lines)
        self.total += len(lines)

    def lines(self, low: int, high: int) -> list[str]:
        """Return printed lines low..high-1, each of which must lie in a kept part of the stream."""
        tail_start = self.total - len(self.tail)
        out = []
        for index in range(low, high):
            if index < len(self.head):
                out.append(self.head[index])
            elif index >= tail_start:
                out.append(self.tail[index - tail_start])
            elif self.window is not None and self.window[0] <= index < self.window[1]:
                out.append(self.middle[index - self.window[0]])
            else:
                raise ValueError(f"printed line {index} was not kept")
        return out


def page_count(total_lines: int, per_page: int = LINES_PER_PAGE) -> int:
    """Return how many pages the whole listing fills."""
    return -(-total_lines // per_page)


def first_and_last(total_pages: int, first: int = 30, last: int = 30) -> list[int]:
    """Return the 1-based source pages of a first+last selection, all of them when there are few."""
    if total_pages <= first + last:
        return list(range(1, total_pages + 1))
    return list(range(1, first + 1)) + list(range(total_pages - last + 1, total_pages + 1))


@dataclass(frozen=True)
class Page:
    """One page of the deposit: its source page number and its printed lines."""

    source_page: int
    lines: list[str]
    redacted: frozenset[int]


def pages_from_store(store: LineStore, selected: list[int], per_page: int = LINES_PER_PAGE) -> list[Page]:
    """Cut the selected source pages out of the store."""
    pages = []
    for number in selected:
        low = (number - 1) * per_page
        high = min(low + per_page, store.total)
        marked = frozenset(index - low for index in store.redacted if low <= index < high)
        pages.append(Page(number, store.lines(low, high), marked))
    return pages
