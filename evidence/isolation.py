"""How far one capture's browser profile is kept apart from other captures' (no browser import).

- ``fresh``: a new in-memory profile per capture, closed afterwards.  Nothing any
  other page did can reach the capture; it costs Chromium two new renderer
  processes, about 1.5 s of CPU.  For cases a court will see.
- ``reused``: a profile serves up to ``DEFAULT_MAX_USES`` captures, wiped between
  them of everything a page can read (:mod:`evidence.wipe`), its connections
  closed; a few hundred ms of CPU per capture.  The crawl's default.

Each manifest names its mode and how many captures its profile took before it.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

Isolation = Literal["fresh", "reused"]
ISOLATIONS: tuple[str, ...] = get_args(Isolation)
DEFAULT_MAX_USES = 50
"""Captures one reused profile takes before it is closed and a new one opened."""


def parse_isolation(value: object) -> Isolation:
    """A configured mode, or a ValueError naming the choices."""
    if value == "fresh":
        return "fresh"
    if value == "reused":
        return "reused"
    raise ValueError(f"capture isolation must be one of {', '.join(ISOLATIONS)}, not {value!r}")


def isolation_of(environment: dict[str, Any]) -> str:
    """A manifest's mode; manifests from before the modes existed were all ``fresh``."""
    return str(environment.get("isolation", "fresh"))
