"""Category names and legal bases for notices, read from the classifiers' category list.

``rules/categories.yaml`` (through ``classifiers.categories``) is the one source;
this module only adapts it to the questions a notice asks.  A catalog hands out
citable bases only (checked, or checked against secondary sources): a citation
nobody could check never reaches a letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class CategoryCatalog(Protocol):
    def name(self, key: str) -> str: ...

    def legal_bases(self, key: str) -> list[str]: ...

    def general_grounds(self) -> list[str]: ...

    def citable(self, text: str) -> bool: ...


@dataclass(frozen=True)
class StaticCatalog:
    """A catalog from plain mappings; unknown keys show as themselves with no legal basis.

    ``bases`` and ``grounds`` hold citable texts only; any other text (an old rule
    hit's free-form basis, an unchecked citation) is not citable.
    """

    names: Mapping[str, str] = field(default_factory=dict)
    bases: Mapping[str, list[str]] = field(default_factory=dict)
    grounds: Sequence[str] = ()

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def legal_bases(self, key: str) -> list[str]:
        return list(self.bases.get(key, []))

    def general_grounds(self) -> list[str]:
        return list(self.grounds)

    def citable(self, text: str) -> bool:
        text = text.strip()
        return text in self.grounds or any(text in texts for texts in self.bases.values())


def default_catalog(rules_dir: Path | None = None) -> CategoryCatalog:
    """The six categories of ``rules/categories.yaml``: Chinese name and citable legal bases."""
    from classifiers import load_categories, load_general_grounds

    categories = load_categories(rules_dir)
    return StaticCatalog(
        names={key: cat.name for key, cat in categories.items()},
        bases={key: list(cat.legal_bases) for key, cat in categories.items()},
        grounds=tuple(c.text for c in load_general_grounds(rules_dir) if c.citable),
    )
