"""Progress of long work, reported through an optional callback (quiet unless asked).

The engine takes ``progress: Progress | None`` and, when given one, calls
``progress(stage, done, total)`` as it goes (``total`` None when unknown, e.g. rounds of column
generation).  Library calls pass nothing and stay quiet; the command line passes
:func:`reporter`, a tqdm bar on standard error that is on only when standard error is a terminal.
Nothing here knows about ReLU networks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO

Progress = Callable[[str, int, "int | None"], None]


class TqdmProgress:
    """A callback that shows one tqdm bar per stage on ``stream`` (the bar of a finished stage
    is cleared when the next stage starts, or by :meth:`close`)."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.stage: str | None = None
        self.bar = None

    def __call__(self, stage: str, done: int, total: int | None = None) -> None:
        from tqdm import tqdm

        if stage != self.stage or self.bar is None:
            self.close()
            self.stage = stage
            self.bar = tqdm(desc=stage, total=total, file=self.stream, leave=False, mininterval=0.2)
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.stage = None, None


def reporter(enabled: bool | None = None, stream: IO[str] | None = None) -> TqdmProgress | None:
    """A progress callback on ``stream`` (standard error by default), or None (no progress).

    ``enabled=None``: on iff the stream is a terminal; True forces it on, False off.
    """
    stream = sys.stderr if stream is None else stream
    if enabled is None:
        isatty = getattr(stream, "isatty", None)
        enabled = bool(isatty and isatty())
    return TqdmProgress(stream) if enabled else None


def step(progress: Progress | None, stage: str, done: int, total: int | None = None) -> None:
    """Report to ``progress`` if there is one (the engine's one-line call)."""
    if progress is not None:
        progress(stage, done, total)
