"""The one place that reads configuration.

Sources, lowest priority first: the defaults below, an optional TOML file
(``lantian.toml`` in the working directory, or the path in ``LANTIAN_CONFIG``),
then ``LANTIAN_*`` environment variables.  Nothing else in the project reads the
environment; components receive the values they need.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from crawler import DEFAULT_MAX_PENDING, default_capture_concurrency

if TYPE_CHECKING:
    from store import LoginCounter, SessionStore

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """The configuration could not be read; the message names the file and key."""


class TomlFileSource(PydanticBaseSettingsSource):
    """Reads the flat ``[lantian]`` table (or the top level) of a TOML file."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.path}: not valid TOML: {exc}") from exc
        table = data.get("lantian", data)
        if not isinstance(table, dict):
            raise ConfigError(f"{self.path}: [lantian] must be a table")
        unknown = sorted(set(table) - set(self.settings_cls.model_fields))
        if unknown:
            raise ConfigError(
                f"{self.path}: unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(self.settings_cls.model_fields))}"
            )
        return table


CHROMIUM_CANDIDATES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
"""Browsers looked for on ``PATH``, best first: the headless shell renders and captures the
same pages as the full Chromium for less CPU (docs/deployment.md has the figures)."""


def default_chromium() -> str | None:
    """The first of :data:`CHROMIUM_CANDIDATES` on ``PATH``: what captures and crawls run."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Settings(BaseSettings):
    """Every setting Lantian reads, with its default."""

    model_config = SettingsConfigDict(env_prefix="LANTIAN_", extra="forbid", validate_default=True)

    data_dir: Path = Field(
        default=Path("var"), description="where the database, evidence and keys live"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under data_dir"
    )
    elasticsearch_url: str | None = Field(
        default=None, description="use Elasticsearch as search index"
    )
    redis_url: str | None = Field(
        default=None,
        description="share the crawl frontier through Redis (and, see session_backend, the UI "
        "sessions and login-failure counts)",
    )
    redis_key_prefix: str = Field(
        default="lantian",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="prefix of every key Lantian keeps in Redis (crawl frontier, sessions, "
        "login-failure counts), so deployments sharing one Redis keep apart",
    )
    session_backend: Literal["auto", "database", "redis"] = Field(
        default="auto",
        description="where UI sessions and login-failure counts live; auto: Redis when redis_url "
        "is set, else the database",
    )
    evidence_dir: Path | None = Field(
        default=None, description="artifact store; default data_dir/evidence"
    )
    key_dir: Path | None = Field(default=None, description="signing keys; default data_dir/keys")
    rules_dir: Path = Field(default=PROJECT_ROOT / "rules", description="rule packs and dictionary")
    profiles_dir: Path = Field(
        default=PROJECT_ROOT / "spiders" / "profiles", description="site profiles"
    )
    classify_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    allow_private_networks: bool = Field(
        default=False,
        description="let crawls reach loopback/private addresses (the sandbox needs it)",
    )
    chromium_path: str | None = Field(
        default_factory=default_chromium,
        description="the browser for rendering and screenshots; default: the first of "
        "chromium-headless-shell, chromium, chromium-browser, google-chrome on PATH",
    )
    operator: str = Field(
        default="lantian", description="who captures evidence, named in manifests"
    )
    office_name: str = Field(
        default="某省知识产权局", description="the requesting office in notices"
    )
    office_contact: str = Field(default="", description="contact line printed in notices")
    office_code: str = Field(
        default="330000",
        pattern=r"^\d{6}$",
        description="this office's code in rules/offices.yaml; findings with no location signal stay here",
    )
    capture_concurrency: int = Field(
        default_factory=default_capture_concurrency,
        ge=1,
        le=32,
        description="evidence captures at once (warm browser profiles); default: CPU cores + 1, 2 to 8",
    )
    # evidence.isolation.Isolation, spelled out: importing the evidence package here would
    # load Playwright into every command
    capture_isolation: Literal["fresh", "reused"] = Field(
        default="reused",
        description="reused: warm browser profiles wiped between captures (several times the "
        "captures per CPU second); fresh: a new profile per capture, for cases a court will see",
    )
    capture_max_pending: int = Field(
        default=DEFAULT_MAX_PENDING,
        ge=1,
        le=10_000,
        description="flagged listings waiting for or in capture before the crawl pauses fetching",
    )
    takedown_close_shop_threshold: int = Field(
        default=3,
        ge=2,
        description="confirmed findings of one actor on one platform before a notice asks to close the shop",
    )
    takedown_recheck_age_s: int = Field(
        default=21600,
        ge=0,
        description="re-fetch a sent notice's listings when the last check is older",
    )
    takedown_recheck_capture: bool = Field(
        default=True, description="capture new evidence (browser) when re-checking a takedown"
    )
    takedown_recheck_timeout_s: float = Field(default=20.0, gt=0, description="per-request timeout")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="unused since sessions live in the database; accepted so older configs load",
    )
    session_cookie_secure: bool = Field(
        default=False,
        description="always mark the UI session cookie Secure (it is anyway when the request is HTTPS)",
    )
    session_idle_timeout_s: int = Field(
        default=3600, ge=60, le=7 * 86400, description="a UI session ends after this long unused"
    )
    session_absolute_timeout_s: int = Field(
        default=12 * 3600,
        ge=300,
        le=30 * 86400,
        description="a UI session ends this long after login",
    )
    trust_forwarded_proto: bool = Field(
        default=False,
        description="behind a trusted reverse proxy: believe its X-Forwarded-Proto (Secure cookies)",
    )
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="larger request bodies are refused with 413"
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="when set, /metrics needs 'Authorization: Bearer <token>'; when empty, only "
        "loopback clients may read it",
    )
    tsa_url: str | None = Field(default=None, description="RFC 3161 timestamp authority")
    alert_webhook_urls: list[str] = Field(default_factory=list)
    smtp_url: SecretStr | None = None
    alert_email_to: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = Field(
        default=False, description="log one JSON object per line (for log shippers)"
    )
    scheduler_sync_interval_s: int = Field(
        default=30, ge=1, description="how often the scheduler re-reads campaigns for changes"
    )
    scheduler_recheck_interval_s: int = Field(default=3600, ge=1, description="takedown re-checks")
    scheduler_verify_interval_s: int = Field(
        default=86400, ge=1, description="re-verification of stored evidence"
    )
    scheduler_reap_interval_s: int = Field(
        default=60, ge=1, description="marking runs whose crawl process died as failed"
    )
    embed_scheduler: bool = Field(
        default=False,
        description="`lantian serve` also runs the scheduler (one machine); leave false with a separate "
        "`lantian scheduler` process",
    )
    shutdown_grace_s: float = Field(
        default=60.0,
        ge=0,
        description="on SIGTERM, how long running crawls may finish before they checkpoint",
    )

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return check_database_url(value)

    @model_validator(mode="after")
    def _redis_for_sessions(self) -> Settings:
        if self.session_backend == "redis" and not self.redis_url:
            raise ValueError("session_backend = 'redis' needs redis_url (LANTIAN_REDIS_URL)")
        return self

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return upper

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = os.environ.get("LANTIAN_CONFIG")
        toml_path = Path(path) if path else Path("lantian.toml")
        if path and not toml_path.exists():
            raise ConfigError(f"LANTIAN_CONFIG names {toml_path}, which does not exist")
        return (init_settings, env_settings, TomlFileSource(settings_cls, toml_path))

    def open_session_backends(self) -> tuple[SessionStore, LoginCounter]:
        """The session store and login limiter these settings choose (close the store after)."""
        from store import open_backends_for

        return open_backends_for(self)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lantian.db').resolve()}"

    @property
    def resolved_evidence_dir(self) -> Path:
        return self.evidence_dir or self.data_dir / "evidence"

    @property
    def resolved_key_dir(self) -> Path:
        return self.key_dir or self.data_dir / "keys"

    def masked(self) -> dict[str, Any]:
        """The effective configuration with secrets and URL passwords hidden."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif isinstance(value, str) and name.endswith("_url"):
                value = mask_url_password(value)
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        out["database_url"] = mask_url_password(self.resolved_database_url)
        return out


KNOWN_DATABASE_BACKENDS = frozenset({"sqlite", "postgresql"})


def check_database_url(url: str) -> str:
    """``url`` if SQLAlchemy can parse it and names a backend Lantian runs on, else ValueError."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(
            f"not a database URL ({mask_url_password(url)!r}); expected e.g. "
            "sqlite:///var/lantian.db or postgresql://user@host/db"
        ) from exc
    backend = parsed.get_backend_name()
    try:
        parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise ValueError(f"unknown database driver {parsed.drivername!r}") from exc
    if backend not in KNOWN_DATABASE_BACKENDS:
        raise ValueError(
            f"unsupported database {backend!r} in {mask_url_password(url)!r}; "
            f"expected one of {', '.join(sorted(KNOWN_DATABASE_BACKENDS))}"
        )
    return url


def mask_url_password(url: str) -> str:
    """``postgresql://u:secret@h/db`` -> ``postgresql://u:***@h/db``."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation failures into a ConfigError naming the key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '?'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached); tests call ``get_settings.cache_clear()``."""
    return load_settings()


@contextmanager
def session_store(settings: Settings) -> Iterator[SessionStore]:
    """The UI session store the settings choose (database or Redis), closed after the block:
    a command that changes a password or a role ends the sessions where they live."""
    store, _ = settings.open_session_backends()
    try:
        yield store
    finally:
        store.close()
