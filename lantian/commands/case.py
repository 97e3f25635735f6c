"""``lantian case ...``: responsible offices, transfer of a case to another office, escalation letters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lantian.commands.common import migrated_session, settings_or_exit
from lantian.config import Settings
from lantian.console import err, fail, out

app = typer.Typer(
    help="Cases: responsible offices, transfer to another office, escalation.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output on stdout")]


def _directory(settings: Settings, offices: Path | None = None, prefixes: Path | None = None):  # type: ignore[no-untyped-def]
    from classifiers import OfficeError, load_directory, read_directory

    try:
        if offices is not None or prefixes is not None:
            return read_directory(
                offices or settings.rules_dir / "offices.yaml",
                prefixes or settings.rules_dir / "mobile_prefixes.yaml",
            )
        return load_directory(settings.rules_dir)
    except OfficeError as exc:
        fail(str(exc))


@app.command("offices")
def offices_cmd(
    check: Annotated[
        Path | None, typer.Option("--check", help="check an edited offices.yaml instead")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the offices (rules/offices.yaml) or check an edited file (exit 2 naming the entry)."""
    directory = _directory(settings_or_exit(), offices=check)
    if as_json:
        for o in directory.offices:
            out.print(json.dumps(o.model_dump(), ensure_ascii=False), markup=False)
        return
    for o in directory.offices:
        indent = "  " if o.level == "city" else ""
        out.print(f"{indent}{o.code}  {o.name}", markup=False)
    provinces = sum(1 for o in directory.offices if o.level == "province")
    err.print(f"{len(directory.offices)} offices, {provinces} provincial-level")


@app.command("assign-offices")
def assign_offices_cmd(as_json: JsonOpt = False) -> None:
    """Derive the responsible office of every finding and actor, with the reason (transfers stay)."""
    from store import assign_offices, audit

    settings = settings_or_exit()
    directory = _directory(settings)
    with migrated_session(settings) as session:
        report = assign_offices(session, directory, fallback_code=settings.office_code)
        audit.record(session, "system:cli", "offices.assign", "listing", "", **report.__dict__)
    if as_json:
        out.print(json.dumps(report.__dict__, ensure_ascii=False), markup=False)
    else:
        out.print(f"{report.listings} finding(s), {report.actors} actor(s)", markup=False)
        for source, n in sorted(report.by_source.items()):
            out.print(f"  {source}: {n}", markup=False)


def _parse_targets(targets: list[str]) -> tuple[int | None, list[int]]:
    actor: int | None = None
    listings: list[int] = []
    for raw in targets:
        kind, _, value = raw.rpartition(":")
        if not value.isdigit() or kind not in ("", "actor", "listing"):
            fail(f"{raw!r}: expected ACTOR (a number or actor:N) or listing:N")
        if kind == "listing":
            listings.append(int(value))
        elif actor is not None:
            fail("name one actor per transfer")
        else:
            actor = int(value)
    if actor is not None and listings:
        fail("name either an actor or listings, not both")
    return actor, listings


@app.command("export")
def export_cmd(
    targets: Annotated[
        list[str], typer.Argument(help="ACTOR (id or actor:N) or LISTINGS (listing:N ...)")
    ],
    to: Annotated[str, typer.Option("--to", help="receiving office code (rules/offices.yaml)")],
    out_dir: Annotated[Path, typer.Option("--out", help="directory to write into")] = Path("."),
    by: Annotated[str, typer.Option("--as", help="who exports, for the audit log")] = "cli",
    fmt: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="docx and/or pdf (default both)")
    ] = None,
) -> None:
    """Write a 线索移交函 (DOCX, PDF) and the signed evidence package for another office."""
    from evidence import EvidenceError
    from store import utcnow
    from takedown import TakedownError, export_transfer, office_from

    actor_id, listing_ids = _parse_targets(targets)
    settings = settings_or_exit()
    directory = _directory(settings)
    if to not in directory.by_code:
        fail(f"--to {to!r}: not an office code in {settings.rules_dir / 'offices.yaml'}")
    from evidence import open_vault

    vault = open_vault(settings)
    with migrated_session(settings) as session:
        try:
            result = export_transfer(
                session,
                directory=directory,
                vault=vault,
                to_office=to,
                out_dir=out_dir,
                issued=utcnow(),
                by=by,
                actor_id=actor_id,
                listing_ids=listing_ids,
                formats=fmt or ["docx", "pdf"],
                **office_from(settings).letterhead(),
            )
        except (TakedownError, EvidenceError) as exc:
            fail(str(exc))
    for path in result.paths:
        out.print(str(path), markup=False)
    if result.package is not None:
        out.print(str(result.package.path), markup=False)
    else:
        err.print("the findings cite no capture: no evidence package written")
    err.print(
        f"{result.reference}: {len(result.listings)} finding(s) for {directory.by_code[to].name}"
    )
