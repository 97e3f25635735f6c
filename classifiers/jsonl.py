"""``lantian classify``: JSON Lines in, one JSON object per input line out, in order.

Input lines carry at least ``text`` or ``blocks`` (optional ``id``, ``title``,
``url``, ``platform``); ``blocks`` is a list of ``{"text", "kind"?, "author"?,
"ref"?}``, the units a reader sees (title, paragraphs, forum posts, shop header,
banner, footer).  Output: ``id``, ``irregular``, ``score``, ``categories``,
``severity``, ``hits``, ``entities``, and who is speaking: ``genre``, ``tier``
(offer / watch / none), ``watch_categories`` and ``offending`` (the block of the
first counted hit).  Offsets in a hit or entity index the field named by its
``field`` (``"text"``, ``"title"`` or ``"block"``, with ``block`` its index), so
they are offsets into the original input strings; each hit also names its
``block``, its ``stance`` there, whether it ``counted`` and ``why``.  A line that cannot be classified yields
``{"id": ..., "error": "..."}``; nothing in the input stops the stream.  Each output
line is compact JSON (no spaces after ``,`` and ``:``), UTF-8 as written (see
:func:`dump_record`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from classifiers.blocks import BlockError, join_blocks, parse_blocks
from classifiers.engine import Classifier
from classifiers.records import verdict_record

MAX_LINE_CHARS = 20_000_000


def dump_record(record: dict[str, Any]) -> bytes:
    """One output record as a line of compact JSON in UTF-8 (without the line break).

    orjson writes a page's record ten times faster than ``json.dumps``, and as bytes: a
    realistic page's record is five times its text (each hit repeats its explanation),
    so decoding it to write it through a text stream, which encodes it again, cost more
    than writing it.  What orjson refuses (an id beyond 64 bits, a lone surrogate from an
    escaped input) goes through ``json`` in the same compact form; a lone surrogate, which
    UTF-8 cannot carry, is then written escaped (``\\ud800``), as the input had it.
    """
    try:
        return orjson.dumps(record)
    except orjson.JSONEncodeError:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        try:
            return text.encode()
        except UnicodeEncodeError:
            return json.dumps(record, separators=(",", ":")).encode()


def classify_line(classifier: Classifier, line: str, number: int) -> dict[str, Any]:
    """Classify one input line; any problem becomes an ``error`` field naming the line."""
    if len(line) > MAX_LINE_CHARS:
        return {"id": None, "error": f"line {number}: longer than {MAX_LINE_CHARS} characters"}
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return {"id": None, "error": f"line {number}: not valid JSON: {message}"}
    if not isinstance(row, dict):
        return {
            "id": None,
            "error": f"line {number}: expected a JSON object, got {type(row).__name__}",
        }
    record_id = row.get("id")
    if isinstance(record_id, (dict, list)):
        record_id = json.dumps(record_id, ensure_ascii=False)
    if "blocks" in row and "text" not in row:
        try:
            parts = parse_blocks(row["blocks"])
            joined, blocks = join_blocks(parts)
            verdict = classifier.classify(joined, "", blocks)
        except BlockError as exc:
            return {"id": record_id, "error": f"line {number}: {exc}"}
        except Exception as exc:  # noqa: BLE001 - the contract: a bad line never stops the stream
            return {
                "id": record_id,
                "error": f"line {number}: could not classify: {type(exc).__name__}: {exc}",
            }
        return verdict_record(record_id, verdict, "", joined, [p[0] for p in parts])
    text = row.get("text")
    if not isinstance(text, str):
        what = "missing" if text is None else f"a {type(text).__name__}, not a string"
        return {"id": record_id, "error": f"line {number}: field text (or blocks) is {what}"}
    title = row.get("title") or ""
    if not isinstance(title, str):
        return {"id": record_id, "error": f"line {number}: field title is not a string"}
    try:
        verdict = classifier.classify(text, title)
    except Exception as exc:  # noqa: BLE001 - the contract: a bad line never stops the stream
        return {
            "id": record_id,
            "error": f"line {number}: could not classify: {type(exc).__name__}: {exc}",
        }
    return verdict_record(record_id, verdict, title, text)


def classify_lines(
    classifier: Classifier, lines: Iterable[str | bytes], first: int = 1
) -> Iterator[dict[str, Any]]:
    """One output object per input line (blank lines included, as errors), in order.

    Lines may be bytes (read from a file or stdin in binary mode): each is decoded
    on its own, so one line of broken UTF-8 is one error, not the end of the stream.
    ``first`` is the number of the first line (a worker of :mod:`classifiers.stream`
    classifies a chunk from the middle of a file); line 1 may start with a BOM.
    """
    for number, raw in enumerate(lines, first):
        yield _one(classifier, number, raw)


def _one(classifier: Classifier, number: int, raw: str | bytes) -> dict[str, Any]:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            return {
                "id": None,
                "error": f"line {number}: not UTF-8: {exc.reason} at byte {exc.start}",
            }
    line = raw.rstrip("\r\n")
    if not line.strip():
        return {"id": None, "error": f"line {number}: empty line"}
    return classify_line(classifier, line, number)
