"""Run every rule's own examples (``lantian rules test``) and lint the packs (``lantian rules lint``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifiers.categories import CategoryError, load_categories
from classifiers.engine import Classifier, build_classifier
from classifiers.pack import RulePackError
from classifiers.sentences import find_all


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
    checked_cues, cue_failures = run_cue_examples(classifier)
    return checked + checked_cues, failures + cue_failures


def run_cue_examples(classifier: Classifier) -> tuple[int, list[ExampleFailure]]:
    """The genre examples (each text must, or must not, be judged that genre) and the stance
    examples (the ``[[phrase]]`` must, or must not, get that stance)."""
    discourse = classifier.discourse
    if discourse is None:
        return 0, []
    checked = 0
    failures: list[ExampleFailure] = []
    genres_source = str(discourse.source / "genres.yaml")
    for name, spec in discourse.genres.genres.items():
        for kind, texts in (("match", spec.examples.match), ("no_match", spec.examples.no_match)):
            for text in texts:
                checked += 1
                if (classifier.classify(text).genre == name) != (kind == "match"):
                    failures.append(ExampleFailure(f"genre {name}", genres_source, kind, text))
    for name, patterns, compiled in (
        ("call_to_act", discourse.genres.call_to_act, None),
        ("offer_call", discourse.genres.offer_call, discourse.offer_patterns),
    ):
        if patterns is None:
            continue
        for kind, texts in (
            ("match", patterns.examples.match),
            ("no_match", patterns.examples.no_match),
        ):
            for text in texts:
                checked += 1
                norm = classifier.normalizer.normalize(text).text
                if bool(discourse.call_to_act(norm, compiled)) != (kind == "match"):
                    failures.append(ExampleFailure(name, genres_source, kind, text))
    for check in (_others_calls_examples, _reply_examples, _qa_examples):
        more, more_failures = check(classifier, genres_source)
        checked += more
        failures += more_failures
    # a topic names a rule of these packs (a rule set without that pack still loads)
    rule_ids = {rule.id for pack in classifier.packs for rule in pack.rules}
    for topic in discourse.genres.topics:
        checked += 1
        if topic not in rule_ids:
            failures.append(ExampleFailure("topics", genres_source, "match", topic))
    stances_source = str(discourse.source / "stances.yaml")
    for name, st in discourse.stances.stances.items():
        for kind, texts in (("match", st.examples.match), ("no_match", st.examples.no_match)):
            for text in texts:
                checked += 1
                if (example_stance(classifier, text) == name) != (kind == "match"):
                    failures.append(ExampleFailure(f"stance {name}", stances_source, kind, text))
    return checked, failures


def _others_calls_examples(classifier: Classifier, source: str) -> tuple[int, list[ExampleFailure]]:
    """Each ``others_calls`` example holds a call to act (a signal term or a structural call);
    a ``match`` text's calls are all someone else's, a ``no_match`` text has one of its own."""
    discourse = classifier.discourse
    spec = discourse.genres.others_calls if discourse is not None else None
    if discourse is None or spec is None:
        return 0, []
    signals = {classifier.normalizer.normalize(t).text for t in discourse.genres.signals}
    checked = 0
    failures: list[ExampleFailure] = []
    for kind, texts in (("match", spec.examples.match), ("no_match", spec.examples.no_match)):
        for text in texts:
            checked += 1
            norm = classifier.normalizer.normalize(text).text
            marks = discourse.marks(norm, find_all(norm, discourse.terms()))
            calls = [(p, p + len(t)) for t, at in find_all(norm, signals).items() for p in at]
            calls += [(p, p + len(m)) for p, m in discourse.call_to_act(norm)]
            own = [discourse.own_call(marks, p, q, len(norm)) for p, q in calls]
            if not calls or (not any(own)) != (kind == "match"):
                failures.append(ExampleFailure("others_calls", source, kind, text))
    return checked, failures


def _reply_examples(classifier: Classifier, source: str) -> tuple[int, list[ExampleFailure]]:
    """A ``match`` reply holds one of the ``replies`` terms, a ``no_match`` one none."""
    discourse = classifier.discourse
    spec = discourse.genres.replies if discourse is not None else None
    if spec is None:
        return 0, []
    terms = [classifier.normalizer.normalize(t).text for t in spec.terms]
    failures = [
        ExampleFailure("replies", source, kind, text)
        for kind, texts in (("match", spec.examples.match), ("no_match", spec.examples.no_match))
        for text in texts
        if any(t in classifier.normalizer.normalize(text).text for t in terms) != (kind == "match")
    ]
    return len(spec.examples.match) + len(spec.examples.no_match), failures


def _qa_examples(classifier: Classifier, source: str) -> tuple[int, list[ExampleFailure]]:
    """A ``match`` line of ``qa_turns`` opens a question or an answer, a ``no_match`` one neither."""
    discourse = classifier.discourse
    spec = discourse.genres.qa_turns if discourse is not None else None
    if spec is None:
        return 0, []
    failures = [
        ExampleFailure("qa_turns", source, kind, text)
        for kind, texts in (("match", spec.examples.match), ("no_match", spec.examples.no_match))
        for text in texts
        if (spec.turn(text) is not None) != (kind == "match")
    ]
    return len(spec.examples.match) + len(spec.examples.no_match), failures


def example_stance(classifier: Classifier, marked: str) -> str:
    """The stance of the ``[[phrase]]`` in ``marked`` (for the examples in stances.yaml).

    Read as a paragraph of an explainer page written in the offering voice, so
    that both first-person and block cues apply.
    """
    discourse = classifier.discourse
    assert discourse is not None
    normalize = classifier.normalizer.normalize
    start = marked.find("[[")
    end = marked.find("]]", start + 2)
    if start < 0 or end < 0:
        source = discourse.source / "stances.yaml"
        raise RulePackError(f"{source}: example {marked!r}: no [[phrase]]")
    phrase = marked[start + 2 : end]
    text = marked[:start] + phrase + marked[end + 2 :]
    norm = normalize(text)
    n_start = len(normalize(text[:start]).text)
    n_end = n_start + len(normalize(phrase).text)
    occ = find_all(norm.text, discourse.terms())
    stance, _ = discourse.stance(
        norm,
        discourse.marks(norm.text, occ),
        n_start,
        n_end,
        start,
        start + len(phrase),
        "offered",
        True,
        discourse.block_cues(occ),
        answers=True,
    )
    return stance


def lint(rules_dir: Path) -> list[str]:
    """Problems that make the packs unusable, each naming file, rule and field; empty when clean."""
    try:
        load_categories.cache_clear()
        load_categories(rules_dir)
        build_classifier(rules_dir)
    except (RulePackError, CategoryError) as exc:
        return [str(exc)]
    return []
