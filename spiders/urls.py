"""Canonical URLs: one listing, one key, however the platform decorated the link."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url


def _is_tracking(name: str, patterns: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def canonical_url(url: str, tracking_params: Iterable[str] = ()) -> str:
    """``url`` with tracking parameters dropped, the query sorted, the fragment removed,
    the scheme and host lower-cased and default ports dropped.

    >>> canonical_url("HTTP://Shop.example.com:80/item?id=7&utm_source=x&spm=a.b", ["utm_*", "spm"])
    'http://shop.example.com/item?id=7'
    """
    patterns = list(tracking_params)
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k, patterns)
    ]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else f"{host}:{port}"
    )
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)
