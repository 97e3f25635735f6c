"""Does a learned vote help the rules?  Leave-one-file-out over the hand-written sets, then the
real set.

The vote (``scripts/vote_model.py``) is a logistic regression over character 1-3-grams.  Its
proposed use: a page the rules do not flag becomes flagged when the vote's probability reaches a
threshold and the page passes a ``--gate`` (``call``: it carries a contact, a contact term, a
signal or a structural call to act; ``hits``: that and some rule hit, counted or not;
``nodenied``: a call and no denial cue; ``none``).

- Leave one file out: for each file of ``FILES``, train on the others and score it.  Prints
  flag precision / recall / F1 for the rules alone and with the vote at each threshold, per file,
  pooled over the page-length files (``PAGE_LENGTH``) and over every file but the sandbox.
- ``--realset CACHE``: train on every hand file and score the real set's cached excerpts
  (never trained on: their text is not in the repository).  The fresh part ``heldout10`` is
  never read.
- ``--unit block``: a page's vote is the highest of its lines' (blocks') votes, not the page's.
- ``--bench``: the vote's cost on the sandbox pages the rules do not flag, against classify().

Also prints the vote's ranking quality alone (AUC of offer against not): on the page-length
files left out, and on the real pages the rules do not flag.  The sandbox files are templated and
large: every ``SANDBOX_STEP``-th row is trained on.  Never reads the unseen file (``handset.UNSEEN``).

Usage: ``python scripts/vote_experiment.py [--gate G] [--unit page|block] [--realset CACHE]
[--bench] [--json]`` (about 20 s; the real set adds 10 s).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from realset import blocks_of  # noqa: E402  (this script's own folder)
from vote_model import (  # noqa: E402
    FILES,
    PAGE_LENGTH,
    SANDBOX,
    Example,
    Settings,
    VoteModel,
    own_call,
    page_text,
    refuses,
    train,
    training_rows,
)

from classifiers import load_default_classifier  # noqa: E402
from classifiers.engine import Classifier  # noqa: E402

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
Row = dict[str, Any]
GATES: dict[str, Callable[[Row], bool]] = {
    "none": lambda r: True,
    "call": lambda r: bool(r["call"]),
    "hits": lambda r: bool(r["call"] and r["hits"]),
    "nodenied": lambda r: bool(r["call"] and not r["denied"]),
}


def describe(c: Classifier, original: str, lines: list[str], gold: bool, verdict: Any) -> Row:
    """What the experiment needs of one page: normalized text and lines, label, the rules' flag,
    and the gate's inputs."""
    return {
        "norm": c.normalizer.normalize(original).text,
        "lines": [c.normalizer.normalize(x).text for x in lines if x.strip()],
        "gold": gold,
        "rules": verdict.irregular,
        "call": own_call(c, original),
        "hits": bool(verdict.hits),
        "denied": refuses(c, original),
    }


def prepare(c: Classifier, path: Path) -> list[Row]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if isinstance(row.get("blocks"), list):
            verdict = c.classify_blocks(row["blocks"])
            lines = [str(b.get("text") or "") for b in row["blocks"]]
        else:
            verdict = c.classify(row["text"], str(row.get("title") or ""))
            lines = page_text(row).splitlines()
        out.append(describe(c, page_text(row), lines, bool(row.get("irregular")), verdict))
    return out


def vote(model: VoteModel, row: Row, unit: str) -> float:
    if unit == "block":
        return max((model.score(x)[0] for x in row["lines"] if len(x) >= 10), default=0.0)
    return model.score(row["norm"])[0]


def pr(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    n = Counter((g, p) for g, p in pairs)
    tp, fp, fn = n[True, True], n[False, True], n[True, False]
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def auc(pairs: list[tuple[float, bool]]) -> float | None:
    pos = [p for p, y in pairs if y]
    neg = [p for p, y in pairs if not y]
    if not pos or not neg:
        return None
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def figures(scored: list[tuple[Row, float]], gate: Callable[[Row], bool]) -> dict[str, Any]:
    fig: dict[str, Any] = {"rules": pr([(r["gold"], r["rules"]) for r, _ in scored])}
    for t in THRESHOLDS:
        fig[f"t{t}"] = pr([(r["gold"], r["rules"] or (p >= t and gate(r))) for r, p in scored])
    fig["auc_unflagged"] = auc([(p, r["gold"]) for r, p in scored if not r["rules"]])
    return fig


def lofo(data: dict[str, list[Row]], settings: Settings, args: argparse.Namespace) -> Row:
    report: Row = {}
    pages: list[tuple[Row, float]] = []
    others: list[tuple[Row, float]] = []
    for held in FILES:
        model = train([Example(t, y, w) for t, y, w in training_rows(data, held)], settings)
        scored = [(r, vote(model, r, args.unit)) for r in data[held]]
        report[held] = figures(scored, GATES[args.gate])
        print(held, json.dumps(report[held]), file=sys.stderr)
        pages += scored if held in PAGE_LENGTH else []
        others += scored if held not in SANDBOX else []
    report["pooled page-length files"] = figures(pages, GATES[args.gate])
    report["pooled page-length files"]["auc_all"] = auc([(p, r["gold"]) for r, p in pages])
    report["pooled all but the sandbox"] = figures(others, GATES[args.gate])
    return report


def realset(
    c: Classifier, data: dict[str, list[Row]], settings: Settings, args: argparse.Namespace
) -> Row:
    """Train on every hand file; score the real set's cached excerpts, per part."""
    model = train([Example(t, y, w) for t, y, w in training_rows(data)], settings)
    text = (ROOT / "tests" / "data" / "realset.jsonl").read_text(encoding="utf-8")
    labels = [json.loads(x) for x in text.splitlines() if x.strip()]
    excerpts: dict[str, str] = {}
    for x in args.realset.read_text(encoding="utf-8").splitlines():
        if x.strip():
            cached = json.loads(x)
            excerpts[cached["url"]] = str(cached.get("excerpt") or "")
    parts: dict[str, list[tuple[Row, float]]] = {}
    for label in labels:
        split = label.get("split") or "dev"
        if split == "heldout10" or label["url"] not in excerpts:
            continue
        excerpt = excerpts[label["url"]]
        blocks = blocks_of(excerpt)
        verdict = c.classify_blocks(blocks)
        row = describe(c, excerpt, [b["text"] for b in blocks], label["tier"] == "offer", verdict)
        item = (row, vote(model, row, args.unit))
        parts.setdefault(split, []).append(item)
        parts.setdefault("all", []).append(item)
    return {part: figures(items, GATES[args.gate]) for part, items in parts.items()}


def bench(c: Classifier, data: dict[str, list[Row]], settings: Settings) -> Row:
    """Seconds to classify the sandbox pages, and to vote on those the rules do not flag
    (normalizing them again included)."""
    model = train([Example(t, y, w) for t, y, w in training_rows(data)], settings)
    rows = []
    for name in SANDBOX:
        path = ROOT / "tests" / "data" / name
        rows += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    start = time.perf_counter()
    flagged = [c.classify(r["text"], str(r.get("title") or "")).irregular for r in rows]
    classify_s = time.perf_counter() - start
    start = time.perf_counter()
    for r, f in zip(rows, flagged, strict=True):
        if not f:
            model.score(c.normalizer.normalize(page_text(r)).text)
    vote_s = time.perf_counter() - start
    return {
        "pages": len(rows),
        "unflagged": flagged.count(False),
        "classify_s": round(classify_s, 2),
        "vote_s": round(vote_s, 2),
        "vote_share": round(vote_s / classify_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gate", choices=list(GATES), default="call")
    ap.add_argument("--unit", choices=["page", "block"], default="page")
    ap.add_argument("--realset", type=Path, help="also score the real set's cached excerpts")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--no-lofo", action="store_true")
    ap.add_argument("--epochs", type=int, default=Settings().epochs)
    ap.add_argument("--l2", type=float, default=Settings().l2)
    ap.add_argument("--rate", type=float, default=Settings().rate)
    ap.add_argument("--min-df", type=int, default=Settings().min_df)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    settings = Settings(min_df=args.min_df, epochs=args.epochs, rate=args.rate, l2=args.l2)
    c = load_default_classifier()
    data = {name: prepare(c, ROOT / "tests" / "data" / name) for name in FILES}
    report: Row = {"settings": vars(args) | {"realset": str(args.realset or "")}}
    if not args.no_lofo:
        report["lofo"] = lofo(data, settings, args)
    if args.realset:
        report["realset"] = realset(c, data, settings, args)
    if args.bench:
        report["bench"] = bench(c, data, settings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        for section, figs in report.items():
            for name, fig in figs.items() if isinstance(figs, dict) else ():
                print(section, name, json.dumps(fig, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
