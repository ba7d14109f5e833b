"""Progress while training: tqdm's bar on a terminal, and a plain line at a steady interval elsewhere.

A bar redraws itself with carriage returns, which in a log file (CI, ``> train.log``) is one unreadable
line written only when the run ends. Without a terminal, `LineProgress` prints a complete line every
`interval` seconds instead, with the same numbers the bar shows.
"""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class LineProgress:
    """tqdm's interface (``update``, ``set_postfix``, ``write``, ``close``) as periodic lines:
    ``epoch 1/3: 12800/60000 samples (21%), 4210 samples/s, loss=0.5234``."""

    def __init__(self, total: int, desc: str, unit: str, initial: int = 0, interval: float = 10.0,
                 file: TextIO | None = None) -> None:
        self.total, self.desc, self.unit, self.n = total, desc, unit.strip(), initial
        self.interval = interval
        self.file = file if file is not None else sys.stderr
        self.start = self.last = time.perf_counter()
        self.start_n = initial
        self.postfix: dict[str, Any] = {}

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.perf_counter()
        if now - self.last >= self.interval:
            self.last = now
            self._line(now)

    def set_postfix(self, refresh: bool = True, **values: Any) -> None:
        self.postfix = values

    def write(self, text: str) -> None:
        print(text, file=self.file, flush=True)

    def close(self) -> None:
        """Nothing to erase: the caller prints its own summary of the finished epoch or run."""

    def _line(self, now: float) -> None:
        rate = (self.n - self.start_n) / max(now - self.start, 1e-9)
        extra = "".join(f", {k}={v}" for k, v in self.postfix.items())
        self.write(f"{self.desc}: {self.n}/{self.total} {self.unit} ({self.n / max(self.total, 1):.0%}), "
                   f"{rate:.0f} {self.unit}/s{extra}")


def progress_bar(total: int, desc: str, unit: str, initial: int = 0, enabled: bool = True) -> Any:
    """A tqdm bar on a terminal, a `LineProgress` otherwise, None when progress is off."""
    if not enabled:
        return None
    if not sys.stderr.isatty():
        return LineProgress(total, desc, unit, initial)
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, desc=desc, unit=unit, unit_scale=unit.startswith(" "), leave=False,
                dynamic_ncols=True)
