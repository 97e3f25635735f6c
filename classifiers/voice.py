"""Who speaks, from a page's genre scores, a block's kind and a sentence's punctuation: the
page's own voice, the default voice of a block, a post that ends on a question, a phrase inside
quotation marks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from classifiers.blocks import SITE_VOICE, Block
from classifiers.discourse_files import GenresFile
from classifiers.normalize import Normalized

#: the genres that speak as a seller (their voice is ``offered``) on the strength of selling cues
SELLERS: Final = frozenset({"seller_offer", "shop_page", "retail"})
OTHER: Final = "other"


def page_voice(genres: GenresFile, genre: str, scores: Mapping[str, float], length: int) -> str:
    """The page's own voice: its genre's, or for a page no genre claims, an article's
    (``described``) when nothing on it sells and it is long or shows some article structure
    (``article_min``: a question title, an exposition, a byline, numbered articles), else an
    advert's.  Selling takes real seller evidence (``seller_min``): a content farm's
    "小编为大家整理" is not an advert."""
    spec = genres.genres.get(genre)
    if spec is not None:
        return spec.voice
    if any(scores.get(g, 0.0) >= genres.seller_min for g in SELLERS):
        return "offered"
    return "described" if is_article(genres, scores, length) else "offered"


def is_article(genres: GenresFile, scores: Mapping[str, float], length: int) -> bool:
    """Whether a page is long (``article_length``) or some article genre scores ``article_min``."""
    return length >= genres.article_length or any(
        scores.get(g, 0.0) >= genres.article_min
        for g, s in genres.genres.items()
        if s.voice in ("described", "reported")
    )


def chrome_article(
    genres: GenresFile,
    genre: str,
    scores: Mapping[str, float],
    selling: Mapping[str, float],
    length: int,
) -> bool:
    """Whether a page read as a seller's is an article under site chrome: its seller evidence is
    only what chrome carries (``Cue.chrome``: a call to act, a hotline, "本站"), below
    ``seller_min`` without it (``selling``: the scores without chrome cues), and it has article
    structure.  Its paragraphs describe the subjects the ``topics`` rules name (job titles,
    inventor positions); a claim such as "不下证不收费" still speaks in the site's voice."""
    if page_voice(genres, genre, scores, length) != "offered" or (
        genre not in SELLERS and genre != OTHER
    ):
        return False
    sells = any(selling.get(g, 0.0) >= genres.seller_min for g in SELLERS)
    return not sells and is_article(genres, scores, length)


_OPEN_QUOTES: Final = "“「『\"‘《【'"
_CLOSE_QUOTES: Final = "”」』\"’》】'"


def ends_asking(text: str) -> bool:
    """Whether a post ends on a question: its author is asking (a buyer describing an offer
    they received and asking whether it is safe), not offering.  A seller's post that ends on
    a question still counts when it carries its own call to act (``asked`` is tied by it)."""
    return text.rstrip().rstrip(_CLOSE_QUOTES + "…~～ ").endswith(("？", "?"))


def block_voice(block: Block, page_voice: str, post_asks: bool) -> str:
    """The default stance of a hit in ``block``: the site's, a post author's, or the page's voice."""
    if block.kind in SITE_VOICE:
        return "offered"
    if block.kind == "post":
        return "asked" if post_asks else "offered"
    return page_voice


def _quote_classes() -> bytes:
    """For each character of the BMP: whether it opens (1) or closes (2) a quotation, or ends a
    sentence (4, a line break 8), as one byte: ``in_quotes`` reads a character's class by its
    code, where testing it against strings first built a one-character string of it."""
    table = bytearray(0x10000)
    for marks, bit in ((_OPEN_QUOTES, 1), (_CLOSE_QUOTES, 2), ("。！？!?", 4), ("\n", 8)):
        for ch in marks:
            table[ord(ch)] |= bit
    return bytes(table)


_QUOTE_CLASS: Final = _quote_classes()


def in_quotes(original: str, start: int, end: int, reach: int = 40) -> bool:
    """Whether ``original[start:end]`` sits inside quotation marks within one sentence.

    Looking back within ``reach``, the nearest quotation mark or sentence end must open a
    quotation (a mark that both opens and closes, ``"``, opens here); looking on, the first must
    close one, or be a sentence end right before a closing mark (a quoted sentence keeps its own
    full stop inside the marks: “…保证授权。”)."""
    i = start - 1
    lo = start - reach if start - reach > 0 else 0
    while True:
        if i < lo:
            return False
        c = ord(original[i])
        kind = _QUOTE_CLASS[c] if c < 0x10000 else 0
        if kind:
            if not kind & 1:
                return False  # a closing mark or a sentence end comes first
            break
        i -= 1
    j = end
    stop = min(len(original), end + reach)
    while j < stop:
        c = ord(original[j])
        kind = _QUOTE_CLASS[c] if c < 0x10000 else 0
        if kind:
            if kind & 2:
                return True
            if kind & 4:
                return original[j + 1 : j + 2] in tuple(_CLOSE_QUOTES)
            return False  # an opening mark or a line break
        j += 1
    return False


def quoted_span(norm: Normalized, start: int, end: int) -> bool:
    """Whether normalized ``[start, end)`` sits inside quotation marks in the original (``in_quotes``)."""
    o_start, o_end = norm.original_span(start, end)
    return in_quotes(norm.original, o_start, o_end)


def all_quoted(norm: Normalized, term: str, starts: list[int]) -> bool:
    """Whether every occurrence of ``term`` (normalized starts) sits inside quotation marks."""
    return all(quoted_span(norm, p, p + len(term)) for p in starts)


def has_quotes(original: str) -> bool:
    """Whether the page has any opening quotation mark (most pages have none: skip the checks)."""
    return any(ch in original for ch in _OPEN_QUOTES)


def quoted_claim(
    norm: Normalized, voice: str, o_start: int, o_end: int, cue: tuple[int, int]
) -> bool:
    """Whether a first-person offer ("“我们有审查员关系”") is someone's words in quotation
    marks, hit and cue (its normalized span) alike, on a page that does not speak as a seller."""
    if voice == "offered" or not in_quotes(norm.original, o_start, o_end):
        return False
    c_start, c_end = norm.original_span(cue[0], cue[1])
    return in_quotes(norm.original, c_start, c_end)
