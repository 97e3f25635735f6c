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


def tokenize_document(text: str, userdict: Path | None = None) -> list[str]:
    """Index tokens of a document (search mode: long words and the words inside them)."""
    return _words(list(_segmenter(userdict).cut_for_search(_fold(text), HMM=False)))


def tokenize_query(text: str, userdict: Path | None = None) -> list[str]:
    """Tokens a query must all match (precise mode, so a long word matches as itself)."""
    return _words(list(_segmenter(userdict).cut(_fold(text), HMM=False)))
