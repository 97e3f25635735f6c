"""``lantian classify`` and ``lantian eval``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.table import Table

from classifiers import (
    MAX_WORKERS,
    SMALL_INPUT_BYTES,
    Classifier,
    DatasetError,
    Report,
    RulePackError,
    WorkerFailed,
    classify_stream,
    default_workers,
    evaluate_examples,
    load_default_classifier,
    loaded_frozen,
    read_examples,
)
from lantian.commands.common import settings_or_exit
from lantian.console import EXIT_CHECK_FAILED, err, fail, out

RulesDirOption = Annotated[
    Path | None, typer.Option("--rules-dir", help="rule packs to use (default: settings.rules_dir)")
]
ThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--threshold", min=0.0, max=1.0, help="irregular at or above this score (default: settings)"
    ),
]


def _classifier(rules_dir: Path | None, threshold: float | None) -> Classifier:
    settings = settings_or_exit()
    try:
        return load_default_classifier(
            (rules_dir or settings.rules_dir).resolve(),
            settings.classify_threshold if threshold is None else threshold,
        )
    except RulePackError as exc:
        fail(str(exc))


def classify_cmd(
    file: Annotated[str, typer.Argument(help="JSON Lines file, or - for stdin")] = "-",
    rules_dir: RulesDirOption = None,
    threshold: ThresholdOption = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            max=64,
            help="processes classifying at once, output still in input order (0: one per "
            f"usable CPU, at most {MAX_WORKERS}; 1: all in this process). An input under "
            f"{SMALL_INPUT_BYTES // 1_000_000} MB, or typed at a terminal, stays in this process",
        ),
    ] = 0,
) -> None:
    """Classify JSON Lines (``text``, optional ``id``/``title``/``url``/``platform``); one JSON object out per line.

    Output fields: id, irregular, score, categories (most confident first),
    severity, hits (rule, category, field, start, end, match, explanation,
    legal_basis; offsets into the named input field), entities.  A bad line
    gets an ``error`` field; the stream goes on.  With several workers a pipe's
    answers come a chunk of lines at a time; ``--workers 1`` answers each line as
    it arrives.
    """
    classifier = _classifier(rules_dir, threshold)
    classifier.warm_up()
    source: IO[bytes]
    if file == "-":
        source = sys.stdin.buffer
    else:
        try:
            source = Path(file).open("rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            fail(f"{file}: cannot open: {exc.strerror}")
    if workers == 0:
        workers = default_workers()
    if source.isatty():
        workers = 1
    sys.stdout.flush()
    out = sys.stdout.buffer  # the records are UTF-8 already (dump_record)
    try:
        with loaded_frozen():
            classify_stream(
                classifier,
                source,
                out.write,
                workers,
                flush=out.flush if source is sys.stdin.buffer else None,
            )
    except BrokenPipeError:
        return
    except WorkerFailed as exc:
        out.flush()
        fail(str(exc), EXIT_CHECK_FAILED)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    out.flush()


def _print_report(report: Report) -> None:
    table = Table(title=f"{report.total} examples", show_lines=False)
    for column in ("category", "tp", "fp", "fn", "precision", "recall", "F1"):
        table.add_column(column, justify="right" if column != "category" else "left")
    rows = [("overall (irregular)", report.overall)] + list(report.per_category.items())
    for name, c in rows:
        table.add_row(
            name,
            str(c.tp),
            str(c.fp),
            str(c.fn),
            f"{c.precision:.3f}",
            f"{c.recall:.3f}",
            f"{c.f1:.3f}",
        )
    out.print(table)
    labels = sorted({g for g, _ in report.confusion} | {p for _, p in report.confusion})
    confusion = Table(
        title="confusion: gold first category (rows) x predicted (columns; '-' = none)"
    )
    confusion.add_column("gold \\ predicted")
    for label in labels:
        confusion.add_column(label[:12], justify="right")
    for gold in labels:
        confusion.add_row(gold, *(str(report.confusion.get((gold, p), 0) or "") for p in labels))
    out.print(confusion)


def eval_cmd(
    file: Annotated[Path, typer.Argument(help="labelled JSON Lines: text, irregular, categories")],
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min", min=0.0, max=1.0, help="exit 1 if overall precision or recall is below this"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="machine-readable report on stdout")
    ] = False,
    show_errors: Annotated[
        bool, typer.Option("--errors", help="list misclassified examples")
    ] = False,
    rules_dir: RulesDirOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Precision, recall and F1 overall and per category, and the confusion, on a labelled file."""
    classifier = _classifier(rules_dir, threshold)
    try:
        report = evaluate_examples(classifier, list(read_examples(file)))
    except DatasetError as exc:
        fail(str(exc))
    if as_json:
        data = report.as_dict()
        if not show_errors:
            data.pop("errors")
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        _print_report(report)
        if show_errors:
            for e in report.errors:
                out.print(
                    f"{e['id']}: gold {e['gold']} predicted {e['predicted']} ({e['score']}): {e['text']}"
                )
    if min_score is not None:
        worst = min(report.overall.precision, report.overall.recall)
        if worst < min_score:
            err.print(
                f"[red]below threshold:[/] min(precision, recall) = {worst:.3f} < {min_score}"
            )
            raise typer.Exit(EXIT_CHECK_FAILED)
