"""What the API reads of the settings, as a protocol.

``lantian.config.Settings`` satisfies it: the shell builds the settings and hands them to
:func:`api.app.create_app`, so ``api`` never imports the shell (``lantian``).  It includes
what the API hands further down, to the control plane, takedown and the search index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from campaigns import CampaignSettings
from store import SessionSettings
from store.search import SearchSettings
from takedown import TakedownSettings


class ApiSettings(CampaignSettings, TakedownSettings, SearchSettings, SessionSettings, Protocol):
    """The settings the API and the review UI use."""

    @property
    def classify_threshold(self) -> float: ...
    @property
    def log_level(self) -> str: ...
    @property
    def max_request_body_bytes(self) -> int: ...
    @property
    def metrics_token(self) -> SecretStr: ...
    @property
    def office_code(self) -> str: ...
    @property
    def office_contact(self) -> str: ...
    @property
    def office_name(self) -> str: ...
    @property
    def profiles_dir(self) -> Path: ...
    @property
    def session_cookie_secure(self) -> bool: ...
    @property
    def trust_forwarded_proto(self) -> bool: ...
