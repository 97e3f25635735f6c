"""``lantian profiles ...``: check a profile on a saved page, verify it on real pages, lint, list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lantian.commands.common import settings_or_exit
from lantian.console import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, err, fail, out
from spiders import (
    ArchivedResponse,
    ArchiveError,
    PageReport,
    Profile,
    ProfileError,
    bind_base,
    check_archive,
    check_page,
    load_profile,
    load_profiles,
    load_verification,
    read_archives,
    save_verification,
    verification_status,
)

app = typer.Typer(
    help="Check site profiles on saved pages, verify them on real pages, lint and list them.",
    no_args_is_help=True,
)

ProfilesDirOption = Annotated[
    Path | None,
    typer.Option("--profiles-dir", help="site profiles (default: settings.profiles_dir)"),
]
TEXT_PREVIEW = 400


def _dir(profiles_dir: Path | None) -> Path:
    return profiles_dir if profiles_dir is not None else settings_or_exit().profiles_dir


def _profile(directory: Path, key: str) -> tuple[Profile, Path]:
    path = directory / f"{key}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        fail(f"no profile {key!r} in {directory}; known: {known}")
    try:
        return load_profile(path), path
    except ProfileError as exc:
        fail(str(exc))


def _fetch(url: str, allow_private: bool) -> ArchivedResponse:
    """One page over the network, refusing private addresses unless the settings allow them."""
    import socket
    from urllib.parse import urlsplit

    import httpx

    from evidence import is_public_ip

    host = urlsplit(url).hostname or ""
    if not allow_private:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError as exc:
            fail(f"{url}: cannot resolve {host}: {exc}")
        if not addresses or not all(is_public_ip(str(a)) for a in addresses):
            fail(f"{url}: {host} is not a public address (set allow_private_networks to allow)")
    try:
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            response = client.get(url)
    except httpx.HTTPError as exc:
        fail(f"{url}: fetch failed: {exc}")
    return ArchivedResponse(
        url=str(response.url),
        status=response.status_code,
        headers=[(k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"],
        body=response.content,
        source=url,
    )


def _sources(source: str, url: str | None, fetch: bool) -> list[ArchivedResponse]:
    if source.startswith(("http://", "https://")):
        if not fetch:
            fail(f"{source}: fetching a live page needs --fetch (the operator's consent)")
        return [_fetch(source, settings_or_exit().allow_private_networks)]
    path = Path(source)
    if not path.exists():
        fail(f"{source}: no such file")
    if path.is_dir() or path.name.endswith((".warc", ".warc.gz")):
        try:
            pages = list(read_archives(path))
        except ArchiveError as exc:
            fail(str(exc))
        if not pages:
            fail(f"{source}: no response records")
        return pages
    if url is None:
        fail(f"{source}: a saved HTML page needs --url (the address it was saved from)")
    body = path.read_bytes()
    return [ArchivedResponse(url=url, status=200, headers=[], body=body, source=source)]


def _print_report(report: PageReport) -> None:
    out.print(
        f"[bold]{escape(report.page_type)}[/]  {escape(report.url)}  "
        f"(HTTP {report.status}, {report.encoding})",
        markup=True,
    )
    if report.blocked:
        out.print(f"  blocked page: {report.blocked} (never stored; the crawl backs off)")
        return
    by_type: dict[str, int] = {}
    for link in report.links:
        by_type[link.to] = by_type.get(link.to, 0) + 1
    summary = ", ".join(f"{n} -> {t}" for t, n in by_type.items()) or "none"
    out.print(f"  links followed: {summary}")
    for link in report.links[:50]:
        out.print(f"    [{link.to}] {link.url}", markup=False)
    if report.results:
        out.print(f"  results ({len(report.results)}):")
        for r in report.results:
            ad = " [ad]" if r.ad else ""
            out.print(f"    {r.rank:>3}{ad} {r.title} | {r.displayed_url}", markup=False)
            if r.snippet:
                out.print(f"        {r.snippet[:160]}", markup=False)
    out.print(f"  next page: {report.next_page or '-'}", markup=False)
    for name, value in report.fields.items():
        out.print(f"  field {name}: {str(value)[:200]}", markup=False)
    if report.text:
        text = report.text[:TEXT_PREVIEW].replace("\n", " / ")
        out.print(f"  text to classify ({len(report.text)} chars): {text}", markup=False)
    elif report.results:
        out.print(
            "  text to classify: each result's title, snippet and displayed URL", markup=False
        )
    else:
        out.print("  text to classify: none (a navigation page)", markup=False)
    for selector in report.empty:
        out.print(f"  [yellow]matched nothing:[/] {escape(selector)}", markup=True)


@app.command("check")
def check_cmd(
    profile: Annotated[str, typer.Argument(help="profile key, e.g. baidu")],
    source: Annotated[str, typer.Argument(help="saved HTML, a WARC (or folder), or a URL")],
    page_type: Annotated[
        str | None, typer.Option("--page-type", help="apply only this page type")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="the address a saved HTML page came from")
    ] = None,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="allow fetching SOURCE when it is a URL")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per page type")] = False,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="for profiles using {base}; default: SOURCE's host"),
    ] = None,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Print what PROFILE extracts from SOURCE, per page type: links followed (with their
    page type), results, next page, fields, the text classified, and the selectors that
    matched nothing.  Exit 1 when the page is a block page or nothing at all was extracted."""
    prof, _ = _profile(_dir(profiles_dir), profile)
    pages = _sources(source, url, fetch)
    if prof.needs_base:
        from urllib.parse import urlsplit

        parts = urlsplit(pages[0].url)
        try:
            prof = bind_base(prof, base_url or f"{parts.scheme}://{parts.netloc}")
        except ProfileError as exc:
            fail(str(exc))
    if page_type is not None and page_type not in prof.pages:
        fail(f"--page-type {page_type!r}: {profile} has {', '.join(prof.pages)}")
    types = [page_type] if page_type else list(prof.pages)
    failed = False
    for response in pages:
        reports = [check_page(prof, name, response) for name in types]
        for report in reports:
            if as_json:
                out.print(json.dumps(report.as_json(), ensure_ascii=False), markup=False)
            else:
                _print_report(report)
        blocked = any(r.blocked for r in reports)
        nothing = all(not (r.links or r.results or r.fields) for r in reports)
        failed = failed or blocked or nothing
    if failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("verify")
def verify_cmd(
    profile: Annotated[str, typer.Argument(help="profile key")],
    folder: Annotated[
        Path, typer.Argument(help="archived pages: <name>.warc.gz + <name>.expected.json")
    ],
    record: Annotated[
        bool, typer.Option("--record", help="write the result as the profile's check record")
    ] = False,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Measure how many annotated result links PROFILE follows on every real page in FOLDER
    on its domains; exit 1 if any page is under 95%.  --record keeps the result beside the
    profile (spiders/profiles/checks/KEY.json): that record is what makes it `verified`."""
    directory = _dir(profiles_dir)
    prof, path = _profile(directory, profile)
    if not folder.is_dir():
        fail(f"{folder}: not a folder")
    try:
        result = check_archive(prof, path, folder)
    except ArchiveError as exc:
        fail(str(exc))
    if not result.pages:
        fail(f"{folder}: no annotated page on {', '.join(prof.allowed_domains) or 'its domains'}")
    table = Table(title=f"{profile} on {len(result.pages)} real pages")
    for column in ("page", "followed", "coverage"):
        table.add_column(column)
    for page in result.pages:
        mark = "" if page.coverage >= result.min_coverage else " [red]< min[/]"
        table.add_row(page.name, f"{page.found}/{page.expected}", f"{page.coverage:.0%}{mark}")
    out.print(table)
    if record:
        err.print(f"recorded: {save_verification(directory, result)}")
    if not result.passed:
        raise typer.Exit(EXIT_CHECK_FAILED)


def lint_problems(directory: Path) -> list[str]:
    """Every profile error, by file; and a `verified: true` that no passing check backs."""
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            prof = load_profile(path)
        except ProfileError as exc:
            problems.append(str(exc))
            continue
        if (
            prof.verified
            and not prof.needs_base
            and not verification_status(directory, prof.key).verified
        ):
            problems.append(
                f"{path}: verified: true but {verification_status(directory, prof.key).why} "
                f"(run `lantian profiles verify {prof.key} DIR --record`)"
            )
        for i, marker in enumerate(prof.blocked):
            if not marker.name.strip():
                problems.append(f"{path}: blocked.{i}.name: empty")
    checks = directory / "checks"
    if checks.is_dir():
        for record in sorted(checks.glob("*.json")):
            if not (directory / f"{record.stem}.yaml").exists():
                problems.append(f"{record}: a check record for no profile")
            else:
                try:
                    load_verification(directory, record.stem)
                except (ValueError, TypeError, KeyError) as exc:
                    problems.append(f"{record}: unreadable check record: {exc}")
    return problems


@app.command("lint")
def lint_cmd(profiles_dir: ProfilesDirOption = None) -> None:
    """Validate every profile; errors name the file and the field (exit 2)."""
    directory = _dir(profiles_dir)
    problems = lint_problems(directory)
    for problem in problems:
        err.print(f"[bold red]error:[/] {problem}", markup=True, highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)
    err.print(f"{len(list(directory.glob('*.yaml')))} profiles ok")


@app.command("list")
def list_cmd(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Each profile with its `verified` status: true only with a passing recorded check
    against real pages (which pages and when are in spiders/profiles/checks/)."""
    directory = _dir(profiles_dir)
    try:
        profiles = load_profiles(directory)
    except ProfileError as exc:
        fail(str(exc))
    rows: list[dict[str, Any]] = []
    for key, prof in sorted(profiles.items()):
        st = verification_status(directory, key)
        rows.append(
            {
                "key": key,
                "name": prof.name,
                "kind": prof.kind.value,
                "verified": st.verified,
                "why": st.why if not prof.needs_base else "sandbox profile (checked by the tests)",
                "checked_at": st.record.checked_at if st.record else None,
                "pages": len(st.record.pages) if st.record else 0,
            }
        )
    if as_json:
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    table = Table()
    for column in ("profile", "name", "kind", "verified", "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["key"], row["name"], row["kind"], "yes" if row["verified"] else "no", row["why"]
        )
    out.print(table)
