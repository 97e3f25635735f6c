"""The classifier in a worker process: segmentation and rule scans off the crawl's GIL.

Imported by the worker process alone (spawned, so it shares nothing with the
reactor); it loads only ``classifiers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_classifier: Any = None


def init(rules_dir: str | None, threshold: float) -> None:
    global _classifier
    from classifiers import load_default_classifier

    _classifier = load_default_classifier(
        rules_dir=Path(rules_dir) if rules_dir else None, threshold=threshold
    )
    _classifier.warm_up()


def classify(text: str, title: str, blocks: Any = None) -> Any:
    assert _classifier is not None, "init() was not called in this worker"
    return _classifier.classify(text, title, blocks)
