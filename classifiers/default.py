"""The classifier of the project's rules, built once per process (the package exports both)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from classifiers.engine import Classifier, build_classifier
from classifiers.verdict import Verdict


@lru_cache(maxsize=8)
def load_default_classifier(rules_dir: Path | None = None, threshold: float = 0.5) -> Classifier:
    """The classifier for ``rules_dir`` (default: the project's ``rules/``), built once and cached."""
    return build_classifier(rules_dir, threshold)


def classify(text: str, title: str = "") -> Verdict:
    """Classify with the default rules and threshold; see :meth:`Classifier.classify` for offsets."""
    return load_default_classifier().classify(text, title)


def freeze_loaded() -> None:
    """Keep what the process holds now out of the garbage collector's scans (``gc.freeze``),
    for a process that only classifies from here on (the crawl's classify worker, the worker
    processes of ``lantian classify``).  The rules, the automaton and jieba's dictionary live as
    long as the process, and the full collections that walked them took about a tenth of
    classify's time.  Garbage is collected first, so nothing dead is kept."""
    gc.collect()
    gc.freeze()


@contextmanager
def loaded_frozen() -> Iterator[None]:
    """:func:`freeze_loaded` for the block only, for a command that may run inside a longer
    process (the tests invoke ``lantian classify`` in theirs): undone on the way out, so what
    the process frees later is collected as before."""
    freeze_loaded()
    try:
        yield
    finally:
        gc.unfreeze()
