"""``lantian demo``: the main job end to end on the sandbox, then the review UI."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lantian.commands.common import settings_or_exit
from lantian.console import err, fail, out
from lantian.demo import DEMO_CAMPAIGN, DemoError, run_demo
from sandbox.server import DEFAULT_BASE_PORT, SandboxServer, SandboxStartError


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
    try:
        sandbox = _start_sandbox(sandbox_port)
    except SandboxStartError as exc:
        fail(f"the sandbox could not start: {exc}", code=1)
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
        if as_json:
            out.print(json.dumps(summary.as_json(), ensure_ascii=False), soft_wrap=True)
        if not serve:
            return
        import uvicorn

        from api.app import create_app

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
