"""Apply a profile's selectors to a page (no Scrapy here: parsel selectors only)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree
from parsel import Selector as Page
from parsel import SelectorList
from parsel.csstranslator import HTMLTranslator
from parsel.utils import extract_regex

from spiders.profile import Records, Selector

_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_LINES = re.compile(r"\n\s*\n+")


def clean(text: str) -> str:
    """Collapse runs of blanks (ASCII, no-break and ideographic spaces) and blank lines."""
    if "\n" not in text:  # most values are one line: no line splitting or blank-line pass
        return _SPACE.sub(" ", text).strip()
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def select(node: Page | SelectorList[Page], spec: Selector) -> SelectorList[Page]:
    if spec.css is not None:
        return node.css(spec.css)
    assert spec.xpath is not None
    return node.xpath(spec.xpath)


_TRANSLATOR = HTMLTranslator()
#: the prefixes a parsel Selector knows unless told more (EXSLT regular expressions and sets)
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}


@lru_cache(maxsize=1024)
def _evaluator(css: str | None, xpath: str | None) -> tuple[str, etree.XPath]:
    """A selector compiled once, as parsel compiles it (CSS through its HTML translator,
    strings rather than smart strings, the EXSLT prefixes the expression uses)."""
    query = _TRANSLATOR.css_to_xpath(css) if css is not None else xpath
    assert query is not None
    used = {prefix: uri for prefix, uri in _NAMESPACES.items() if f"{prefix}:" in query}
    try:
        return query, etree.XPath(query, namespaces=used, smart_strings=False)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {query}") from exc


class Block:
    """An element of an HTML page found by a compiled selector (``records``' blocks): read as
    parsel would read a Selector of it, without building one."""

    __slots__ = ("root",)
    type = "html"
    namespaces = _NAMESPACES

    def __init__(self, root: etree._Element) -> None:
        self.root = root


Node = Page | SelectorList[Page] | Block


def _plain_root(node: Node) -> etree._Element | None:
    """The element of ``node`` when it is one of an HTML page with parsel's usual prefixes,
    which the compiled selectors here evaluate as parsel would; else None."""
    if isinstance(node, Block):
        return node.root
    root = getattr(node, "root", None)
    if (
        isinstance(root, etree._Element)
        and getattr(node, "type", None) == "html"
        and node.namespaces == _NAMESPACES  # type: ignore[union-attr]
    ):
        return root
    return None


def _evaluate(root: etree._Element, spec: Selector) -> list[Any]:
    query, evaluate = _evaluator(spec.css, spec.xpath)
    try:
        result = evaluate(root)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {query}") from exc
    return result if isinstance(result, list) else [result]


def matches(node: Page | SelectorList[Page], spec: Selector) -> bool:
    """Whether ``spec`` finds anything under ``node`` (``bool(select(node, spec))``) without
    parsel's per-call XPath compile and a Selector per match."""
    root = _plain_root(node)
    if root is None:
        return bool(select(node, spec))
    return bool(_evaluate(root, spec))


def _serialized(found: Any) -> str:
    """One XPath result as parsel's ``get()`` gives it for an HTML page."""
    if isinstance(found, etree._Element):
        return str(etree.tostring(found, method="html", encoding="unicode", with_tail=False))
    if found is True:
        return "1"
    if found is False:
        return "0"
    return str(found)


def strings(node: Node, spec: Selector) -> list[str]:
    """What ``select(node, spec).getall()`` (or ``.re(spec.re)``) gives, without a parsel
    Selector per match: a page's fields and each record's are tens of matches a page, and
    wrapping each cost as much as finding it.  Anything but an element of an HTML page
    with parsel's usual prefixes goes through parsel itself."""
    root = _plain_root(node)
    if root is None:
        assert not isinstance(node, Block)
        found = select(node, spec)
        return found.re(spec.re) if spec.re else found.getall()
    raw = [_serialized(x) for x in _evaluate(root, spec)]
    if spec.re:
        return [match for text in raw for match in extract_regex(spec.re, text)]
    return raw


#: Inline elements do not break words: a search engine's <em> highlight inside a title is
#: part of the title ("全国<em>旅行社</em>团队游" reads 全国旅行社团队游, not 全国 旅行社 团队游).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "big",
        "cite",
        "code",
        "em",
        "font",
        "i",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "tt",
        "u",
        "var",
    ]
)


def html_text(markup: str) -> str:
    """The text of an HTML fragment as it reads: inline elements joined, blocks spaced."""
    root = lxml.html.fragment_fromstring(_CONTROL.sub("", markup), create_parent="div")
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    for element in list(root.iter()):
        if element is not root and element.tag in _INLINE:
            element.drop_tag()
    return " ".join(t for t in root.itertext())


def values(node: Node, spec: Selector) -> list[str]:
    """Every non-empty cleaned value ``spec`` finds under ``node``."""
    out = []
    for value in strings(node, spec):
        if "<" in value and ">" in value and not spec.re:
            value = html_text(value)
        cleaned = clean(value)
        if cleaned:
            out.append(cleaned)
    return out


def value(node: Node, spec: Selector) -> str | None:
    found = values(node, spec)
    if not found:
        return None
    return spec.join.join(found) if spec.many else found[0]


def fields(node: Node, specs: dict[str, Selector]) -> dict[str, Any]:
    """The profile's named fields; a field the page lacks is absent, never an empty string."""
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        found = value(node, spec)
        if found is not None:
            out[name] = found
    return out


def records(page: Page, spec: Records) -> list[dict[str, Any]]:
    """Each block's fields, blocks without any left out.  Blocks that are elements of an HTML
    page are read through the compiled selectors (no Selector per block); any other match
    (text, an attribute) goes through parsel."""
    blocks: list[Node] | None = None
    root = _plain_root(page)
    if root is not None:
        found = _evaluate(root, spec.selector)
        if all(isinstance(x, etree._Element) for x in found):
            blocks = [Block(x) for x in found]
    if blocks is None:
        blocks = list(select(page, spec.selector))
    return [rec for rec in (fields(block, spec.fields) for block in blocks) if rec]


TITLE = Selector(css="title::text")


def title(page: Page) -> str:
    """The page's ``<title>`` text as ``page.css("title::text").get("")`` gives it."""
    found = strings(page, TITLE)
    return found[0] if found else ""


def page_text(page: Page, spec: Selector) -> str:
    """The text classified: every text node the selector finds, one per line."""
    return clean("\n".join(values(page, spec)))
