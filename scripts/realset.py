"""Score the classifier on the real-world development set (``tests/data/realset.jsonl``).

The repository keeps only each page's address, its label (``tier`` offer / watch /
none, ``irregular`` = flagged, ``categories``, ``genre``) and one sentence on why:
never page text.  The excerpts are pulled at development time with the search
tool's public-pages corpus and kept in a git-ignored cache, one JSON object a line
(``url``, ``excerpt``), by default ``var/realset-cache.jsonl``.  This script joins
the two and prints:

- flag precision / recall: ``irregular`` (a reviewer should act) against tier ``offer``;
- kept precision / recall: offer or watch predicted against offer or watch labelled;
- category accuracy: on pages labelled and predicted offer/watch, the first
  predicted category equals the labelled one;
- tier and genre accuracy, and the same figures on the pages whose excerpt has
  at least 150 characters (title-only tag pages are easy negatives).

Each figure is printed for the whole set and for each part (``split``: ``dev``, the
default, which the cues were tuned on; ``heldout``, the second session's held-out pages,
labelled before scoring but looked at once since; ``heldout2``, fresh pages of the third
session, labelled and committed before the classifier first saw them; ``heldout4``, fresh
pages of the fifth session, likewise labelled and committed before any scoring; ``heldout5``,
fresh pages of the sixth session, collected to add offers, labelled and committed before any
scoring; ``heldout6``, fresh pages of the seventh session, collected apart from the rules by a
helper who never read them, labelled and committed before any scoring; ``heldout7``, fresh
pages of the eighth session, collected the same way by another helper who never read the rules
or ran the classifier, labelled and committed before any scoring; ``heldout8``, fresh pages of
the tenth session, collected apart from the rules by a helper who never read them or ran the
classifier, labelled and committed before any scoring; ``heldout9``, fresh pages of the tenth
session's second half, collected apart from the rules by another helper who never read them or
ran the classifier, labelled and committed before any scoring; ``heldout10``, fresh pages of the
eleventh session, collected apart from the rules by a helper who never read them or ran the
classifier, labelled and committed before any scoring; ``heldout11`` and ``heldout12``, fresh pages
of the twelfth session collected the same way by two more such helpers).  ``--errors`` lists
the wrongly judged pages of the dev part only, so that the held-out parts stay unseen;
``--errors-in PART`` (repeatable) lists a held-out part's too, for a part that has been
looked at and so serves as development data from then on.  Spent so far: every part up to
``heldout11`` (``heldout10`` and ``heldout11`` read in the twelfth session); ``heldout12`` is the
one nobody has read.

Usage: ``python scripts/realset.py [--cache FILE] [--errors] [--errors-in PART] [--json]``.
Exit 2 when the cache or the labels are missing or malformed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers import load_default_classifier  # noqa: E402
from classifiers.verdict import Verdict  # noqa: E402

LABELS = ROOT / "tests" / "data" / "realset.jsonl"
CACHE = ROOT / "var" / "realset-cache.jsonl"
SUBSTANTIVE = 150


def read_jsonl(path: Path, what: str, problem: Callable[[Any], str | None]) -> list[dict[str, Any]]:
    """The rows of a JSON Lines file; exit 2 naming the file and line of the first unreadable
    row or the first that ``problem`` objects to (it returns what a row lacks, or ``None``)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"{path}: cannot read the {what}: {exc.strerror}") from exc
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not JSON: {exc.msg}") from exc
        lacks = problem(row)
        if lacks is not None:
            raise SystemExit(f"{path}:{number}: expected {lacks}")
        rows.append(row)
    return rows


def _with_url(row: Any) -> str | None:
    ok = isinstance(row, dict) and isinstance(row.get("url"), str)
    return None if ok else "an object with a string 'url'"


def blocks_of(excerpt: str) -> list[dict[str, str]]:
    """The excerpt as the blocks a reader sees: the first line is the title, each other line a paragraph."""
    lines = [line.strip() for line in excerpt.splitlines() if line.strip()]
    return [
        {"text": line, "kind": "title" if i == 0 else "paragraph"} for i, line in enumerate(lines)
    ]


PARTS = (
    "dev",
    "heldout",
    "heldout2",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
)


def split_of(row: dict[str, Any]) -> str:
    """The part a labelled page belongs to: one of ``PARTS``, ``dev`` when unmarked."""
    split = row.get("split") or "dev"
    if split not in PARTS:
        raise SystemExit(f"{row.get('id', row['url'])}: unknown split {split!r} (one of {PARTS})")
    return str(split)


def judge(classifier: Any, excerpt: str) -> Verdict:
    if hasattr(classifier, "classify_blocks"):
        return classifier.classify_blocks(blocks_of(excerpt))  # type: ignore[no-any-return]
    return classifier.classify(excerpt)  # type: ignore[no-any-return]


def _tier(verdict: Verdict) -> str:
    tier = getattr(verdict, "tier", None)
    return str(tier) if tier else ("offer" if verdict.irregular else "none")


def _cats(verdict: Verdict) -> list[str]:
    return list(verdict.categories) or list(getattr(verdict, "watch_categories", []) or [])


def _pr(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3)}


def score(rows: list[tuple[dict[str, Any], Verdict]]) -> dict[str, Any]:
    flag = Counter[str]()
    kept = Counter[str]()
    cat_right = cat_total = tier_right = genre_right = genre_total = 0
    for label, verdict in rows:
        tier = _tier(verdict)
        gold_offer = label["tier"] == "offer"
        gold_kept = label["tier"] in ("offer", "watch")
        pred_kept = tier in ("offer", "watch")
        flag[
            "tp"
            if verdict.irregular and gold_offer
            else "fp"
            if verdict.irregular
            else "fn"
            if gold_offer
            else "tn"
        ] += 1
        kept[
            "tp" if pred_kept and gold_kept else "fp" if pred_kept else "fn" if gold_kept else "tn"
        ] += 1
        if gold_kept and pred_kept and label.get("categories"):
            cat_total += 1
            cats = _cats(verdict)
            cat_right += bool(cats) and cats[0] == label["categories"][0]
        tier_right += tier == label["tier"]
        genre = getattr(verdict, "genre", None)
        if genre is not None:
            genre_total += 1
            genre_right += genre == label["genre"]
    n = len(rows)
    return {
        "pages": n,
        "flag": _pr(flag["tp"], flag["fp"], flag["fn"]),
        "kept": _pr(kept["tp"], kept["fp"], kept["fn"]),
        "category_accuracy": round(cat_right / cat_total, 3) if cat_total else None,
        "category_pages": cat_total,
        "tier_accuracy": round(tier_right / n, 3) if n else None,
        "genre_accuracy": round(genre_right / genre_total, 3) if genre_total else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument(
        "--errors", action="store_true", help="list the wrongly judged pages of the dev part"
    )
    parser.add_argument(
        "--errors-in",
        action="append",
        default=[],
        choices=PARTS,
        metavar="PART",
        help="list the wrongly judged pages of PART too (repeatable; a part looked at this way"
        " is no longer held out)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        labels = read_jsonl(args.labels, "labels", _with_url)
        for row in labels:
            split_of(row)
        cache = {
            row["url"]: str(row.get("excerpt") or "")
            for row in read_jsonl(args.cache, "cache", _with_url)
        }
    except SystemExit as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(
            "the excerpts are fetched at development time with the search tool (pages corpus)"
            " into a git-ignored cache; see the module docstring",
            file=sys.stderr,
        )
        return 2
    missing = [row["url"] for row in labels if row["url"] not in cache]
    classifier = load_default_classifier()
    judged = [(row, judge(classifier, cache[row["url"]])) for row in labels if row["url"] in cache]
    report: dict[str, Any] = {}
    for part in ("all", *PARTS):
        rows = [(r, v) for r, v in judged if part == "all" or split_of(r) == part]
        report[part] = score(rows)
        report[f"{part} excerpt>={SUBSTANTIVE}"] = score(
            [(r, v) for r, v in rows if len(cache[r["url"]]) >= SUBSTANTIVE]
        )
    report["missing_from_cache"] = len(missing)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        for name, figures in report.items():
            print(name, json.dumps(figures, ensure_ascii=False))
    shown = set(args.errors_in) | ({"dev"} if args.errors else set())
    if shown:
        for row, verdict in judged:
            if split_of(row) not in shown:
                continue
            tier = _tier(verdict)
            genre = getattr(verdict, "genre", None)
            cats = _cats(verdict)
            wrong_cat = (
                row["tier"] != "none" and tier != "none" and cats[:1] != row["categories"][:1]
            )
            if tier != row["tier"] or wrong_cat or (genre and genre != row["genre"]):
                print(
                    f"{row['id']} gold={row['tier']}/{row['genre']}/{row['categories']} "
                    f"got={tier}/{genre}/{cats} rules={sorted({h.rule for h in verdict.hits})} {row['url'][:70]}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
