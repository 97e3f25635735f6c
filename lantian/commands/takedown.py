"""``lantian takedown ...``: draft, approve, export and follow up takedown notices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lantian.commands.common import settings_or_exit
from lantian.config import Settings
from lantian.console import EXIT_CHECK_FAILED, err, fail, out
from store import (
    NoticeStatus,
    Platform,
    TakedownNotice,
    make_engine,
    make_sessionmaker,
    session_scope,
)
from takedown import (
    NoticeActor,
    TakedownError,
    draft_notices,
    export_notices,
    find_notice,
    find_user,
    load_platforms,
    notice_document,
    office_from,
    parse_format,
    transition,
    write_files,
)

app = typer.Typer(
    help="Takedown notices: draft, approve, export, track and re-check.", no_args_is_help=True
)

AsUser = Annotated[
    str, typer.Option("--as", help="username of who acts (approval needs a supervisor)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output on stdout")]


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    except TakedownError as exc:
        fail(str(exc))
    finally:
        engine.dispose()


def _summary(notice: TakedownNotice) -> dict[str, object]:
    return {
        "reference": notice.reference,
        "platform": notice.platform.key,
        "shop": notice.shop,
        "status": notice.status.value,
        "items": len(notice.items),
        "removed": sum(1 for i in notice.items if i.status.value == "removed"),
        "created_at": notice.created_at.isoformat(),
        "approved_at": notice.approved_at.isoformat() if notice.approved_at else None,
        "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
        "deadline": notice.deadline.isoformat() if notice.deadline else None,
        "escalation_due": notice.escalation_due,
    }


def _detail(notice: TakedownNotice) -> dict[str, object]:
    data = _summary(notice)
    items = []
    for item in sorted(notice.items, key=lambda i: i.id):
        checks = item.checks
        items.append(
            {
                "listing_id": item.listing_id,
                "url": item.listing.url,
                "title": item.listing.title,
                "status": item.status.value,
                "last_checked_at": item.last_checked_at.isoformat()
                if item.last_checked_at
                else None,
                "removed_at": item.removed_at.isoformat() if item.removed_at else None,
                "checks": [
                    {
                        "at": c.checked_at.isoformat(),
                        "online": c.online,
                        "http_status": c.http_status,
                        "detail": c.detail,
                    }
                    for c in checks
                ],
            }
        )
    data["listings"] = items
    return data


def _print_summaries(rows: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    from rich.table import Table

    table = Table(
        "reference", "platform", "shop", "status", "listings", "removed", "deadline", "escalate"
    )
    for r in rows:
        table.add_row(
            str(r["reference"]),
            str(r["platform"]),
            str(r["shop"] or ""),
            str(r["status"]),
            str(r["items"]),
            str(r["removed"]),
            str(r["deadline"] or "")[:10],
            "yes" if r["escalation_due"] else "",
        )
    out.print(table)


@app.command("platforms")
def platforms_cmd(
    check: Annotated[
        Path | None, typer.Option("--check", help="validate this platforms YAML instead")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the takedown channels and the platforms each covers (validates the YAML)."""
    try:
        registry = load_platforms(check) if check else load_platforms()
    except TakedownError as exc:
        fail(str(exc))
    rows = [
        {
            "platform": key,
            "name": entry.name,
            "channel": entry.channel,
            "channel_name": registry.channels[entry.channel].name,
            "submission": registry.channels[entry.channel].submission.value,
            "deadline_days": registry.channels[entry.channel].deadline_days,
        }
        for key, entry in registry.platforms.items()
    ]
    if as_json:
        out.print(json.dumps(rows, ensure_ascii=False), markup=False)
    else:
        from rich.table import Table

        table = Table("platform", "name", "channel", "submission", "deadline (days)")
        for r in rows:
            table.add_row(
                str(r["platform"]),
                str(r["name"]),
                str(r["channel_name"]),
                str(r["submission"]),
                str(r["deadline_days"]),
            )
        out.print(table)
    err.print(
        f"{registry.source}: {len(registry.channels)} channels, {len(registry.platforms)} platforms, valid"
    )


@app.command("draft")
def draft_cmd(
    as_user: AsUser,
    platform: Annotated[
        str | None, typer.Option("--platform", help="only this platform key")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Group confirmed listings not yet in a notice into draft notices, one per platform and shop."""
    settings = settings_or_exit()
    with _session(settings) as session:
        user = find_user(session, as_user)
        result = draft_notices(
            session,
            user,
            platform_key=platform,
            close_shop_threshold=settings.takedown_close_shop_threshold,
        )
        _print_summaries([_summary(n) for n in result.notices], as_json)
        err.print(
            f"{result.listings} listing(s): {len(result.created)} new notice(s), "
            f"{len(result.extended)} draft(s) extended"
        )


@app.command("status")
def status_cmd(
    reference: Annotated[
        str | None, typer.Argument(help="a notice reference or id; all notices if omitted")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="only notices in this status")
    ] = None,
    platform: Annotated[str | None, typer.Option("--platform")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show notices (or one notice with its listings and re-checks)."""
    settings = settings_or_exit()
    with _session(settings) as session:
        if reference:
            detail = _detail(find_notice(session, reference))
            if as_json:
                out.print(json.dumps(detail, ensure_ascii=False), markup=False)
            else:
                _print_summaries([detail], False)
                for item in detail["listings"]:  # type: ignore[attr-defined]
                    out.print(f"  {item['status']:8} {item['url']}  {item['title']}", markup=False)
            return
        query = select(TakedownNotice).order_by(TakedownNotice.id)
        if status:
            try:
                query = query.where(TakedownNotice.status == NoticeStatus(status))
            except ValueError:
                fail(
                    f"unknown status {status!r}; known: {', '.join(s.value for s in NoticeStatus)}"
                )
        if platform:
            query = query.join(Platform).where(Platform.key == platform)
        _print_summaries([_summary(n) for n in session.scalars(query)], as_json)


def _move(reference: str, target: NoticeStatus, as_user: str, note: str) -> None:
    settings = settings_or_exit()
    with _session(settings) as session:
        actor: NoticeActor = find_user(session, as_user)
        notice = transition(session, find_notice(session, reference), target, actor, note=note)
        err.print(f"{notice.reference}: {target.value}")
        out.print(json.dumps(_summary(notice), ensure_ascii=False), markup=False)


NoteOpt = Annotated[str, typer.Option("--note", help="why (kept in the audit log)")]


@app.command("approve")
def approve_cmd(reference: str, as_user: AsUser, note: NoteOpt = "") -> None:
    """Approve a draft notice (supervisor or admin); sets its deadline."""
    _move(reference, NoticeStatus.approved, as_user, note)


@app.command("mark-sent")
def mark_sent_cmd(reference: str, as_user: AsUser, note: NoteOpt = "") -> None:
    """Record that an approved notice was submitted to the platform."""
    _move(reference, NoticeStatus.sent, as_user, note)


@app.command("acknowledge")
def acknowledge_cmd(reference: str, as_user: AsUser, note: NoteOpt = "") -> None:
    """Record that the platform acknowledged the notice."""
    _move(reference, NoticeStatus.acknowledged, as_user, note)


@app.command("close")
def close_cmd(
    reference: str,
    as_user: AsUser,
    outcome: Annotated[str, typer.Option("--outcome", help="removed, partly_removed or refused")],
    note: NoteOpt = "",
) -> None:
    """Record the platform's answer: removed, partly_removed or refused."""
    allowed = {
        s.value: s
        for s in (NoticeStatus.removed, NoticeStatus.partly_removed, NoticeStatus.refused)
    }
    if outcome not in allowed:
        fail(f"--outcome must be one of {', '.join(allowed)}, not {outcome!r}")
    _move(reference, allowed[outcome], as_user, note)


@app.command("export")
def export_cmd(
    references: Annotated[
        list[str] | None, typer.Argument(help="notice references; or use --platform")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="docx, pdf, xlsx, csv, json or txt")
    ] = "docx",
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="every approved or later notice of this platform"),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="directory to write into")] = Path("."),
    include_drafts: Annotated[
        bool, typer.Option("--include-drafts", help="also export drafts (for review)")
    ] = False,
    with_evidence: Annotated[
        bool,
        typer.Option(
            "--with-evidence", help="also write each notice's evidence case package (zip)"
        ),
    ] = False,
) -> None:
    """Export notices as letters (docx, pdf, txt, one file each) or bulk files (xlsx, csv, json)."""
    settings = settings_or_exit()
    try:
        export_format = parse_format(fmt)
    except TakedownError as exc:
        fail(str(exc))
    if not references and not platform:
        fail("give notice references or --platform")
    with _session(settings) as session:
        notices = [find_notice(session, r) for r in references or []]
        if platform:
            query = (
                select(TakedownNotice)
                .join(Platform)
                .where(Platform.key == platform)
                .order_by(TakedownNotice.id)
            )
            notices.extend(session.scalars(query))
        if not include_drafts:
            drafts = [n.reference for n in notices if n.status is NoticeStatus.draft]
            if drafts and references:
                fail(f"{', '.join(drafts)}: not approved yet (use --include-drafts to preview)")
            notices = [n for n in notices if n.status is not NoticeStatus.draft]
        if not notices:
            fail("no notices to export" + (f" for platform {platform!r}" if platform else ""))
        unique = list({n.id: n for n in notices}.values())
        files = export_notices(
            session,
            unique,
            export_format,
            **office_from(settings).letterhead(),
        )
        for path in write_files(files, out_dir):
            out.print(str(path), markup=False)
        if with_evidence:
            _write_case_packages(session, settings, unique, out_dir)
        err.print(f"{len(unique)} notice(s) exported as {export_format.value}")


def _write_case_packages(
    session: Session, settings: Settings, notices: list[TakedownNotice], out_dir: Path
) -> None:
    from evidence import EvidenceError
    from takedown import export_case_package

    for notice in notices:
        doc = notice_document(session, notice, office_from(settings))
        try:
            summary = export_case_package(settings, doc, out_dir)
        except EvidenceError as exc:
            fail(f"{notice.reference}: evidence package not written: {exc}")
        if summary is None:
            err.print(f"{notice.reference}: cites no capture; no evidence package")
        else:
            out.print(str(summary.path), markup=False)


@app.command("escalate")
def escalate_cmd(
    reference: Annotated[str, typer.Argument(help="an overdue notice")],
    as_user: AsUser,
    fmt: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="docx, pdf or txt (repeatable)")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="directory to write into")] = Path("."),
) -> None:
    """Write the escalation letter (督办函) of a notice past its working-day deadline."""
    from store import utcnow
    from takedown import escalation_files

    settings = settings_or_exit()
    try:
        formats = [parse_format(f) for f in fmt or ["docx", "pdf"]]
    except TakedownError as exc:
        fail(str(exc))
    with _session(settings) as session:
        notice = find_notice(session, reference)
        user = find_user(session, as_user)
        try:
            files = escalation_files(
                session,
                notice,
                formats,
                **office_from(settings).letterhead(),
                now=utcnow(),
                by=user.username,
            )
        except TakedownError as exc:
            fail(str(exc))
        for path in write_files(files, out_dir):
            out.print(str(path), markup=False)


@app.command("recheck")
def recheck_cmd(
    reference: Annotated[
        str | None, typer.Argument(help="a notice; every due notice if omitted")
    ] = None,
    capture: Annotated[
        bool, typer.Option("--capture/--no-capture", help="capture new evidence with the browser")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Re-fetch the listings of sent notices and record which are gone (exit 1 if any is overdue)."""
    from takedown import BrowserRecapturer, recheck_due, recheck_notice

    settings = settings_or_exit()
    if not capture:
        settings = settings.model_copy(update={"takedown_recheck_capture": False})
    with _session(settings) as session:
        if reference:
            notice = find_notice(session, reference)
            recapturer = BrowserRecapturer(settings) if capture and settings.chromium_path else None
            try:
                reports = [recheck_notice(session, notice, settings, recapturer=recapturer)]
            except ValueError as exc:
                fail(str(exc))
            finally:
                if recapturer is not None:
                    recapturer.close()
        else:
            reports = recheck_due(session, settings)
        for report in reports:
            data = report.as_dict()
            if as_json:
                out.print(json.dumps(data, ensure_ascii=False), markup=False)
            else:
                out.print(
                    f"{report.reference}: {report.status}, removed {data['removed']}, online {data['online']}, "
                    f"inconclusive {data['inconclusive']}"
                    + (" - ESCALATION DUE" if report.escalation_due else ""),
                    markup=False,
                )
        err.print(f"{len(reports)} notice(s) re-checked")
        overdue = any(r.escalation_due for r in reports)
    if overdue:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("report")
def report_cmd(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM (UTC)")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="write report-YYYY-MM.xlsx and .html here")
    ] = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Monthly summary per platform and region: findings, notices, removal rate, median days to removal."""
    from takedown import monthly_summary, report_html, report_xlsx

    settings = settings_or_exit()
    with _session(settings) as session:
        report = monthly_summary(session, month, settings.office_name)
    if as_json:
        out.print(json.dumps(report.as_dict(), ensure_ascii=False), markup=False)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx = out_dir / f"report-{month}.xlsx"
    html = out_dir / f"report-{month}.html"
    xlsx.write_bytes(report_xlsx(report))
    html.write_text(report_html(report), encoding="utf-8")
    out.print(str(xlsx), markup=False)
    out.print(str(html), markup=False)
