"""What a capture produced, before it is stored: plain values, no browser objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Redirect:
    url: str
    status: int
    location: str | None


@dataclass(frozen=True)
class ClockInfo:
    """Which clock gave the capture time and what is known about its synchronisation."""

    source: str
    synchronized: bool | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "synchronized": self.synchronized, "detail": self.detail}


@dataclass(frozen=True)
class Artifact:
    """One file of a capture: ``kind`` is screenshot, dom, body, mhtml, headers, warc or log."""

    kind: str
    data: bytes
    media_type: str


@dataclass(frozen=True)
class CaptureResult:
    """Everything one successful capture produced; stored as a whole or not at all."""

    url: str
    final_url: str
    http_status: int
    server_ip: str | None
    server_port: int | None
    redirects: tuple[Redirect, ...]
    started_at: datetime
    captured_at: datetime
    clock: ClockInfo
    environment: dict[str, Any]
    artifacts: tuple[Artifact, ...]
    notes: tuple[str, ...] = field(default=())
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Milliseconds per step (slot, navigate, settle, screenshot, dom, mhtml, meta, warc)."""

    def artifact(self, kind: str) -> Artifact:
        for artifact in self.artifacts:
            if artifact.kind == kind:
                return artifact
        raise KeyError(kind)

    @property
    def total_bytes(self) -> int:
        return sum(len(a.data) for a in self.artifacts)
