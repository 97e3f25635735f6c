"""``lantian agencies ...``: the register of licensed patent agencies and agents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifiers import LicensedCsvError, read_register_csv
from lantian.commands.common import migrated_session
from lantian.console import EXIT_CHECK_FAILED, err, fail, out
from store import import_register, load_registry

app = typer.Typer(
    help="Import and check the register of licensed agencies and agents.", no_args_is_help=True
)


@app.command("import")
def import_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="CSV of agencies (机构代码, 机构名称, ...) or agents (姓名, 资格证号, ...)"
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="replace the whole register instead of merging")
    ] = False,
) -> None:
    """Import the office's CSV of licensed agencies and registered agents into the store."""
    parsed = []
    for path in files:
        try:
            parsed.append(read_register_csv(path))
        except LicensedCsvError as exc:
            fail(str(exc))
    total_agencies = total_agents = 0
    with migrated_session() as session:
        for agencies, agents in parsed:
            a, b = import_register(session, agencies, agents, replace)
            total_agencies += a
            total_agents += b
    err.print(f"imported {total_agencies} agencies and {total_agents} agents")


@app.command("check")
def check_cmd() -> None:
    """List agents registered under more than one agency (exit 1 if any)."""
    with migrated_session() as session:
        registry = load_registry(session)
    doubled = registry.agents_in_several_agencies()
    for cert, records in sorted(doubled.items()):
        places = ", ".join(f"{r.agency_name or '?'} ({r.agency_code or '?'})" for r in records)
        out.print(f"{cert}\t{records[0].name}\t{places}", markup=False)
    err.print(
        f"{len(registry.agencies)} agencies, {len(registry.agents)} agents, {len(doubled)} in several agencies"
    )
    if doubled:
        raise typer.Exit(EXIT_CHECK_FAILED)
