"""What the control plane reads of the settings, as a protocol.

``lantian.config.Settings`` satisfies it; the shell and the app factory hand theirs
down, so ``campaigns`` never imports the shell (``lantian``) to learn its configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from evidence import EvidenceSettings


class CampaignSettings(EvidenceSettings, Protocol):
    """The settings the control plane uses: database, data folders, scheduler intervals, alert channels."""

    @property
    def alert_email_to(self) -> list[str]: ...
    @property
    def alert_webhook_urls(self) -> list[str]: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def embed_scheduler(self) -> bool: ...
    @property
    def redis_url(self) -> str | None: ...
    @property
    def resolved_database_url(self) -> str: ...
    @property
    def scheduler_reap_interval_s(self) -> int: ...
    @property
    def scheduler_recheck_interval_s(self) -> int: ...
    @property
    def scheduler_sync_interval_s(self) -> int: ...
    @property
    def scheduler_verify_interval_s(self) -> int: ...
    @property
    def shutdown_grace_s(self) -> float: ...
    @property
    def smtp_url(self) -> SecretStr | None: ...

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        """Every setting by name (a crawl process gets them as ``LANTIAN_*`` variables)."""
        ...
