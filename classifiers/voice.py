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


def in_quotes(original: str, start: int, end: int, reach: int = 40) -> bool:
    """Whether ``original[start:end]`` sits inside quotation marks within one sentence."""
    i = start - 1
    while i >= max(0, start - reach):
        ch = original[i]
        if ch in _OPEN_QUOTES:
            break
        if (ch in _CLOSE_QUOTES and ch not in _OPEN_QUOTES) or ch in "。！？!?\n":
            return False
        i -= 1
    else:
        return False
    j = end
    while j < min(len(original), end + reach):
        ch = original[j]
        if ch in _CLOSE_QUOTES:
            return True
        # a quoted sentence keeps its own full stop inside the marks: “…保证授权。”
        if ch in "。！？!?" and original[j + 1 : j + 2] in tuple(_CLOSE_QUOTES):
            return True
        if (ch in _OPEN_QUOTES and ch not in _CLOSE_QUOTES) or ch in "。！？!?\n":
            return False
        j += 1
    return False


def all_quoted(norm: Normalized, term: str, starts: list[int]) -> bool:
    """Whether every occurrence of ``term`` (normalized starts) sits inside quotation marks."""
    return all(in_quotes(norm.original, *norm.original_span(p, p + len(term))) for p in starts)


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
    c_start, c_end = norm.original_span(*cue)
    return in_quotes(norm.original, c_start, c_end)
