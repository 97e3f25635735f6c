"""``lantian config ...``"""

from __future__ import annotations

import json

import typer

from lantian.commands.common import settings_or_exit
from lantian.console import out

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective configuration, secrets masked."""
    settings = settings_or_exit()
    values = settings.masked()
    if as_json:
        out.print_json(json.dumps(values, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    table = Table("setting", "value")
    for key, value in values.items():
        table.add_row(key, "" if value is None else str(value))
    out.print(table)
