"""The parts of a page type in a site profile: selectors, links followed, records, search
results and block markers, with the checks of the CSS, XPath and regular expressions they hold."""

from __future__ import annotations

import re
from typing import Annotated, Any

from lxml import etree
from parsel.csstranslator import GenericTranslator
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

BASE_PLACEHOLDER = "{base}"

_css = GenericTranslator()


def check_css(value: str) -> str:
    try:
        _css.css_to_xpath(value)
    except Exception as exc:  # cssselect raises several unrelated classes
        raise ValueError(f"invalid CSS selector {value!r}: {exc}") from exc
    return value


def check_re(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
    return value


def check_xpath(value: str) -> str:
    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"invalid XPath {value!r}: {exc}") from exc
    return value


class ProfileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(ProfileModel):
    """Where a value sits on a page.  A bare string in YAML is a CSS selector.

    ``css`` and ``xpath`` follow parsel (``::text``, ``::attr(href)``); ``re``
    keeps the first group of a regular expression applied to each match;
    ``many`` joins all matches with ``join`` instead of keeping the first.
    """

    css: str | None = None
    xpath: str | None = None
    re: str | None = None
    many: bool = False
    join: str = " "

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"css": data}
        return data

    @field_validator("css")
    @classmethod
    def _valid_css(cls, value: str | None) -> str | None:
        return None if value is None else check_css(value)

    @field_validator("xpath")
    @classmethod
    def _valid_xpath(cls, value: str | None) -> str | None:
        return None if value is None else check_xpath(value)

    @field_validator("re")
    @classmethod
    def _valid_re(cls, value: str | None) -> str | None:
        return None if value is None else check_re(value)

    @model_validator(mode="after")
    def _exactly_one(self) -> Selector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give exactly one of css or xpath")
        return self


class Follow(ProfileModel):
    """Links on a page to follow, and the page type they lead to."""

    links: Selector
    to: str
    limit: int | None = Field(default=None, ge=1, description="at most this many links per page")
    same_site: bool = Field(
        default=True, description="only follow links on the profile's allowed domains"
    )
    match: str | None = Field(
        default=None, description="regular expression the absolute URL must match ({base} allowed)"
    )

    @field_validator("match")
    @classmethod
    def _valid_match(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value.replace(BASE_PLACEHOLDER, "x"))
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value


class Records(ProfileModel):
    """Repeated blocks on one page (forum replies, result snippets) gathered as a list field."""

    selector: Selector
    fields: dict[str, Selector]


def _as_list(data: Any) -> Any:
    """A single selector in YAML stands for a list of one."""
    return [data] if isinstance(data, (str, dict)) else data


Alternatives = Annotated[list[Selector], BeforeValidator(_as_list)]


class Results(ProfileModel):
    """The results of a search page: each block is one result, kept in page order.

    Each part lists alternatives, tried in order per block, because a platform's
    layout changes over the years: the first alternative that finds something wins.
    ``link``, ``title``... are relative to the block.  A block where an ``ad``
    alternative matches is a paid placement.  Every result becomes a listing of
    page kind ``emit`` (engine, query, rank, title, snippet, displayed URL, ad);
    its link is followed to page type ``to``.
    """

    block: Alternatives
    link: Alternatives
    title: Alternatives = Field(default_factory=list)
    snippet: Alternatives = Field(default_factory=list)
    displayed_url: Alternatives = Field(default_factory=list)
    ad: Alternatives = Field(default_factory=list)
    to: str | None = Field(default=None, description="page type each result link leads to")
    emit: str | None = Field(
        default="serp_result", description="page_kind of the listing each result yields"
    )
    limit: int | None = Field(default=None, ge=1, description="at most this many per page")

    @field_validator("block", "link")
    @classmethod
    def _not_empty(cls, values: list[Selector]) -> list[Selector]:
        if not values:
            raise ValueError("give at least one selector")
        return values


class BlockMarker(ProfileModel):
    """How a platform's anti-bot, CAPTCHA or login page is recognised (never stored as a listing).

    ``url`` is a regular expression on the response URL (after redirects),
    ``title`` one on the page title, ``text`` one on the title and text (mind
    that a result snippet may quote anything), ``css`` an element the page has.
    """

    name: str
    url: str | None = None
    title: str | None = None
    text: str | None = None
    css: str | None = None

    @field_validator("url", "title", "text")
    @classmethod
    def _valid_re(cls, value: str | None) -> str | None:
        return None if value is None else check_re(value)

    @field_validator("css")
    @classmethod
    def _valid_css(cls, value: str | None) -> str | None:
        return None if value is None else check_css(value)

    @model_validator(mode="after")
    def _one(self) -> BlockMarker:
        if sum(v is not None for v in (self.url, self.title, self.text, self.css)) != 1:
            raise ValueError("give exactly one of url, title, text or css")
        return self
