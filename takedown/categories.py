"""Category names and legal bases for notices, read from the classifiers' category list.

``rules/categories.yaml`` (through ``classifiers.categories.load_categories``) is the
one source; this module only adapts it to the two questions a notice asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class CategoryCatalog(Protocol):
    def name(self, key: str) -> str: ...

    def legal_bases(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class StaticCatalog:
    """A catalog from plain mappings; unknown keys show as themselves with no legal basis."""

    names: Mapping[str, str] = field(default_factory=dict)
    bases: Mapping[str, list[str]] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def legal_bases(self, key: str) -> list[str]:
        return list(self.bases.get(key, []))


def default_catalog(rules_dir: Path | None = None) -> CategoryCatalog:
    """The six categories of ``rules/categories.yaml``: Chinese name and legal bases."""
    from classifiers.categories import load_categories

    categories = load_categories(rules_dir)
    return StaticCatalog(
        names={key: cat.name for key, cat in categories.items()},
        bases={key: list(cat.legal_bases) for key, cat in categories.items()},
    )
