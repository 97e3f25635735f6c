"""What evidence capture and the vault read of the settings, as a protocol, and the one
place a vault is built from them.

``lantian.config.Settings`` satisfies it; the control plane's and takedown's settings
protocols extend it, so every caller builds its vault the same way (the timestamp
authority included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from evidence.vault import EvidenceVault


class EvidenceSettings(Protocol):
    """Where evidence lives, who signs it, and how captures may reach the network."""

    @property
    def allow_private_networks(self) -> bool: ...
    @property
    def chromium_path(self) -> str | None: ...
    @property
    def operator(self) -> str: ...
    @property
    def resolved_evidence_dir(self) -> Path: ...
    @property
    def resolved_key_dir(self) -> Path: ...
    @property
    def tsa_url(self) -> str | None: ...


@dataclass(frozen=True)
class EvidenceConfig:
    """The evidence settings as plain values, for a process handed them (a crawl's settings)."""

    resolved_evidence_dir: Path
    resolved_key_dir: Path
    operator: str = "lantian"
    tsa_url: str | None = None
    allow_private_networks: bool = False
    chromium_path: str | None = None


def open_vault(settings: EvidenceSettings, root: Path | None = None) -> EvidenceVault:
    """The evidence vault the settings name (``root`` overrides its folder, e.g. a copy)."""
    return EvidenceVault(
        root or settings.resolved_evidence_dir,
        settings.resolved_key_dir,
        settings.operator,
        tsa_url=settings.tsa_url,
    )
