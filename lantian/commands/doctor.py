"""``lantian doctor``"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from lantian.commands.common import settings_or_exit
from lantian.console import EXIT_CHECK_FAILED, err, out
from lantian.doctor import Status, run_checks

STYLE = {Status.ok: "green", Status.warn: "yellow", Status.fail: "bold red", Status.skip: "dim"}


def doctor(
    as_json: bool = typer.Option(False, "--json", help="one JSON object per check on stdout"),
) -> None:
    """Check the browser, CJK fonts, database, search backend, Redis and disk; say how to fix what is missing.

    Exits 1 when something required is missing.
    """
    settings = settings_or_exit()
    checks = run_checks(settings)
    if as_json:
        for check in checks:
            out.print(
                json.dumps(check.as_dict(), ensure_ascii=False), markup=False, highlight=False
            )
    else:
        table = Table(title="lantian doctor", show_lines=False)
        table.add_column("check")
        table.add_column("status")
        table.add_column("found")
        table.add_column("how to fix")
        for check in checks:
            status = f"[{STYLE[check.status]}]{check.status.value}[/]"
            if not check.required and check.status is Status.fail:
                status += " (optional)"
            table.add_row(
                check.name, status, check.detail, check.fix if check.status is not Status.ok else ""
            )
        out.print(table)
    blocking = [c.name for c in checks if c.blocking]
    if blocking:
        err.print(f"[bold red]not ready:[/] {', '.join(blocking)}")
        raise typer.Exit(EXIT_CHECK_FAILED)
    err.print("[green]ready[/]")
