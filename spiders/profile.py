"""Site profiles: what a platform looks like, as data validated here.

A profile is a small graph of page types.  The crawl enters at ``start.entry``
(search result pages built from query templates, or fixed start URLs), each
page type names the fields it yields (CSS or XPath selectors), the links it
follows and to which page type, its pagination and whether it needs a browser.
Adding a platform is a YAML file in ``spiders/profiles/``, never code.

Errors name the file and the field: ``ProfileError("jd.yaml: pages.item.fields.price:
invalid CSS selector ...")``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from spiders.page_parts import (
    BASE_PLACEHOLDER,
    Alternatives,
    BlockMarker,
    Follow,
    ProfileModel,
    Records,
    Results,
    Selector,
    check_css,
)
from store import SourceKind

# re-exported: their home is spiders.page_parts
__all__ = [
    "BASE_PLACEHOLDER",
    "DEFAULT_TRACKING_PARAMS",
    "KEYWORD_PLACEHOLDER",
    "Alternatives",
    "BlockMarker",
    "Follow",
    "PageType",
    "Profile",
    "ProfileError",
    "Rate",
    "Records",
    "Results",
    "Selector",
    "SessionSpec",
    "Start",
    "bind_base",
    "get_profile",
    "load_profile",
    "load_profiles",
    "parse_profile",
]

KEYWORD_PLACEHOLDER = "{keyword}"

DEFAULT_TRACKING_PARAMS = (
    "utm_*",
    "spm",
    "scm",
    "from",
    "ref",
    "ref_*",
    "tracking_id",
    "trackid",
    "_t",
    "fbclid",
    "gclid",
)


class ProfileError(ValueError):
    """A site profile is invalid; the message names the file and the field."""


class PageType(ProfileModel):
    render: Literal["http", "browser"] = "http"
    wait_for: str | None = Field(default=None, description="CSS selector a browser waits for")
    emit: str | None = Field(
        default=None,
        description="page_kind of the listing this page yields; none = navigation only",
    )
    fields: dict[str, Selector] = Field(default_factory=dict)
    text: Selector = Field(
        default_factory=lambda: Selector(
            xpath="//body//text()[not(ancestor::script) and not(ancestor::style)]", many=True
        ),
        description="the text classified: the whole page by default, banners included",
    )
    records: dict[str, Records] = Field(default_factory=dict)
    follow: list[Follow] = Field(default_factory=list)
    next_page: Selector | None = None
    results: Results | None = Field(
        default=None, description="search results: each one a listing, its link followed"
    )
    continues: bool = Field(
        default=False,
        description="next pages continue this listing (forum reply pages): their records "
        "and text are merged into one item instead of yielding one per page",
    )
    encoding: str | None = None

    @field_validator("wait_for")
    @classmethod
    def _valid_wait(cls, value: str | None) -> str | None:
        return None if value is None else check_css(value)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        return None if value is None else _check_encoding(value)


def _check_encoding(value: str) -> str:
    import codecs

    try:
        codecs.lookup(value)
    except LookupError as exc:
        raise ValueError(f"unknown encoding {value!r}") from exc
    return value


class Start(ProfileModel):
    entry: str = Field(description="page type of the start pages")
    queries: list[str] = Field(
        default_factory=list, description="URL templates with {keyword} (and {base})"
    )
    urls: list[str] = Field(default_factory=list, description="fixed start URLs (may use {base})")

    @field_validator("queries")
    @classmethod
    def _has_keyword(cls, values: list[str]) -> list[str]:
        for value in values:
            if KEYWORD_PLACEHOLDER not in value:
                raise ValueError(f"query template {value!r} lacks {KEYWORD_PLACEHOLDER}")
        return values

    @model_validator(mode="after")
    def _something(self) -> Start:
        if not self.queries and not self.urls:
            raise ValueError("give queries or urls (or both)")
        return self


class Rate(ProfileModel):
    concurrency: int = Field(default=4, ge=1, le=64, description="requests at once per domain")
    delay: float = Field(default=0.5, ge=0.0, le=120.0, description="seconds between requests")
    autothrottle: bool = True
    max_delay: float = Field(default=30.0, ge=0.0)
    block_backoff: float = Field(
        default=60.0,
        ge=0.0,
        le=3600.0,
        description="seconds the crawl pauses after a block page, doubling with each one",
    )


class SessionSpec(ProfileModel):
    """How to look like a logged-in visitor where a platform needs it."""

    cookies_file: Path | None = Field(
        default=None, description="Netscape cookies.txt or JSON list; never logged"
    )
    proxy: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class Profile(ProfileModel):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
    name: str
    kind: SourceKind
    verified: bool = Field(default=False, description="tested against the live platform")
    base_url: str | None = Field(
        default=None, description="scheme://host; '{base}' = given by the campaign or CLI"
    )
    allowed_domains: list[str] = Field(default_factory=list)
    takedown_channel: str | None = None
    start: Start
    pages: dict[str, PageType]
    rate: Rate = Field(default_factory=Rate)
    encoding: str | None = Field(default=None, description="force this encoding for every page")
    tracking_params: list[str] = Field(default_factory=lambda: list(DEFAULT_TRACKING_PARAMS))
    session: SessionSpec = Field(default_factory=SessionSpec)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    blocked: list[BlockMarker] = Field(
        default_factory=list, description="anti-bot, CAPTCHA and login-wall pages"
    )
    redirects: list[str] = Field(
        default_factory=list,
        description="regular expressions of the platform's click-through links "
        "(baidu.com/link?url=): a page still on one is resolved by its script or meta refresh",
    )
    notes: str = ""

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        return None if value is None else _check_encoding(value)

    @field_validator("redirects")
    @classmethod
    def _valid_redirects(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return values

    @model_validator(mode="after")
    def _graph(self) -> Profile:
        known = sorted(self.pages)
        if self.start.entry not in self.pages:
            raise ValueError(f"start.entry: unknown page type {self.start.entry!r}; known: {known}")
        for name, page in self.pages.items():
            if (page.records or page.fields) and not page.emit:
                raise ValueError(
                    f"pages.{name}: fields and records need emit (this page yields no listing)"
                )
            if page.results is not None and page.results.to not in (None, *self.pages):
                raise ValueError(
                    f"pages.{name}.results.to: unknown page type {page.results.to!r}; known: {known}"
                )
            for i, follow in enumerate(page.follow):
                if follow.to not in self.pages:
                    raise ValueError(
                        f"pages.{name}.follow.{i}.to: unknown page type {follow.to!r}; known: {known}"
                    )
        if not any(
            page.emit or (page.results and page.results.emit) for page in self.pages.values()
        ):
            raise ValueError("pages: no page type emits a listing (set emit on one)")
        return self

    @property
    def needs_base(self) -> bool:
        matches = [f.match or "" for page in self.pages.values() for f in page.follow]
        templates = [self.base_url or "", *self.start.queries, *self.start.urls, *matches]
        return any(BASE_PLACEHOLDER in t for t in templates)

    @property
    def uses_browser(self) -> bool:
        return any(page.render == "browser" for page in self.pages.values())


def _format_errors(path: Path | str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return f"{path}: " + "; ".join(parts)


def parse_profile(data: Any, source: Path | str = "<profile>") -> Profile:
    """Validate ``data`` (a parsed YAML mapping); errors name ``source`` and the field."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: a profile must be a mapping, got {type(data).__name__}")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_errors(source, exc)) from exc


def load_profile(path: Path) -> Profile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}") from exc
    profile = parse_profile(data, path)
    if profile.key != path.stem:
        raise ProfileError(f"{path}: key: {profile.key!r} must match the file name {path.stem!r}")
    cookies = profile.session.cookies_file
    if cookies is not None and not cookies.is_absolute():
        # A relative cookie file lives beside the profile, wherever the crawl runs from.
        session = profile.session.model_copy(update={"cookies_file": path.parent / cookies})
        profile = profile.model_copy(update={"session": session})
    return profile


def load_profiles(directory: Path) -> dict[str, Profile]:
    """Every ``*.yaml`` profile in ``directory`` by key."""
    return {p.key: p for p in (load_profile(f) for f in sorted(directory.glob("*.yaml")))}


@lru_cache(maxsize=8)
def _cached_profiles(directory: str) -> dict[str, Profile]:
    return load_profiles(Path(directory))


def get_profile(directory: Path, key: str) -> Profile:
    profiles = _cached_profiles(str(directory))
    if key not in profiles:
        raise ProfileError(
            f"no profile {key!r} in {directory}; known: {', '.join(sorted(profiles)) or 'none'}"
        )
    return profiles[key]


def bind_base(profile: Profile, base: str | None) -> Profile:
    """The profile with ``{base}`` replaced by ``base`` (``scheme://host[:port]``).

    Its allowed domains gain the base's host, so a sandbox on a loopback port
    is crawled like any other site.
    """
    if not profile.needs_base:
        return profile
    if not base:
        raise ProfileError(
            f"profile {profile.key!r} needs a base URL (it uses {BASE_PLACEHOLDER}); "
            f"give one with --base-url {profile.key}=URL or in the campaign's base_urls"
        )
    from urllib.parse import urlsplit

    base = base.rstrip("/")
    host = urlsplit(base).hostname
    if not host or urlsplit(base).scheme not in {"http", "https"}:
        raise ProfileError(f"profile {profile.key!r}: base URL {base!r} is not http(s)://host")

    def sub(value: str) -> str:
        return value.replace(BASE_PLACEHOLDER, base)

    start = profile.start.model_copy(
        update={
            "queries": [sub(q) for q in profile.start.queries],
            "urls": [sub(u) for u in profile.start.urls],
        }
    )
    domains = list(dict.fromkeys([*profile.allowed_domains, host]))
    pages = {
        name: page.model_copy(
            update={
                "follow": [
                    f.model_copy(
                        update={"match": f.match.replace(BASE_PLACEHOLDER, re.escape(base))}
                    )
                    if f.match
                    else f
                    for f in page.follow
                ]
            }
        )
        for name, page in profile.pages.items()
    }
    return profile.model_copy(
        update={
            "base_url": sub(profile.base_url or base),
            "start": start,
            "allowed_domains": domains,
            "pages": pages,
        }
    )
