"""Reading the rules directory: the rule packs and the term lists they cite."""

from __future__ import annotations

from pathlib import Path

import yaml

from classifiers.pack import RulePack, RulePackError
from classifiers.yamltext import load_yaml

RESERVED_FILES = frozenset(
    {
        "categories.yaml",
        "variants.yaml",
        "exceptions.yaml",
        "concepts.yaml",
        "genres.yaml",
        "stances.yaml",
        "offices.yaml",  # office data (classifiers/offices.py)
        "mobile_prefixes.yaml",
    }
)


def load_packs(rules_dir: Path) -> list[RulePack]:
    """Every pack in ``rules_dir`` (``*.yaml`` but the reserved data files), sorted by file name."""
    if not rules_dir.is_dir():
        raise RulePackError(f"{rules_dir}: rules directory does not exist")
    packs = [
        RulePack.from_file(path)
        for path in sorted(rules_dir.glob("*.yaml"))
        if path.name not in RESERVED_FILES
    ]
    if not packs:
        raise RulePackError(f"{rules_dir}: no rule packs (*.yaml)")
    ids: dict[str, Path | None] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.id in ids:
                raise RulePackError(
                    f"{pack.source}: rule {rule.id}: field id: also defined in {ids[rule.id]}"
                )
            ids[rule.id] = pack.source
    return packs


def load_concepts(rules_dir: Path) -> dict[str, list[str]]:
    """Named term lists (``rules/concepts.yaml``) that rules cite as ``@name``."""
    return _load_mapping(rules_dir / "concepts.yaml", "concepts")


def load_variants(rules_dir: Path) -> dict[str, list[str]]:
    return _load_mapping(rules_dir / "variants.yaml", "variants")


def _load_mapping(path: Path, key: str) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path}: not valid YAML: {exc}") from exc
    mapping = data.get(key) if isinstance(data, dict) else None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(f, str) and f for f in v)
        for k, v in mapping.items()
    ):
        raise RulePackError(
            f"{path}: field {key}: expected a mapping of name -> list of non-empty strings"
        )
    return {k: list(map(str, v)) for k, v in mapping.items()}
