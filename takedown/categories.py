"""Category names and legal bases for notices, read from the classifiers' category list.

``rules/categories.yaml`` (through ``classifiers.categories.load_categories``) is the
one source; this module only adapts it to the two questions a notice asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class CategoryCatalog(Protocol):
    def name(self, key: str) -> str: ...

    def legal_bases(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class StaticCatalog:
    """A catalog from plain mappings (tests, or when the rules are not installed)."""

    names: Mapping[str, str] = field(default_factory=dict)
    bases: Mapping[str, list[str]] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def legal_bases(self, key: str) -> list[str]:
        return list(self.bases.get(key, []))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        parts = [
            str(value[k])
            for k in ("law", "title", "article", "articles", "text", "note")
            if value.get(k)
        ]
        return " ".join(parts)
    for attr in ("citation", "text", "title", "law"):
        got = getattr(value, attr, None)
        if isinstance(got, str) and got:
            article = getattr(value, "article", None) or getattr(value, "articles", None)
            return (
                f"{got} {article}" if article and attr != "citation" and article not in got else got
            )
    return str(value)


def catalog_from_categories(categories: Iterable[Any] | Mapping[str, Any]) -> StaticCatalog:
    """Adapt the classifiers' category objects (or dicts) to a catalog."""
    entries = list(categories.values()) if isinstance(categories, Mapping) else list(categories)
    names: dict[str, str] = {}
    bases: dict[str, list[str]] = {}
    for entry in entries:
        get = entry.get if isinstance(entry, Mapping) else (lambda k, e=entry: getattr(e, k, None))
        key = get("key")
        if not key:
            continue
        names[key] = get("name_zh") or get("zh") or get("name") or key
        raw_bases = get("legal_bases") or get("legal_basis") or []
        if isinstance(raw_bases, str | Mapping):
            raw_bases = [raw_bases]
        bases[key] = [t for t in (_text(b).strip() for b in raw_bases) if t]
    return StaticCatalog(names=names, bases=bases)


def default_catalog() -> CategoryCatalog:
    from classifiers.categories import load_categories

    return catalog_from_categories(load_categories())
