"""``lantian demo``: the main job end to end on the sandbox, then the review UI."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from lantian.commands.common import settings_or_exit
from lantian.console import err, fail, out
from lantian.demo import DEMO_CAMPAIGN, DemoError, DemoSummary, run_demo
from sandbox import DEFAULT_BASE_PORT, SandboxServer, SandboxStartError


def _start_sandbox(port: int) -> SandboxServer:
    try:
        return SandboxServer(base_port=port).start()
    except SandboxStartError as exc:
        if port == 0:
            raise
        err.print(f"[yellow]ports {port}-{port + 2} are taken ({exc}); using free ports[/]")
        return SandboxServer(base_port=0).start()


def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve the review UI afterwards")
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="end with one JSON summary line on stdout")
    ] = False,
    sandbox_port: Annotated[
        int, typer.Option(help="first of the sandbox's three ports (0: free ports)")
    ] = DEFAULT_BASE_PORT,
    port: Annotated[
        int | None, typer.Option(help="port of the review UI (default: settings.api_port)")
    ] = None,
    campaign: Annotated[
        str, typer.Option(help="campaign name or YAML file over the sandbox platforms")
    ] = DEMO_CAMPAIGN,
    password: Annotated[
        str | None, typer.Option(envvar="LANTIAN_DEMO_PASSWORD", help="the demo login's password")
    ] = None,
) -> None:
    """Start the sandbox internet, crawl it, classify, capture evidence, draft notices, serve the UI."""
    settings = settings_or_exit()
    started = time.perf_counter()
    try:
        sandbox = _start_sandbox(sandbox_port)
    except SandboxStartError as exc:
        fail(f"the sandbox could not start: {exc}", code=1)
    sandbox_s = round(time.perf_counter() - started, 2)
    try:
        err.print(f"sandbox: {', '.join(f'{k} {v}' for k, v in sandbox.urls.items())}")
        try:
            summary = run_demo(
                settings,
                sandbox,
                lambda line: err.print(line),
                demo_password=password,
                campaign=campaign,
            )
        except DemoError as exc:
            fail(str(exc), code=1)
        score = summary.score
        err.print(
            f"[bold]listings[/] {summary.listings}  [bold]flagged[/] {summary.flagged}  "
            f"[bold]evidence[/] {summary.evidence}  [bold]notices[/] {summary.notices}  "
            f"[bold]precision[/] {score.precision:.3f}  [bold]recall[/] {score.recall:.3f} "
            f"(against the sandbox truth: {score.true_positive} right flags, "
            f"{score.false_positive} wrong, {score.false_negative} missed)"
        )
        summary.phases = {"sandbox": sandbox_s, **summary.phases}
        summary.phases["total"] = round(time.perf_counter() - started, 2)
        print_phases(summary)
        if as_json:
            out.print(json.dumps(summary.as_json(), ensure_ascii=False), soft_wrap=True)
        if not serve:
            return
        import uvicorn

        from api import create_app

        bind_port = port or settings.api_port
        err.print(
            f"\n[bold green]review UI:[/] http://{settings.api_host}:{bind_port}/   "
            f"login [bold]{summary.login['username']}[/] / [bold]{summary.login['password']}[/]  "
            "(Ctrl-C stops the UI and the sandbox)"
        )
        demo_settings = settings.model_copy(update={"allow_private_networks": True})
        uvicorn.run(
            create_app(demo_settings),
            host=settings.api_host,
            port=bind_port,
            log_level="warning",
            proxy_headers=False,
        )
    finally:
        sandbox.stop()


def print_phases(summary: DemoSummary) -> None:
    """Where the demo's time went: each phase, then inside the crawl, the captures' steps."""
    phases = "  ".join(f"{k} {v:.1f}" for k, v in summary.phases.items())
    err.print(f"[bold]phase timings (s):[/] {phases}")
    crawl = summary.crawl
    if not crawl:
        return
    err.print(
        f"  crawl: {crawl.get('pages')} pages, {crawl.get('items')} items, "
        f"{crawl.get('captured')} captured ({crawl.get('capture_failed')} failed) "
        f"in {crawl.get('seconds')} s; crawl held back {crawl.get('crawl_paused_s')} s "
        f"waiting for captures (at most {crawl.get('capture_pending_max')} pending)"
    )
    steps = "  ".join(f"{k} {v:.0f}" for k, v in crawl.get("capture_mean_ms", {}).items())
    if steps:
        err.print(f"  mean ms per capture step: {steps}")
