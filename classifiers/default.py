"""The classifier of the project's rules, built once per process (the package exports both)."""

from __future__ import annotations

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
