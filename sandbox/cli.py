"""``lantian sandbox ...`` and ``python -m sandbox ...``: the simulated internet for the demo and the tests.

The sandbox stands on the ground floor, so this command group has its own consoles
(machine output to stdout, messages to stderr) instead of the shell's.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import typer
from rich.console import Console

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code`` (2: the input was wrong)."""
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


app = typer.Typer(
    help="Serve the simulated internet (search engine, marketplace, forum) and print its truth.",
    no_args_is_help=True,
)


@app.command("serve")
def serve(
    port: int = typer.Option(
        8700, "--port", "-p", help="base port: platforms on N, N+1, N+2 (0: free ports)"
    ),
    seed: int = typer.Option(2025, "--seed", help="world seed; same seed, same sites"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (keep it loopback)"),
    slow_delay: float = typer.Option(
        0.8, "--slow-delay", help="seconds the deliberately slow pages take"
    ),
) -> None:
    """Serve the three platforms until interrupted; prints their base URLs (one `key url` per line)."""
    from sandbox.server import SandboxServer, SandboxStartError

    if not 0 <= port <= 65533:
        fail(f"--port {port} is out of range (0..65533)")
    server = SandboxServer(seed=seed, host=host, base_port=port, slow_delay=slow_delay)
    try:
        server.start()
    except SandboxStartError as exc:
        fail(str(exc))
    for key, url in server.urls.items():
        typer.echo(f"{key} {url}")  # plain text: an IPv6 "[::1]" is not rich markup
    sys.stdout.flush()  # whoever started us reads the URLs from a pipe
    err.print(f"admin token: {server.admin_token}  (POST /_admin/takedown with X-Sandbox-Token)")
    err.print(f"{len(server.world.pages())} pages, seed {seed}; Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print("stopped")
    finally:
        server.stop()


@app.command("truth")
def truth(
    base_port: int = typer.Option(8700, "--base-port", help="base port the URLs should use"),
    host: str = typer.Option("127.0.0.1", "--host", help="host the URLs should use"),
    seed: int = typer.Option(2025, "--seed", help="world seed"),
    no_text: bool = typer.Option(False, "--no-text", help="omit each page's text"),
) -> None:
    """Print the ground truth as JSON Lines, one page per line, with absolute URLs."""
    from sandbox.generate import build_world
    from sandbox.truth import base_urls, truth_records

    if not 1 <= base_port <= 65533:
        fail(f"--base-port {base_port} is out of range (1..65533)")
    for record in truth_records(build_world(seed), base_urls(host, base_port)):
        if no_text:
            record.pop("text")
        typer.echo(json.dumps(record, ensure_ascii=False))


@app.command("stats")
def stats(
    seed: int = typer.Option(2025, "--seed", help="world seed"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of a table"),
) -> None:
    """Count the world's pages: per platform, irregular vs not, per category, encodings, faults."""
    from sandbox.generate import build_world
    from sandbox.stats import world_stats

    figures = world_stats(build_world(seed))
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("figure", *figures["platforms"].keys(), "total")
    for row in (
        "pages",
        "listings",
        "irregular",
        "negative",
        "robots_disallowed",
        "not_utf8",
        "faults",
    ):
        values = [str(figures["platforms"][p][row]) for p in figures["platforms"]]
        table.add_row(row, *values, str(figures["total"][row]))
    for category, count in figures["categories"].items():
        table.add_row(f"category {category}", *[""] * len(figures["platforms"]), str(count))
    out.print(table)
