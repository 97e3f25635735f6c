from __future__ import annotations

from pathlib import Path

import pytest

from classifiers import Classifier, load_default_classifier
from classifiers.categories import DEFAULT_RULES_DIR

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return load_default_classifier()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of rules/ a test may break."""
    target = tmp_path / "rules"
    target.mkdir()
    for path in DEFAULT_RULES_DIR.iterdir():
        if path.is_file():
            (target / path.name).write_bytes(path.read_bytes())
    return target
