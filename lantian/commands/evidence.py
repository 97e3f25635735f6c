"""``lantian evidence ...``: capture, verify, export and check case packages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from evidence import (
    CaptureAnchor,
    CaptureOptions,
    CaptureRequest,
    EvidenceError,
    EvidenceVault,
    StoredCapture,
    VerifyReport,
    capture_urls,
    export_package,
    key_fingerprint,
    load_public_key,
    open_vault,
    safe_extract,
    verify_package,
)
from lantian.commands.common import migrated_session, settings_or_exit
from lantian.config import Settings
from lantian.console import EXIT_CHECK_FAILED, err, fail, out

app = typer.Typer(
    help="Evidence: capture pages, verify the store, export case packages.", no_args_is_help=True
)


def _vault(settings: Settings, store: Path | None = None) -> EvidenceVault:
    return open_vault(settings, store)


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "captures": report.captures,
        "artifacts_checked": report.artifacts_checked,
        "ledger_entries": report.ledger_entries,
        "timestamps": report.timestamps,
        "database_rows": report.database_rows,
        "problems": [{"subject": p.subject, "how": p.how} for p in report.problems],
        "notes": report.notes,
    }


def _print_report(report: VerifyReport, what: str, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(_report_json(report), ensure_ascii=False))
    else:
        for problem in report.problems:
            out.print(f"FAIL {problem}", markup=False)
    for note in report.notes:
        err.print(f"note: {note}", markup=False)
    summary = (
        f"{what}: {report.captures} capture(s), {report.artifacts_checked} artifact(s), "
        f"{report.ledger_entries} ledger entr{'y' if report.ledger_entries == 1 else 'ies'}, "
        f"{report.timestamps} trusted timestamp(s)"
        + (
            f", {report.database_rows} database row(s)"
            if report.database_rows is not None
            else ", database not cross-checked"
        )
    )
    if report.ok:
        err.print(f"[green]intact[/] - {summary}")
    else:
        err.print(f"[bold red]{len(report.problems)} problem(s)[/] - {summary}")
        raise typer.Exit(EXIT_CHECK_FAILED)


def _database_anchors(settings: Settings) -> list[CaptureAnchor] | None:
    """The database's capture rows; None (with a note) when there is no database to ask.

    A database that exists but cannot be read is bad configuration (exit 2):
    silently skipping it would hide exactly the loss this check is for.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from store import capture_anchors, make_engine, make_sessionmaker

    url = settings.resolved_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        err.print(f"note: no database at {parsed.database}; not cross-checked", markup=False)
        return None
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        if not inspector.has_table("evidence_captures"):
            err.print("note: the database has no evidence table yet; not cross-checked")
            return None
        columns = {c["name"] for c in inspector.get_columns("evidence_captures")}
        if "ledger_entry_hash" not in columns:
            fail("the database schema is older than this check: run `lantian db upgrade`")
        with make_sessionmaker(engine)() as session:
            return capture_anchors(session)
    except SQLAlchemyError as exc:
        fail(f"database_url: cannot read the evidence captures: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


@app.command("verify")
def verify_cmd(
    store: Annotated[
        Path | None, typer.Option(help="evidence store to check (default: the configured one)")
    ] = None,
    pubkey: Annotated[
        Path | None,
        typer.Option(help="PEM public key to check against (default: the deployment's)"),
    ] = None,
    tsa_ca: Annotated[
        Path | None,
        typer.Option(help="TSA CA certificate: also check each trusted timestamp with openssl"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    database: Annotated[
        bool,
        typer.Option(
            "--db/--no-db",
            help="cross-check the configured database's capture rows against the store",
        ),
    ] = True,
) -> None:
    """Check every artifact against its manifest, every signature and the whole ledger chain.

    With the database (the default), every capture it records must be in the
    ledger with the same index and hashes, and every non-manual ledger entry
    must be in the database: a removed newest capture is named.
    Exit 0 when intact; exit 1 naming each artifact, ledger entry or capture that fails and how.
    """
    settings = settings_or_exit()
    root = store or settings.resolved_evidence_dir
    if not root.is_dir():
        fail(f"no evidence store at {root}")
    anchors = _database_anchors(settings) if database else None
    try:
        pem = pubkey.read_bytes() if pubkey else None
        report = _vault(settings, root).verify(pem, tsa_ca, anchors)
    except (EvidenceError, OSError) as exc:
        fail(str(exc))
    _print_report(report, str(root), as_json)


@app.command("adopt")
def adopt_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="print what was done as JSON")] = False,
) -> None:
    """Give database rows to signed captures a killed crawl left without one.

    A crawl killed between recording a capture and storing its row leaves the capture
    signed and chained but unknown to the database (verify names it an orphan).  When
    its listing is stored, the row is written now; otherwise the capture waits for the
    next crawl that stores that listing, which uses it instead of capturing again.
    Running it twice adopts nothing twice.  Exit 0; 1 when some capture still waits.
    """
    from store import adopt_unrecorded

    settings = settings_or_exit()
    with migrated_session(settings) as session:
        done = adopt_unrecorded(session, _vault(settings))
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "adopted": done.adopted,
                    "pending": {ref: s.capture_uid for ref, s in done.pending.items()},
                },
                ensure_ascii=False,
            )
        )
    for uid in done.adopted:
        err.print(f"adopted {uid}", markup=False)
    for ref, stored in done.pending.items():
        err.print(
            f"waiting: {stored.capture_uid} of {ref} (its listing is not stored yet)", markup=False
        )
    err.print(f"{len(done.adopted)} adopted, {len(done.pending)} waiting for their listing")
    if done.pending:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("pubkey")
def pubkey_cmd(
    fingerprint: Annotated[
        bool, typer.Option(help="print the SHA-256 fingerprint instead of the PEM")
    ] = False,
) -> None:
    """Print the deployment's Ed25519 public key (PEM), creating the key pair on first use."""
    settings = settings_or_exit()
    try:
        signer = _vault(settings).signer
    except EvidenceError as exc:
        fail(str(exc))
    if fingerprint:
        out.print(signer.fingerprint, markup=False)
    else:
        typer.echo(signer.public_pem().decode("ascii"), nl=False)


def _summary(stored: StoredCapture) -> dict[str, Any]:
    return {
        "capture_uid": stored.capture_uid,
        "listing_ref": stored.listing_ref,
        "run_ref": stored.run_ref,
        "url": stored.url,
        "final_url": stored.final_url,
        "http_status": stored.http_status,
        "captured_at": stored.captured_at.isoformat(),
        "manifest_sha256": stored.manifest_sha256,
        "ledger_index": stored.ledger_index,
        "screenshot_sha256": stored.screenshot_sha256,
        "timestamp_time": stored.timestamp_time.isoformat() if stored.timestamp_time else None,
        "timestamp_error": stored.timestamp_error,
        "artifacts": [
            {"kind": k, "sha256": h, "size": s, "media_type": m}
            for k, h, s, m in stored.artifact_rows
        ],
    }


@app.command("capture")
def capture_cmd(
    urls: Annotated[list[str], typer.Argument(help="page(s) to capture")],
    listing: Annotated[
        str | None, typer.Option(help="listing reference to record (default: manual:<url>)")
    ] = None,
    run: Annotated[str | None, typer.Option(help="campaign run reference")] = None,
    attempts: Annotated[int, typer.Option(min=1, max=10, help="attempts per page")] = 3,
    timeout: Annotated[float, typer.Option(min=1, help="page load timeout, seconds")] = 30.0,
) -> None:
    """Capture pages now (manual capture) and print each manifest summary as JSON Lines."""
    settings = settings_or_exit()
    vault = _vault(settings)
    requests = [CaptureRequest(u, listing or f"manual:{u}", run, "manual") for u in urls]
    options = CaptureOptions(
        navigation_timeout_s=timeout,
        attempts=attempts,
        allow_private_networks=settings.allow_private_networks,
    )
    try:
        results = capture_urls(requests, vault, settings.chromium_path, options)
    except EvidenceError as exc:
        fail(str(exc))
    failed = 0
    for result in results:
        if isinstance(result, StoredCapture):
            out.print(json.dumps(_summary(result), ensure_ascii=False), markup=False)
            err.print(f"captured {result.url} -> {result.capture_uid}", markup=False)
        else:
            failed += 1
            err.print(f"[red]failed[/] {result.reason}", highlight=False)
    if failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("list")
def list_cmd(
    listing: Annotated[
        str | None, typer.Option(help="only captures of this listing reference")
    ] = None,
) -> None:
    """List captures (JSON Lines, ledger order)."""
    vault = _vault(settings_or_exit())
    manifests = vault.captures_for_listing(listing) if listing else list(vault.iter_manifests())
    for m in manifests:
        shot = m.artifact("screenshot")
        row = {
            "capture_uid": m.capture_uid,
            "listing_ref": m.listing_ref,
            "run_ref": m.run_ref,
            "reason": m.reason,
            "url": m.url,
            "final_url": m.final_url,
            "http_status": m.http_status,
            "captured_at": m.captured_at,
            "screenshot_sha256": shot.sha256 if shot else None,
        }
        out.print(json.dumps(row, ensure_ascii=False), markup=False)


@app.command("export")
def export_cmd(
    capture_uids: Annotated[list[str] | None, typer.Argument(help="capture ids to include")] = None,
    listing: Annotated[
        list[str] | None, typer.Option(help="include every capture of this listing (repeatable)")
    ] = None,
    out_path: Annotated[Path, typer.Option("--out", help="zip file to write")] = Path("case.zip"),
    title: Annotated[
        str, typer.Option(help="title shown in index.html")
    ] = "Lantian evidence package",
    wacz: Annotated[bool, typer.Option(help="include the WARC records as a validated WACZ")] = True,
) -> None:
    """Write a case package (zip) that a third party checks with the public key and common tools."""
    vault = _vault(settings_or_exit())
    uids = list(capture_uids or [])
    for ref in listing or []:
        found = vault.captures_for_listing(ref)
        if not found:
            fail(f"no captures of listing {ref!r}")
        uids += [m.capture_uid for m in found]
    if not uids:
        fail("name capture ids or --listing")
    try:
        summary = export_package(vault, uids, out_path, title, wacz=wacz)
    except EvidenceError as exc:
        fail(str(exc))
    out.print(str(summary.path), markup=False)
    err.print(
        f"{len(summary.captures)} capture(s), {summary.artifacts} artifact(s), {summary.bytes} bytes; "
        f"key {summary.public_key_sha256}",
        markup=False,
    )


@app.command("verify-package")
def verify_package_cmd(
    package: Annotated[Path, typer.Argument(help="case package zip")],
    pubkey: Annotated[
        Path | None, typer.Option(help="trusted PEM public key (default: the package's own)")
    ] = None,
    extract: Annotated[
        Path | None, typer.Option(help="also extract the checked package here (safely)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check a case package as a third party would; exit 1 naming what fails. Unsafe zips are refused."""
    if not package.is_file():
        fail(f"no such file {package}")
    try:
        pem = pubkey.read_bytes() if pubkey else None
        if pem is not None:
            err.print(f"key {key_fingerprint(load_public_key(pem))}", markup=False)
        report = verify_package(package, pem)
    except (EvidenceError, OSError) as exc:
        fail(str(exc), EXIT_CHECK_FAILED)
    if extract is not None and report.ok:
        try:
            safe_extract(package, extract)
        except EvidenceError as exc:
            fail(str(exc), EXIT_CHECK_FAILED)
    _print_report(report, str(package), as_json)
