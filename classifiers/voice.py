"""Who speaks, from a block's kind and a sentence's punctuation: the default voice of a
block, a post that ends on a question, a phrase inside quotation marks."""

from __future__ import annotations

from classifiers.blocks import SITE_VOICE, Block

_OPEN_QUOTES = "“「『\"‘《【'"
_CLOSE_QUOTES = "”」』\"’》】'"


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
        if (ch in _OPEN_QUOTES and ch not in _CLOSE_QUOTES) or ch in "。！？!?\n":
            return False
        j += 1
    return False
