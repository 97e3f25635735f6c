"""``lantian rules ...``: check the rule packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from classifiers import RulePackError, build_classifier, lint_examples, load_packs, run_examples
from lantian.commands.common import settings_or_exit
from lantian.console import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, err, fail, out

app = typer.Typer(help="Test, lint and list the rule packs in rules/.", no_args_is_help=True)

RulesDirOption = Annotated[
    Path | None, typer.Option("--rules-dir", help="rule packs to use (default: settings.rules_dir)")
]


def _rules_dir(rules_dir: Path | None) -> Path:
    if rules_dir is not None:
        return rules_dir
    return settings_or_exit().rules_dir


@app.command("test")
def test_cmd(rules_dir: RulesDirOption = None) -> None:
    """Run every rule's must-match and must-not-match examples; exit 1 if any fails."""
    directory = _rules_dir(rules_dir)
    try:
        classifier = build_classifier(directory)
    except RulePackError as exc:
        fail(str(exc))
    checked, failures = run_examples(classifier)
    for failure in failures:
        out.print(failure.describe(), markup=False)
    rules = sum(len(p.rules) for p in classifier.packs)
    err.print(
        f"{rules} rules, {checked} examples, {len(failures)} failed ({classifier.rules_version})"
    )
    if failures:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("lint")
def lint_cmd(rules_dir: RulesDirOption = None) -> None:
    """Validate the packs, exceptions, variants and categories; errors name file, rule and field (exit 2)."""
    problems = lint_examples(_rules_dir(rules_dir))
    if problems:
        for problem in problems:
            err.print(
                f"[bold red]error:[/] {problem}", markup=True, highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_BAD_INPUT)
    err.print("rules ok")


@app.command("list")
def list_cmd(rules_dir: RulesDirOption = None) -> None:
    """List the rules: id, category, severity, weight and explanation."""
    try:
        packs = load_packs(_rules_dir(rules_dir))
    except RulePackError as exc:
        fail(str(exc))
    table = Table()
    for column in ("rule", "category", "severity", "weight", "explanation"):
        table.add_column(column)
    for pack in packs:
        for rule in pack.rules:
            table.add_row(
                rule.id, rule.category, rule.severity, f"{rule.weight:.2f}", rule.explanation
            )
    out.print(table)
