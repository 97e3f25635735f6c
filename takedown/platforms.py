"""Takedown channels and the platforms they cover, read from ``platforms.yaml``.

Adding a platform is a YAML entry (and, for a new channel, a template in
``takedown/templates/``); no code changes.  The file is validated by the
Pydantic models below; every error names the file and the field.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from takedown.errors import PlatformConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PLATFORMS_FILE = PACKAGE_DIR / "platforms.yaml"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

GENERIC_CHANNEL = "generic"


class Requirement(enum.StrEnum):
    """What a channel asks the complainant to supply (DOMAIN.md, "Taking it down")."""

    complainant_identity = "complainant_identity"
    authorisation = "authorisation"
    contact = "contact"
    links = "links"
    shop_names = "shop_names"
    reasons = "reasons"
    legal_basis = "legal_basis"
    evidence = "evidence"
    action = "action"
    deadline = "deadline"


class Submission(enum.StrEnum):
    portal = "portal"
    form = "form"
    email = "email"
    api = "api"
    letter = "letter"


class ExportFormat(enum.StrEnum):
    docx = "docx"
    pdf = "pdf"
    xlsx = "xlsx"
    csv = "csv"
    json = "json"
    txt = "txt"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RemovalSignals(_Strict):
    """How a re-check recognises that a listing is gone."""

    status_codes: list[Annotated[int, Field(ge=100, le=599)]] = Field(default_factory=list)
    text_markers: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    url_markers: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="substrings of the final URL after redirects"
    )

    def merged(self, other: RemovalSignals | None) -> RemovalSignals:
        if other is None:
            return self
        return RemovalSignals(
            status_codes=sorted(set(self.status_codes) | set(other.status_codes)),
            text_markers=list(dict.fromkeys([*self.text_markers, *other.text_markers])),
            url_markers=list(dict.fromkeys([*self.url_markers, *other.url_markers])),
        )


class Channel(_Strict):
    """One place a complaint is lodged: a rights-protection portal, a form, a letter."""

    name: str = Field(min_length=1)
    operator: str = Field(min_length=1)
    submission: Submission
    portal_url: str | None = None
    template: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.j2$")
    formats: list[ExportFormat] = Field(min_length=1)
    requires: list[Requirement] = Field(min_length=1)
    attachments: list[str] = Field(default_factory=list)
    actions: list[str] = Field(min_length=1, description="keys of the top-level actions table")
    deadline_days: int = Field(ge=1, le=90)
    typical_response_days: int | None = Field(default=None, ge=1, le=90)
    response_note: str = ""
    removal_signals: RemovalSignals = Field(default_factory=RemovalSignals)
    aliases: list[str] = Field(
        default_factory=list,
        description="other names for this channel (e.g. a site profile's takedown_channel)",
    )


class PlatformEntry(_Strict):
    name: str = Field(min_length=1)
    channel: str
    hosts: list[str] = Field(default_factory=list, description="host suffixes, e.g. taobao.com")
    removal_signals: RemovalSignals | None = None


class PlatformsFile(_Strict):
    version: int = Field(ge=1, le=1)
    defaults: RemovalSignals = Field(default_factory=RemovalSignals)
    actions: dict[str, str] = Field(min_length=1, description="action key -> wording in notices")
    channels: dict[str, Channel]
    platforms: dict[str, PlatformEntry]

    @model_validator(mode="after")
    def _references_resolve(self) -> PlatformsFile:
        if GENERIC_CHANNEL not in self.channels:
            raise ValueError(f"channels: a {GENERIC_CHANNEL!r} channel is required (the fallback)")
        for key, channel in self.channels.items():
            unknown = [a for a in channel.actions if a not in self.actions]
            if unknown:
                raise ValueError(
                    f"channels.{key}.actions: unknown action(s) {unknown}; known: {sorted(self.actions)}"
                )
        seen: dict[str, str] = {}
        for key, channel in self.channels.items():
            for alias in channel.aliases:
                if alias in self.channels or alias in seen:
                    raise ValueError(f"channels.{key}.aliases: {alias!r} already names a channel")
                seen[alias] = key
        for key, platform in self.platforms.items():
            if platform.channel not in self.channels:
                raise ValueError(
                    f"platforms.{key}.channel: unknown channel {platform.channel!r}; known: {sorted(self.channels)}"
                )
        return self


class ResolvedChannel(BaseModel):
    """A channel as it applies to one platform: platform name and merged removal signals."""

    model_config = ConfigDict(frozen=True)

    key: str
    channel: Channel
    platform_key: str
    platform_name: str
    removal_signals: RemovalSignals
    actions: dict[str, str]


class PlatformRegistry:
    """Looks up the channel for a platform key or a listing URL."""

    def __init__(
        self, data: PlatformsFile, source: Path, templates_dir: Path = TEMPLATES_DIR
    ) -> None:
        self.data = data
        self.source = source
        self.templates_dir = templates_dir

    @property
    def channels(self) -> dict[str, Channel]:
        return self.data.channels

    @property
    def platforms(self) -> dict[str, PlatformEntry]:
        return self.data.platforms

    def channel_key(self, name: str) -> str | None:
        """The channel a key or alias names, or None."""
        if name in self.data.channels:
            return name
        for key, channel in self.data.channels.items():
            if name in channel.aliases:
                return key
        return None

    def platform_key_for_url(self, url: str) -> str | None:
        host = (urlsplit(url).hostname or "").lower()
        best: tuple[int, str] | None = None
        for key, entry in self.data.platforms.items():
            for suffix in entry.hosts:
                suffix = suffix.lower()
                if (host == suffix or host.endswith("." + suffix)) and (
                    best is None or len(suffix) > best[0]
                ):
                    best = (len(suffix), key)
        return best[1] if best else None

    def resolve(
        self,
        platform_key: str,
        *,
        platform_name: str | None = None,
        channel_override: str | None = None,
        url: str | None = None,
    ) -> ResolvedChannel:
        """The channel for ``platform_key``.

        Order: an explicit channel stored on the platform row, the YAML entry for the
        key, the YAML entry whose host matches ``url``, then the generic letter.
        """
        entry = self.data.platforms.get(platform_key)
        if entry is None and url:
            by_host = self.platform_key_for_url(url)
            entry = self.data.platforms.get(by_host) if by_host else None
        channel_key = GENERIC_CHANNEL
        override = self.channel_key(channel_override) if channel_override else None
        if override is not None:
            channel_key = override
        elif entry is not None:
            channel_key = entry.channel
        channel = self.data.channels[channel_key]
        signals = self.data.defaults.merged(channel.removal_signals)
        if entry is not None:
            signals = signals.merged(entry.removal_signals)
        return ResolvedChannel(
            key=channel_key,
            channel=channel,
            platform_key=platform_key,
            platform_name=platform_name or (entry.name if entry else platform_key),
            removal_signals=signals,
            actions={k: self.data.actions[k] for k in channel.actions},
        )


def _format_error(path: Path, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{loc}: {err['msg']}")
    return f"{path}: invalid takedown platforms file: " + "; ".join(problems)


def load_platforms(
    path: Path | None = None, templates_dir: Path = TEMPLATES_DIR
) -> PlatformRegistry:
    """Read and validate a platforms file (default: the packaged ``platforms.yaml``)."""
    path = path or DEFAULT_PLATFORMS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PlatformConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise PlatformConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PlatformConfigError(f"{path}: expected a mapping at the top level")
    try:
        data = PlatformsFile.model_validate(raw)
    except ValidationError as exc:
        raise PlatformConfigError(_format_error(path, exc)) from exc
    for key, channel in data.channels.items():
        if not (templates_dir / channel.template).is_file():
            raise PlatformConfigError(
                f"{path}: channels.{key}.template: {channel.template} not found in {templates_dir}"
            )
    return PlatformRegistry(data, path, templates_dir)


@lru_cache(maxsize=1)
def default_registry() -> PlatformRegistry:
    """The packaged registry, read once per process."""
    return load_platforms()
