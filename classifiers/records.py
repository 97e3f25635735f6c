"""``lantian classify``'s output object for one verdict (compiled with the classifier: see setup.py).

Interpreted, building a page's record read each of its hits' thirteen fields through a
descriptor of the compiled ``Hit`` (a realistic page has about 65 hits); compiled, each
is a native read.  :mod:`classifiers.jsonl` documents the fields.
"""

from __future__ import annotations

from typing import Any

from classifiers.verdict import Verdict


def _split_field(start: int, end: int, title: str) -> tuple[str, int, int]:
    if not title:
        return "text", start, end
    offset = len(title) + 1
    if start >= offset:
        return "text", start - offset, end - offset
    return "title", start, min(end, len(title))


def _in_block(
    start: int, end: int, block: int | None, verdict: Verdict, texts: list[str]
) -> tuple[str, int, int, str]:
    b = verdict.blocks[block or 0]
    s, e = start - b.start, min(end, b.end) - b.start
    return "block", s, e, texts[block or 0][s:e]


def verdict_record(
    record_id: Any,
    verdict: Verdict,
    title: str,
    text: str,
    block_texts: list[str] | None = None,
) -> dict[str, Any]:
    """The output object for one classified input line; a hit spanning title and text is cut at the title's end.

    With ``block_texts`` (the input had ``blocks``) offsets index the hit's block.
    """
    hits: list[dict[str, Any]] = []
    for h in verdict.hits:
        if block_texts is not None:
            field, start, end, match = _in_block(h.start, h.end, h.block, verdict, block_texts)
        else:
            field, start, end = _split_field(h.start, h.end, title)
            match = (title if field == "title" else text)[start:end]
        hits.append(
            {
                "rule": h.rule,
                "category": h.category,
                "severity": h.severity,
                "field": field,
                "block": h.block,
                "start": start,
                "end": end,
                "match": match,
                "stance": h.stance,
                "counted": h.counted,
                "why": h.why,
                "explanation": h.explanation,
                "legal_basis": h.legal_basis,
            }
        )
    return {
        "id": record_id,
        "irregular": verdict.irregular,
        "score": verdict.score,
        "categories": verdict.categories,
        "severity": verdict.severity,
        "hits": hits,
        "entities": _entities(verdict, title, block_texts),
        "genre": verdict.genre,
        "tier": verdict.tier,
        "watch_categories": verdict.watch_categories,
        "offending": _offending(verdict),
        "rules_version": verdict.rules_version,
    }


def _entities(verdict: Verdict, title: str, block_texts: list[str] | None) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    for e in verdict.entities:
        if block_texts is not None:
            block = next((i for i, b in enumerate(verdict.blocks) if b.start <= e.start < b.end), 0)
            field, start, end, _ = _in_block(e.start, e.end, block, verdict, block_texts)
        else:
            field, start, end = _split_field(e.start, e.end, title)
        entities.append(
            {"kind": e.kind, "value": e.value, "field": field, "start": start, "end": end}
        )
    return entities


def _offending(verdict: Verdict) -> dict[str, Any] | None:
    offending = verdict.offending
    if offending is None:
        return None
    return {
        "block": verdict.offending_block,
        "kind": offending.kind,
        "author": offending.author,
        "ref": offending.ref,
        "url": offending.url,
    }
