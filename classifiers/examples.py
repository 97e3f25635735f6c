"""Run every rule's own examples (``lantian rules test``) and lint the packs (``lantian rules lint``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifiers.categories import CategoryError, load_categories
from classifiers.engine import Classifier, build_classifier
from classifiers.pack import RulePackError


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    rule: str
    source: str
    kind: str  # "match" or "no_match"
    text: str

    def describe(self) -> str:
        want = "should fire but did not" if self.kind == "match" else "fired but should not"
        return f"{self.source}: rule {self.rule}: {want}: {self.text!r}"


def run_examples(classifier: Classifier) -> tuple[int, list[ExampleFailure]]:
    """Check each rule against its must-match and must-not-match examples; returns (checked, failures)."""
    checked = 0
    failures: list[ExampleFailure] = []
    for pack in classifier.packs:
        source = str(pack.source or pack.pack)
        for rule in pack.rules:
            for kind, texts in (
                ("match", rule.examples.match),
                ("no_match", rule.examples.no_match),
            ):
                for text in texts:
                    checked += 1
                    fired = any(h.rule == rule.id for h in classifier.hits_only(text))
                    if fired != (kind == "match"):
                        failures.append(ExampleFailure(rule.id, source, kind, text))
    return checked, failures


def lint(rules_dir: Path) -> list[str]:
    """Problems that make the packs unusable, each naming file, rule and field; empty when clean."""
    try:
        load_categories.cache_clear()
        load_categories(rules_dir)
        build_classifier(rules_dir)
    except (RulePackError, CategoryError) as exc:
        return [str(exc)]
    return []
