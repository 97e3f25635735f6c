"""Wall-clock time per step of a capture, in milliseconds, in the order the steps ran.

A capture's steps (navigate, settle, screenshot, dom, mhtml, warc) are timed in
the browser-side code and travel with the :class:`evidence.result.CaptureResult`;
the vault adds its own (hash, sign, ledger).  The figures are diagnostics about
the capture, not part of what it proves.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping

#: The steps a complete capture records, in order (``slot`` and ``timestamp`` are optional).
CAPTURE_STEPS = ("navigate", "settle", "screenshot", "dom", "mhtml", "warc")
VAULT_STEPS = ("hash", "sign", "ledger")


class StepTimer:
    """``with timer.step("navigate"): ...``; ``timer.ms`` maps each step to its milliseconds."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - start) * 1000.0)

    def add(self, name: str, ms: float) -> None:
        self.ms[name] = round(self.ms.get(name, 0.0) + ms, 3)


def total_ms(steps: Mapping[str, float]) -> float:
    return round(sum(steps.values()), 3)
