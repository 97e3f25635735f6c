"""The category list with names and legal bases (``rules/categories.yaml``), read by the UI and notices."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from classifiers.yamltext import load_yaml

CATEGORY_KEYS: tuple[str, ...] = (
    "guaranteed_grant",
    "abnormal_patent",
    "certificate_renting",
    "unlicensed_agency",
    "trademark_malicious",
    "false_claims",
)
CategoryKey = Literal[
    "guaranteed_grant",
    "abnormal_patent",
    "certificate_renting",
    "unlicensed_agency",
    "trademark_malicious",
    "false_claims",
]
Severity = Literal["high", "medium", "low"]
CitationStatus = Literal["checked", "secondary", "unchecked"]
CITABLE: frozenset[str] = frozenset({"checked", "secondary"})
"""Statuses a letter to a platform may cite; ``unchecked`` never leaves the office."""
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class CategoryError(Exception):
    """``categories.yaml`` is missing, malformed or does not list exactly the six keys."""


class Citation(BaseModel):
    """One legal basis and whether anyone checked it (DOMAIN.md, *Legal bases, as checked*)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    status: CitationStatus
    note: str = ""

    @property
    def citable(self) -> bool:
        """May go into an outgoing letter."""
        return self.status in CITABLE


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: CategoryKey
    name: str = Field(min_length=1, description="中文名称")
    description: str
    campaign: str = ""
    severity: Severity
    citations: list[Citation] = Field(min_length=1)

    @property
    def legal_bases(self) -> list[str]:
        """The citations a letter may carry (checked or secondary), in file order."""
        return [c.text for c in self.citations if c.citable]

    @property
    def unchecked_bases(self) -> list[str]:
        """Citations nobody could check: shown in the UI as 待核实, never in a letter."""
        return [c.text for c in self.citations if not c.citable]

    @property
    def legal_basis(self) -> str:
        """The citable legal bases as one line, for a hit or a notice."""
        return "；".join(self.legal_bases)


def _load_yaml(path: Path) -> object:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CategoryError(f"{path}: cannot read: {exc}") from exc


def _read(path: Path) -> dict[str, Category]:
    data = _load_yaml(path)
    items = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise CategoryError(f"{path}: expected a top-level 'categories' list")
    out: dict[str, Category] = {}
    for i, item in enumerate(items):
        try:
            cat = Category.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise CategoryError(f"{path}: categories[{i}].{field}: {first['msg']}") from exc
        out[cat.key] = cat
    missing = set(CATEGORY_KEYS) - set(out)
    if missing:
        raise CategoryError(f"{path}: missing categories {sorted(missing)}")
    return {key: out[key] for key in CATEGORY_KEYS}


@lru_cache(maxsize=8)
def load_categories(rules_dir: Path | None = None) -> dict[str, Category]:
    """The six categories keyed by their fixed key, in the canonical order."""
    return _read((rules_dir or DEFAULT_RULES_DIR) / "categories.yaml")


@lru_cache(maxsize=8)
def load_general_grounds(rules_dir: Path | None = None) -> tuple[Citation, ...]:
    """What every notice to a platform rests on (``general_grounds`` in ``categories.yaml``)."""
    path = (rules_dir or DEFAULT_RULES_DIR) / "categories.yaml"
    data = _load_yaml(path)
    items = data.get("general_grounds", []) if isinstance(data, dict) else []
    if not isinstance(items, list):
        raise CategoryError(f"{path}: general_grounds: expected a list")
    out: list[Citation] = []
    for i, item in enumerate(items):
        try:
            out.append(Citation.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise CategoryError(f"{path}: general_grounds[{i}].{field}: {first['msg']}") from exc
    return tuple(out)


def citation_status(text: str, rules_dir: Path | None = None) -> CitationStatus:
    """The status of a citation's text; text the category list does not know is ``unchecked``."""
    known = {c.text: c.status for cat in load_categories(rules_dir).values() for c in cat.citations}
    known.update({c.text: c.status for c in load_general_grounds(rules_dir)})
    return known.get(text.strip(), "unchecked")
