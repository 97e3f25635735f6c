"""Re-fetch a listing URL for a takedown re-check, and decide whether it is gone.

The URL came from a crawled page, so it is hostile: every hop of a redirect
chain is resolved and refused when it points at a private, loopback or
link-local address, unless ``allow_private_networks`` is set (the sandbox).
"""

from __future__ import annotations

import enum
import re
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from evidence import RefusedAddress, checked_address
from takedown.platforms import RemovalSignals

MAX_REDIRECTS = 5
MAX_BODY_BYTES = 5 * 1024 * 1024
INCONCLUSIVE_STATUSES = frozenset({401, 403, 407, 408, 425, 429})
USER_AGENT = "Mozilla/5.0 (compatible; Lantian takedown re-check)"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_INVISIBLE = re.compile(
    r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_HIDDEN = re.compile(
    r"<(\w+)[^>]*(?:\bhidden\b|display\s*:\s*none|visibility\s*:\s*hidden)[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class Verdict(enum.StrEnum):
    removed = "removed"
    online = "online"
    inconclusive = "inconclusive"


@dataclass(frozen=True)
class FetchOutcome:
    verdict: Verdict
    url: str
    final_url: str
    http_status: int | None
    detail: str


class BlockedURL(Exception):
    """The URL, or a redirect target, is not http(s) or resolves to a non-public address."""


def check_address(url: str, allow_private_networks: bool) -> None:
    """Raise :class:`BlockedURL` unless ``url`` may be fetched."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedURL(f"{url}: scheme {parts.scheme!r} is not http(s)")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise BlockedURL(f"{url}: no host")
    if allow_private_networks:
        return
    try:
        checked_address(host, parts.port or 443, allow_private_networks=False)
    except RefusedAddress as exc:
        raise BlockedURL(f"{url}: {exc}") from exc


def decode_body(body: bytes, content_type: str) -> str:
    charset = None
    match = re.search(r"charset=([A-Za-z0-9_-]+)", content_type, re.IGNORECASE)
    if match:
        charset = match.group(1)
    else:
        meta = _META_CHARSET.search(body[:4096])
        if meta:
            charset = meta.group(1).decode("ascii")
    if charset and charset.lower() in ("gb2312", "gbk"):
        charset = "gb18030"
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def visible_text(html: str) -> str:
    """Text a reader sees: no scripts, styles, comments or elements hidden inline."""
    text = _COMMENT.sub(" ", html)
    text = _INVISIBLE.sub(" ", text)
    text = _HIDDEN.sub(" ", text)
    text = _TAG.sub(" ", text)
    return " ".join(text.split())


def judge(
    status: int, final_url: str, html: str, signals: RemovalSignals, listing_title: str = ""
) -> tuple[Verdict, str]:
    """Decide from one response whether the listing is gone.

    A status code or URL marker from the platform's removal signals settles it.
    A text marker counts only on a page that no longer shows the listing's
    title: a seller cannot fake removal by writing 该商品已下架 into a live listing.
    """
    if status in signals.status_codes:
        return Verdict.removed, f"HTTP {status} is a removal signal"
    for marker in signals.url_markers:
        if marker in final_url:
            return Verdict.removed, f"redirected to {final_url} (marker {marker!r})"
    if status in INCONCLUSIVE_STATUSES or status >= 500:
        return Verdict.inconclusive, f"HTTP {status}: the platform did not show the page"
    text = visible_text(html)
    title = " ".join(listing_title.split())
    title_shown = bool(title) and title in text
    for marker in signals.text_markers:
        if marker in text:
            if title_shown:
                return (
                    Verdict.online,
                    f"marker {marker!r} present but the listing title is still shown",
                )
            return Verdict.removed, f"page says {marker!r}"
    if 200 <= status < 300:
        return Verdict.online, f"HTTP {status}, no removal signal"
    return Verdict.inconclusive, f"HTTP {status} is not a known removal signal"


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_WAIT_S = 2.0


def _retry_wait(outcome: FetchOutcome, attempt: int, backoff_s: float) -> float:
    return min(MAX_RETRY_WAIT_S, backoff_s * (attempt + 1))


def fetch_and_judge(
    client: httpx.Client,
    url: str,
    signals: RemovalSignals,
    *,
    allow_private_networks: bool,
    listing_title: str = "",
    retries: int = 2,
    backoff_s: float = 0.5,
) -> FetchOutcome:
    """Fetch and judge ``url``, retrying a throttled or failing answer (429, 5xx, network error)."""
    outcome = _fetch_once(client, url, signals, allow_private_networks, listing_title)
    for attempt in range(retries):
        transient = outcome.http_status in RETRY_STATUSES or (
            outcome.http_status is None and outcome.detail.startswith("fetch failed")
        )
        if outcome.verdict is not Verdict.inconclusive or not transient:
            break
        time.sleep(_retry_wait(outcome, attempt, backoff_s))
        outcome = _fetch_once(client, url, signals, allow_private_networks, listing_title)
    return outcome


def _fetch_once(
    client: httpx.Client,
    url: str,
    signals: RemovalSignals,
    allow_private_networks: bool,
    listing_title: str,
) -> FetchOutcome:
    """GET ``url`` following at most :data:`MAX_REDIRECTS` redirects, each hop address-checked."""
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_address(current, allow_private_networks)
            with client.stream("GET", current, headers={"User-Agent": USER_AGENT}) as response:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_BODY_BYTES:
                        break
                html = decode_body(bytes(body), response.headers.get("content-type", ""))
                verdict, detail = judge(response.status_code, current, html, signals, listing_title)
                return FetchOutcome(verdict, url, current, response.status_code, detail)
        return FetchOutcome(
            Verdict.inconclusive, url, current, None, f"more than {MAX_REDIRECTS} redirects"
        )
    except BlockedURL as exc:
        return FetchOutcome(Verdict.inconclusive, url, current, None, f"refused: {exc}")
    except RefusedAddress as exc:  # the pinned transport's own check, at connect time
        return FetchOutcome(Verdict.inconclusive, url, current, None, f"refused: {current}: {exc}")
    except httpx.HTTPError as exc:
        return FetchOutcome(
            Verdict.inconclusive, url, current, None, f"fetch failed: {type(exc).__name__}: {exc}"
        )
