"""jieba with the project's dictionary, loaded once per dictionary file.

The classifier never segments a whole document: it asks whether a short,
ambiguous term found by Aho-Corasick is a whole word, segmenting only a few
characters around it.  Search indexing (store) calls :func:`tokens`.
"""

from __future__ import annotations

import logging
import marshal
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

_lock = threading.Lock()


@lru_cache(maxsize=4)
def tokenizer(userdict: Path | None = None) -> jieba.Tokenizer:
    """A jieba tokenizer with ``userdict`` loaded, built once per path.

    jieba is imported here, not with the module: importing it alone costs a third of a
    second (it pulls in ``pkg_resources``), and a page whose rules need no word
    boundaries never needs it.
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        tok = jieba.Tokenizer()
        if not _load_cache(tok):
            tok.initialize()
        if userdict is not None and userdict.exists():
            with userdict.open("rb") as handle:  # jieba leaves a path it opened unclosed
                tok.load_userdict(handle)
        return tok


def _load_cache(tok: jieba.Tokenizer) -> bool:
    """Load the default dictionary from jieba's own cache file in one read.

    ``Tokenizer.initialize`` reads the same file with ``marshal.load`` on the open file,
    which pulls it in small pieces: 0.5-0.8 s of a classification worker's start against
    0.18 s for ``marshal.loads`` of its bytes.  Only jieba's default dictionary and its
    cache as jieba names it; without a cache (the first run on a machine) or with another
    dictionary, jieba builds and writes the cache as usual.
    """
    import jieba

    if tok.dictionary != jieba.DEFAULT_DICT:
        return False
    cache = Path(tok.tmp_dir or tempfile.gettempdir()) / (tok.cache_file or "jieba.cache")
    try:
        if cache.stat().st_uid != os.getuid():
            return False  # a shared temp folder: only a cache this user wrote
        # the very file jieba itself would load with marshal.load
        freq, total = marshal.loads(cache.read_bytes())  # noqa: S302
    except (OSError, ValueError, EOFError, TypeError):
        return False  # absent or unreadable: jieba rebuilds it
    tok.FREQ, tok.total, tok.initialized = freq, total, True
    return True


def tokens(text: str, userdict: Path | None = None) -> list[str]:
    """Segment ``text`` (the same tokens feed FTS5 and Elasticsearch)."""
    return [t for t in tokenizer(userdict).cut(text) if t.strip()]


def is_whole_word(tok: jieba.Tokenizer, text: str, start: int, end: int, margin: int = 6) -> bool:
    """Whether ``text[start:end]`` begins and ends on token boundaries of a small window around it."""
    a = max(0, start - margin)
    b = min(len(text), end + margin)
    bounds = _boundaries(tok, text[a:b])
    return (start - a) in bounds and (end - a) in bounds


@lru_cache(maxsize=4096)
def _boundaries(tok: jieba.Tokenizer, window: str) -> frozenset[int]:
    """Token boundaries of a short window; cached, since templated pages repeat the same phrases."""
    bounds = {0}
    pos = 0
    for piece in tok.cut(window, HMM=False):
        pos += len(piece)
        bounds.add(pos)
    return frozenset(bounds)
