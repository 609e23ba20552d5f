"""Progress lines on stderr for long runs."""

import sys
import time
from typing import TextIO


class Progress:
    """Report counts on a stream at most a few times a second."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.5) -> None:
        self.stream = stream
        self.interval = interval
        self._last = 0.0

    def note(self, message: str) -> None:
        """Print one line unconditionally."""
        if self.stream is not None:
            print(message, file=self.stream, flush=True)

    def tick(self, files: int, lines: int) -> None:
        """Print a running count when enough time has passed since the last one."""
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            print(f"已读取 {files} 个文件，{lines} 行", file=self.stream, flush=True)


def stderr_progress() -> Progress:
    """Return a progress reporter writing to stderr."""
    return Progress(sys.stderr)
