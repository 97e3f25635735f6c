"""``lantian bench ...``: figures as ratios against a baseline measured in the same run."""

from __future__ import annotations

from typing import Annotated

import typer

from evidence.bench import run_capture_bench
from evidence.errors import EvidenceError
from lantian.config import ConfigError, load_settings
from lantian.console import err, fail, out

app = typer.Typer(help="Benchmarks: each prints a ratio against a baseline from the same run.", no_args_is_help=True)


@app.command("capture")
def capture_bench(
    pages: Annotated[int, typer.Option(min=2, max=500, help="pages per arm (local site)")] = 10,
    url: Annotated[list[str] | None, typer.Option(help="capture these URLs instead of the local site (repeatable)")] = None,
) -> None:
    """Evidence captures per minute: one reused browser vs a new browser per page, and bytes per capture."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        fail(str(exc))
    err.print(f"capturing {len(url) if url else pages} page(s) per arm with {settings.chromium_path} ...")
    try:
        bench = run_capture_bench(
            settings.chromium_path,
            pages=pages,
            urls=url,
            allow_private_networks=True if not url else settings.allow_private_networks,
        )
    except EvidenceError as exc:
        fail(str(exc), 1)
    for arm in (bench.reuse, bench.fresh):
        out.print(
            f"{arm.name:<22} {arm.per_minute:7.1f} captures/min  ({arm.captures} ok, {arm.failures} failed, "
            f"{arm.seconds:.1f} s)  {arm.bytes_per_capture / 1024:.0f} KiB/capture",
            markup=False,
        )
    out.print(f"ratio (reuse / new browser per page): {bench.ratio:.2f}x", markup=False)
