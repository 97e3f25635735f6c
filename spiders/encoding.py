"""Choose the encoding of a Chinese page: GBK, GB18030 and Big5, declared or not.

Used by the crawl's encoding middleware and by ``lantian profiles check`` on saved pages.
"""

from __future__ import annotations

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

FALLBACKS = ("utf-8", "gb18030", "big5")


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(text)


def declared_encoding(content_type: str, body: bytes) -> str | None:
    enc = (
        read_bom(body)[0]
        or http_content_type_encoding(content_type)
        or html_body_declared_encoding(body)
    )
    return resolve_encoding(enc) if enc else None


def sniff_encoding(body: bytes) -> str:
    """The first of UTF-8, GB18030, Big5 that decodes ``body`` strictly.

    GB18030 decodes almost any byte string, so when Big5 also decodes, the one
    giving more common CJK ideographs wins.
    """
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append((_cjk_share(body.decode(enc)), enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        return "gb18030"
    return max(candidates)[1]


def choose_encoding(content_type: str, body: bytes, forced: str | None = None) -> str:
    """Forced by the profile, else declared (BOM, header, meta), else sniffed.

    A declaration that does not decode the body (a UTF-8 header over GBK bytes,
    which misconfigured servers send) is overruled by sniffing.
    """
    if forced:
        return resolve_encoding(forced) or forced
    declared = declared_encoding(content_type, body)
    if declared:
        try:
            body.decode(declared)
            return declared
        except (UnicodeDecodeError, LookupError):
            pass
    return sniff_encoding(body)
