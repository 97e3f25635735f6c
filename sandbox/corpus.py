"""Page-length listing texts from sandbox worlds, for timing the classifier on what a campaign collects.

A campaign's pages are mostly offers and near-offers (licensed agencies, guides,
warnings, a victim's question), each a few thousand characters: the listing
itself, then what a real page carries around it (the site's banner and footer,
related listings, replies).  :func:`listing_pages` builds such pages from the
sandbox's generated texts, deterministic for a seed, so the text is dense with
the phrases the rules look for, disguises included.
"""

from __future__ import annotations

import random

from sandbox.generate import build_world
from sandbox.model import Page, Text

#: genres of the texts that are not offers but read like one (the hard negatives)
NEAR_OFFERS = frozenset(
    {"licensed_agency", "guide", "scam_question", "warning", "news", "victim", "exam_prep"}
)
OFFER_SHARE = 0.6
NEAR_SHARE = 0.3


def _body(text: Text) -> str:
    return "\n".join(p for p in text.paragraphs if p.strip())


def _pools(seed: int) -> tuple[list[Page], list[Page], list[Page]]:
    world = build_world(seed)
    pages = [p for p in world.pages() if p.text.paragraphs]
    offers = [p for p in pages if p.irregular]
    near = [p for p in pages if not p.irregular and p.text.genre in NEAR_OFFERS]
    other = [p for p in pages if not p.irregular and p.text.genre not in NEAR_OFFERS]
    return offers, near, other


def listing_pages(megabytes: float, seed: int = 2025) -> list[dict[str, str]]:
    """Pages (``id``, ``title``, ``text``) totalling about ``megabytes`` MB of UTF-8.

    Each page's main text is an offer (60%), a near-offer (30%) or neutral (10%);
    related listings from the same world fill it to 1,500-6,000 characters (offers and
    near-offers around an offer, near-offers and neutral texts around the others).  A new
    sandbox world is built every hundred pages so the texts rarely repeat.
    """
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    out: list[dict[str, str]] = []
    size = 0
    world_seed = seed
    offers, near, other = _pools(world_seed)
    while size < target:
        if out and len(out) % 100 == 0:
            world_seed += 1
            offers, near, other = _pools(world_seed)
        roll = rng.random()
        pool = offers if roll < OFFER_SHARE else near if roll < OFFER_SHARE + NEAR_SHARE else other
        main = rng.choice(pool)
        parts = [_body(main.text)]
        length = rng.randint(1500, 6000)
        filled = len(parts[0])
        while filled < length:
            # an offer's page links to more offers; a near-offer's to its own kind and neutral pages
            related = rng.choice(rng.choice((offers, near) if pool is offers else (near, other)))
            piece = f"{related.text.title}\n{_body(related.text)}"
            parts.append(piece)
            filled += len(piece) + 1
        text = "\n".join(parts)
        out.append({"id": f"page-{len(out) + 1:06d}", "title": main.text.title, "text": text})
        size += len((main.text.title + text).encode("utf-8"))
    return out
