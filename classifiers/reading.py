"""Each hit read in its block: its stance and whether it counts (see ``classifiers.discourse``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from classifiers.blocks import Block, BlockIndex
from classifiers.discourse import Discourse
from classifiers.normalize import Normalized
from classifiers.occurrences import Occurrences
from classifiers.verdict import Entity, Hit
from classifiers.voice import block_voice, ends_asking


@dataclass(frozen=True, slots=True)
class Reading:
    genre: str
    evidence: list[str]
    signal_blocks: set[int]


def placed(hit: Hit, block: int, stance: str, counted: bool, why: str) -> Hit:
    """``hit`` in its block with its stance (a plain constructor call: ``replace`` costs twice that)."""
    return Hit(
        hit.rule,
        hit.category,
        hit.severity,
        hit.weight,
        hit.start,
        hit.end,
        hit.match,
        hit.explanation,
        hit.legal_basis,
        block,
        stance,
        counted,
        why,
    )


def _stance_cues(cache: dict[int, set[str]], block: int, cues: set[str]) -> set[str]:
    """The block's stance cues (its genre cues, ``cue:...``, left out), computed once per block."""
    found = cache.get(block)
    if found is None:
        found = cache[block] = {c for c in cues if not c.startswith("cue:")}
    return found


def read_hits(
    discourse: Discourse | None,
    norm: Normalized,
    occ: Occurrences,
    found: list[tuple[Hit, int, int]],
    entities: list[Entity],
    blocks: list[Block],
) -> tuple[list[Hit], Reading]:
    """Each hit with its block, stance and whether it counts (see ``classifiers.discourse``)."""
    index = BlockIndex(blocks)
    if discourse is None:
        plain = [placed(h, index.at(h.start), h.stance, h.counted, h.why) for h, _, _ in found]
        return plain, Reading("other", [], set())
    d = discourse
    contacts = [e.start for e in entities if e.kind in {"phone", "wechat", "qq"}]
    page, per_block = d.read_page(norm, index, contacts if found else [], occ, bool(found))
    marks = d.marks(norm.text, occ) if found else None
    page_voice = d.voice(page, len(norm.text))
    explainer = page_voice == "described"
    buyer_page = page.genre == "consumer_question"
    single_voice = {i for i, b in enumerate(blocks) if b.kind != "post"}
    by_author: dict[str, set[int]] = defaultdict(set)
    for i, b in enumerate(blocks):
        if b.kind == "post" and b.author:
            by_author[b.author].add(i)
    # judge() only asks whether a linked block holds a signal: the single-voice blocks that
    # do are few, so each hit copies those rather than every single-voice block
    single_signal = single_voice & page.signal_blocks
    stance_cues: dict[int, set[str]] = {}
    hits: list[Hit] = []
    for hit, n_start, n_end in found:
        bi = index.at(hit.start)
        block = blocks[bi]
        cues = per_block.get(bi, set())
        # a buyer's question speaks for the page, except in a thread, where each post
        # speaks for its author: a seller's reply under a victim's question still offers
        if block.kind == "post":
            buyer = "cue:consumer_question.buyer_voice" in cues or ends_asking(
                norm.original[block.start : block.end]
            )
        else:
            buyer = buyer_page
        voice = block_voice(block, page_voice, buyer)
        if n_start < 0:  # the licensed-agency check: about the firm itself, no sentence
            stance, why = voice, "licensed-agency register"
        else:
            assert marks is not None
            own_paragraph = explainer and voice == page_voice
            stance, why = d.stance(
                norm,
                marks,
                n_start,
                n_end,
                hit.start,
                hit.end,
                voice,
                # an article's recommending or first-person cues judge its own paragraphs;
                # a post or a banner already speaks in its author's voice
                own_paragraph,
                _stance_cues(stance_cues, bi, cues),
                block.end if own_paragraph else None,
                # a page's own question is answered by what follows; a post's by nobody
                block.kind != "post",
            )
        if block.kind == "post":
            linked = by_author.get(block.author or "", set()) - {bi}
        else:
            linked = single_signal - {bi}
        counted = stance == "offered" or (
            not buyer and d.judge(stance, bi, linked, page.signal_blocks)
        )
        if counted and stance != "offered":
            why += "; tied to a call to act"
        hits.append(placed(hit, bi, stance, counted, why))
    return hits, Reading(page.genre, page.genre_evidence, page.signal_blocks)
