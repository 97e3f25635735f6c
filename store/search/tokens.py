"""Chinese segmentation for the search index: one token stream for every backend.

The jieba instance and dictionary are the classifier's (``classifiers.segment``).
Documents are cut in jieba's search mode (words and the shorter words inside
them), queries in precise mode, after NFKC folding and lower-casing.  Only runs
of letters and digits survive, split exactly where SQLite's ``unicode61``
tokenizer would split them, so FTS5 and Elasticsearch's whitespace analyzer
see the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by classifiers.segment when the first text is cut
    import jieba

_WORD = re.compile(r"[^\W_]+")


def _segmenter(userdict: Path | None) -> jieba.Tokenizer:
    """The classifier's jieba (same dictionary, one instance per process)."""
    from classifiers import tokenizer

    return tokenizer(userdict)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _words(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        out.extend(_WORD.findall(piece))
    return out


#: lines longer than this are cut without being remembered: boilerplate lines are short, and a
#: hostile page of huge lines must not fill the cache (8,192 entries) with megabytes each
_REMEMBERED_LINE = 1024


def _cut_line(segmenter: jieba.Tokenizer, line: str) -> tuple[str, ...]:
    return tuple(_words(list(segmenter.cut_for_search(line, HMM=False))))


_remembered_line_tokens = lru_cache(maxsize=8192)(_cut_line)


def _line_tokens(segmenter: jieba.Tokenizer, line: str) -> tuple[str, ...]:
    if len(line) > _REMEMBERED_LINE:
        return _cut_line(segmenter, line)
    return _remembered_line_tokens(segmenter, line)


def tokenize_document(text: str, userdict: Path | None = None) -> list[str]:
    """Index tokens of a document (search mode: long words and the words inside them).

    Cut a line at a time, each line's tokens kept for the next page that has it: a
    platform's pages repeat their banner, footer and boilerplate (two thirds of the text
    on the bench crawl), and jieba is pure Python.  The tokens are the same as cutting the
    whole text, since jieba never joins characters across a line break.
    """
    segmenter = _segmenter(userdict)
    out: list[str] = []
    for line in _fold(text).split("\n"):
        out.extend(_line_tokens(segmenter, line))
    return out


def tokenize_query(text: str, userdict: Path | None = None) -> list[str]:
    """Tokens a query must all match (precise mode, so a long word matches as itself)."""
    return _words(list(_segmenter(userdict).cut(_fold(text), HMM=False)))
