"""The category list with names and legal bases (``rules/categories.yaml``), read by the UI and notices."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class CategoryError(Exception):
    """``categories.yaml`` is missing, malformed or does not list exactly the six keys."""


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: CategoryKey
    name: str = Field(min_length=1, description="中文名称")
    description: str
    campaign: str = ""
    severity: Severity
    legal_bases: list[str] = Field(min_length=1)

    @property
    def legal_basis(self) -> str:
        """The legal bases as one line, for a hit or a notice."""
        return "；".join(self.legal_bases)


def _read(path: Path) -> dict[str, Category]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CategoryError(f"{path}: cannot read: {exc}") from exc
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
