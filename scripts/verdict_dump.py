"""Every verdict on a fixed corpus as canonical JSON lines, to prove a speed change changes nothing.

    .venv/bin/python scripts/verdict_dump.py > /tmp/before.jsonl
    (change the classifier)
    .venv/bin/python scripts/verdict_dump.py > /tmp/after.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

The corpus: the two corpora of ``lantian bench classify`` at its defaults (the
realistic sandbox pages and the generated documents), every case in
``tests/data/*.jsonl`` that carries a text or blocks, and every rule pack's own
examples (their hits alone, as ``lantian rules test`` reads them).  Each output
line is ``lantian classify``'s record for one input (``classify_lines``), keys
sorted, prefixed by the corpus it came from, so two dumps differ exactly where
one verdict does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifiers import Classifier, classify_lines, load_default_classifier
from classifiers.bench import generated_documents
from sandbox import listing_pages

ROOT = Path(__file__).resolve().parent.parent
BENCH_MB = 3.0
BENCH_SEED = 20261126


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _documents(megabytes: float) -> Iterator[tuple[str, list[str]]]:
    """(corpus name, JSON lines) for each part of the corpus."""
    pages = listing_pages(megabytes, BENCH_SEED)
    yield "realistic", [json.dumps(p, ensure_ascii=False) for p in pages]
    yield (
        "generated",
        [
            json.dumps({"id": i, "text": text}, ensure_ascii=False)
            for i, (_, text) in enumerate(generated_documents(megabytes, BENCH_SEED))
        ],
    )
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and ('"text"' in line or '"blocks"' in line)
        ]
        yield f"tests/data/{path.name}", lines


def _rule_examples(classifier: Classifier) -> Iterator[str]:
    for pack in classifier.packs:
        for rule in pack.rules:
            for kind, texts in (
                ("match", rule.examples.match),
                ("no_match", rule.examples.no_match),
            ):
                for text in texts:
                    hits = [
                        [h.rule, h.category, h.start, h.end, h.match]
                        for h in classifier.hits_only(text)
                    ]
                    yield _canonical(
                        {
                            "corpus": "rules",
                            "rule": rule.id,
                            "kind": kind,
                            "text": text,
                            "hits": hits,
                        }
                    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=BENCH_MB, help="size of each bench corpus")
    args = parser.parse_args()
    classifier = load_default_classifier(ROOT / "rules", 0.5)
    write = sys.stdout.write
    for corpus, lines in _documents(args.mb):
        for record in classify_lines(classifier, lines):
            write(_canonical({"corpus": corpus, **record}) + "\n")
    for line in _rule_examples(classifier):
        write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
