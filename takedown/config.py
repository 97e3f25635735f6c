"""What takedown reads of the settings, as a protocol.

``lantian.config.Settings`` satisfies it; the shell and the app factory hand theirs
down, so ``takedown`` never imports the shell (``lantian``) to learn its configuration.
"""

from __future__ import annotations

from typing import Protocol

from evidence import EvidenceSettings


class TakedownSettings(EvidenceSettings, Protocol):
    """The settings re-checks and case files use: evidence folders, network policy, re-check limits."""

    @property
    def alert_webhook_urls(self) -> list[str]: ...
    @property
    def resolved_database_url(self) -> str: ...
    @property
    def takedown_close_shop_threshold(self) -> int: ...
    @property
    def takedown_recheck_age_s(self) -> int: ...
    @property
    def takedown_recheck_capture(self) -> bool: ...
    @property
    def takedown_recheck_timeout_s(self) -> float: ...
