"""``lantian bench ...``: figures as ratios against a baseline measured in the same run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence import EvidenceError, parse_isolation
from evidence.bench import CaptureBench, run_capture_bench
from lantian.commands.common import settings_or_exit
from lantian.config import ConfigError, load_settings
from lantian.console import err, fail, out

if TYPE_CHECKING:
    from classifiers.bench import BenchResult, StartUp, WallResult

DEMO_TARGET_S = 180.0

app = typer.Typer(
    help="Benchmarks: each prints a ratio against a baseline from the same run.",
    no_args_is_help=True,
)


@app.command("capture")
def capture_bench(
    concurrency: Annotated[
        list[int] | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=32,
            help="captures at once, measured against 1 in the same run (repeatable; default 2 3 4)",
        ),
    ] = None,
    pages: Annotated[int, typer.Option(min=2, max=500, help="pages per level")] = 24,
    url: Annotated[
        list[str] | None,
        typer.Option(help="capture these URLs instead of the local site (repeatable)"),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(help="capture flagged sandbox listings (--no-sandbox: generated local pages)"),
    ] = True,
    isolation: Annotated[
        str | None,
        typer.Option(
            help="reused (profiles wiped between captures) or fresh (a new profile per capture); "
            "default: the capture_isolation setting"
        ),
    ] = None,
) -> None:
    """Full evidence captures per minute at N at once vs one at a time; every capture verified.

    Exits 1 when a capture failed or did not verify complete and intact.
    """
    settings = settings_or_exit()
    try:
        mode = parse_isolation(isolation or settings.capture_isolation)
    except ValueError as exc:
        fail(str(exc))
    levels = sorted(set(concurrency or [2, 3, 4]) | {1})
    err.print(
        f"capturing {len(url) if url else pages} page(s) at concurrency {levels}, "
        f"{mode} profiles, with {settings.chromium_path} ..."
    )
    try:
        if url or not sandbox:
            bench = run_capture_bench(
                settings.chromium_path,
                levels,
                pages=pages,
                urls=url,
                allow_private_networks=True if not url else settings.allow_private_networks,
                isolation=mode,
            )
        else:
            from sandbox import SandboxServer

            with SandboxServer(seed=2025) as server:
                targets = [
                    p["url"]
                    for p in server.truth()
                    if p["irregular"] and p["reachable"] and not p["fault"]
                ][:pages]
                err.print(f"sandbox: {len(targets)} flagged listing page(s)")
                bench = run_capture_bench(
                    settings.chromium_path, levels, urls=targets, isolation=mode
                )
    except EvidenceError as exc:
        fail(str(exc), 1)
    _print_capture_bench(bench)
    if not bench.all_verified or any(r.failures for r in bench.levels):
        raise typer.Exit(1)


def _print_capture_bench(bench: CaptureBench) -> None:
    for r in bench.levels:
        cpu = r.cpu_ms_per_capture
        out.print(
            f"concurrency {r.concurrency:>2}  {r.per_minute:7.1f} captures/min  "
            f"({r.captures} ok, {r.failures} failed, {r.seconds:.1f} s)  "
            f"verified {r.verified}/{r.captures}  {r.bytes_per_capture / 1024:.0f} KiB/capture  "
            f"ratio vs 1: {bench.ratio(r):.2f}x",
            markup=False,
        )
        out.print(
            f"    {bench.isolation} profiles: {r.profiles} opened; CPU (this process and "
            f"Chromium) {'n/a' if cpu is None else f'{cpu:.0f} ms'} per capture",
            markup=False,
        )
        steps = "  ".join(f"{k} {v:.0f}" for k, v in r.steps_ms.items())
        out.print(f"    mean ms per step: {steps}", markup=False)
        for problem in r.problems[:5]:
            out.print(f"    verify: {problem}", markup=False)
    best = bench.best
    out.print(
        f"best: concurrency {best.concurrency}, {best.per_minute:.1f} captures/min, "
        f"ratio (concurrency {best.concurrency} / concurrency 1): {bench.ratio(best):.2f}x",
        markup=False,
    )


@app.command("demo")
def demo_bench(
    target: Annotated[
        float, typer.Option(min=1.0, help="the wall time the demo should stay under, seconds")
    ] = DEMO_TARGET_S,
) -> None:
    """`lantian demo --no-serve` in a throw-away data folder: wall time per phase, against the target.

    Exits 1 when the demo fails or takes longer than the target.
    """
    import json
    import os
    import subprocess
    import sys
    import tempfile
    import time

    with tempfile.TemporaryDirectory(prefix="lantian-bench-demo-") as tmp:
        env = {**os.environ, "LANTIAN_DATA_DIR": str(Path(tmp) / "var")}
        env.pop("LANTIAN_DATABASE_URL", None)
        cmd = [
            sys.executable,
            "-m",
            "lantian",
            "demo",
            "--no-serve",
            "--json",
            "--sandbox-port",
            "0",
        ]
        err.print(f"running {' '.join(cmd[2:])} (data in {tmp}) ...")
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=False)
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        fail(f"the demo failed with exit code {proc.returncode} (its output is above)", 1)
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    summary = json.loads(lines[-1])
    phases = summary.get("phases_s", {})
    for name, seconds in phases.items():
        share = seconds / wall * 100 if wall else 0.0
        out.print(f"{name:<10} {seconds:8.1f} s  {share:5.1f}% of the wall time", markup=False)
    crawl = summary.get("crawl", {})
    out.print(
        f"crawl: {crawl.get('pages')} pages, {crawl.get('captured')} captures, "
        f"held back {crawl.get('crawl_paused_s')} s waiting for captures; mean ms per capture step: "
        + "  ".join(f"{k} {v:.0f}" for k, v in crawl.get("capture_mean_ms", {}).items()),
        markup=False,
    )
    out.print(
        f"demo wall {wall:.1f} s for {summary.get('listings')} listings, {summary.get('flagged')} flagged, "
        f"{summary.get('evidence')} captured; ratio (wall / {target:.0f} s target): {wall / target:.2f}",
        markup=False,
    )
    if wall > target:
        raise typer.Exit(1)


@app.command("classify")
def classify_bench(
    megabytes: Annotated[float, typer.Option("--mb", min=0.01, help="size of each corpus")] = 3.0,
    rounds: Annotated[
        int, typer.Option(min=1, max=20, help="interleaved rounds; each arm keeps its best")
    ] = 3,
    seed: Annotated[int, typer.Option(help="corpus seed")] = 20261126,
    as_json: Annotated[
        bool, typer.Option("--json", help="machine-readable result on stdout")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            max=64,
            help="workers of the wall-time arm (0: as `lantian classify` chooses, one per usable CPU)",
        ),
    ] = 0,
) -> None:
    """MB/s of the classifier and of the `lantian classify` JSON Lines path vs bare jieba.cut, same text.

    Two corpora: realistic sandbox pages (page-length, mostly offers and near-offers)
    and the older generated one, in CPU time of one process.  Then wall time on the
    realistic corpus: `lantian classify` at 1 worker and at N against jieba.cut on one
    core, with the load average.  Start-up (imports, rules, jieba) is timed apart.
    """
    import json

    from classifiers import RulePackError, default_workers, load_default_classifier
    from classifiers.bench import generated_documents, measure_start_up, run_wall
    from classifiers.bench import run as run_classify_bench
    from classifiers.native import engine
    from sandbox import listing_pages

    try:
        settings = load_settings()
        rules_dir = settings.rules_dir.resolve()
        classifier = load_default_classifier(rules_dir, settings.classify_threshold)
    except (ConfigError, RulePackError) as exc:
        fail(str(exc))
    err.print(
        f"{megabytes} MB per corpus, {engine()} classifier; "
        f"timing jieba.cut, classify(), JSON Lines x{rounds} ..."
    )
    start_up = measure_start_up(str(rules_dir), settings.classify_threshold)
    pages = [(p["title"], p["text"]) for p in listing_pages(megabytes, seed)]
    results = [
        run_classify_bench(classifier, pages, "realistic", rounds),
        run_classify_bench(classifier, generated_documents(megabytes, seed), "generated", rounds),
    ]
    count = workers or default_workers()
    err.print(f"wall time: jieba.cut, lantian classify at 1 and at {count} workers x{rounds} ...")
    wall = run_wall(classifier, pages, count, "realistic", rounds)
    if as_json:
        figures = {r.corpus: r.as_dict() for r in results}
        out.print_json(
            json.dumps(
                {
                    **figures,
                    "wall": wall.as_dict(),
                    "start_up": start_up.as_dict(),
                    "engine": engine(),
                }
            )
        )
        return
    _print_classify_bench(engine(), results, wall, start_up)


def _print_classify_bench(
    engine: str, results: list[BenchResult], wall: WallResult, start_up: StartUp
) -> None:
    out.print(f"classifier engine: {engine} (make install compiles it; see setup.py)")
    for r in results:
        out.print(
            f"{r.corpus} corpus: {r.megabytes:.2f} MB in {r.documents} documents ({r.flagged} flagged)\n"
            f"  jieba.cut        {r.jieba_mb_s:8.2f} MB/s  (baseline, CPU time)\n"
            f"  classify()       {r.classify_mb_s:8.2f} MB/s  ratio {r.ratio:.2f}x\n"
            f"  lantian classify {r.classify_jsonl_mb_s:8.2f} MB/s  ratio {r.ratio_jsonl:.2f}x",
            markup=False,
        )
    how = (
        f"{wall.processes} worker processes"
        if wall.processes
        else "in this process: the corpus is under the worker threshold"
    )
    out.print(
        f"wall time, {wall.corpus} corpus ({wall.megabytes:.2f} MB), {wall.cpus} usable CPUs, "
        f"load average {_load(wall.load_before)} before, {_load(wall.load_after)} after\n"
        f"  jieba.cut                    {wall.jieba_mb_s:8.2f} MB/s  (baseline, one core, wall)\n"
        f"  lantian classify --workers 1 {wall.one_worker_mb_s:8.2f} MB/s  "
        f"ratio {wall.ratio_one_worker:.2f}x\n"
        f"  lantian classify --workers {wall.workers} {wall.workers_mb_s:8.2f} MB/s  "
        f"ratio {wall.ratio_workers:.2f}x  ({how}; {wall.speed_up:.2f}x --workers 1)\n"
        f"  control: jieba.cut in {wall.workers} processes gains {wall.jieba_speed_up:.2f}x "
        "over one here and now (the most the workers could gain)",
        markup=False,
    )
    out.print(
        f"start-up (fresh process): import {start_up.import_s:.2f} s, rules {start_up.rules_s:.2f} s, "
        f"jieba dictionary {start_up.jieba_s:.2f} s (loaded on the first word-boundary check)",
        markup=False,
    )


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in load)


@app.command("crawl")
def crawl_bench(
    depth: Annotated[int, typer.Option(min=0, max=3, help="links followed from search pages")] = 1,
    repeat: Annotated[
        int, typer.Option(min=1, max=10, help="alternate the arms this often; best of each")
    ] = 3,
) -> None:
    """Pages/s of the full crawl pipeline (no screenshots) vs a bare Scrapy spider on the same URLs."""
    import json

    from crawler.bench import run_crawl_bench

    settings = settings_or_exit()
    err.print("crawling the sandbox: full pipeline, then a bare spider over the same URLs ...")
    try:
        bench = run_crawl_bench(settings.chromium_path, depth=depth, repeat=repeat)
    except RuntimeError as exc:
        fail(str(exc), 1)
    figures = bench.as_dict()
    err.print(
        f"full pipeline {figures['full_pages_per_s']} pages/s ({figures['full_pages']} pages, "
        f"crawl process peak {figures['full_peak_rss_mb']} MB, classify worker "
        f"{figures['full_worker_peak_rss_mb']} MB); bare Scrapy {figures['bare_pages_per_s']} pages/s "
        f"({figures['bare_pages']} pages, peak {figures['bare_peak_rss_mb']} MB)"
    )
    err.print(
        f"ratio {figures['ratio']} (overhead {figures['overhead_pct']}%); crawl process memory "
        f"{figures['memory_ratio']}x bare"
    )
    out.print(json.dumps(figures), markup=False)


@app.command("api")
def api_bench(
    listings: Annotated[
        int, typer.Option(min=100, max=2_000_000, help="listings seeded into a temporary SQLite")
    ] = 100_000,
    requests: Annotated[
        int, typer.Option(min=20, max=10_000, help="timed requests of each kind")
    ] = 200,
    data_dir: Annotated[
        Path | None, typer.Option(help="keep the seeded database here and reuse it next time")
    ] = None,
    writer: Annotated[
        float,
        typer.Option(
            min=0.0, max=2000.0, help="listings/s a crawl-like writer stores meanwhile (0: none)"
        ),
    ] = 50.0,
) -> None:
    """p95 latency of the review queue and of full-text search (target < 100 ms) while a crawl
    writes to the same database, against a LIKE-scan baseline."""
    from api.bench import TARGET_MS, run_api_bench
    from lantian.config import load_settings

    bench = run_api_bench(
        listings,
        requests,
        progress=lambda m: err.print(m),
        data_dir=data_dir,
        writer_per_second=writer,
        settings_for=lambda d: load_settings(data_dir=d, database_url=None, elasticsearch_url=None),
    )
    err.print(f"seeded {bench.listings} listings in {bench.seed_seconds:.1f} s")
    out.print(
        f"writer: {bench.written} listings stored meanwhile ({bench.write_rate:.1f}/s)",
        markup=False,
    )
    for t in (bench.queue, bench.search, bench.baseline_like, bench.floor):
        out.print(
            f"{t.name:<22} p50 {t.p50_ms:7.1f} ms   p95 {t.p95_ms:7.1f} ms   (n={t.n})",
            markup=False,
        )
    out.print(
        f"search p95 vs LIKE-scan baseline p95: {bench.baseline_like.p95_ms / max(bench.search.p95_ms, 1e-6):.1f}x faster",
        markup=False,
    )
    verdict = "meets" if bench.ok else "MISSES"
    out.print(
        f"target p95 < {TARGET_MS:.0f} ms with {bench.listings} listings: {verdict}", markup=False
    )
    if not bench.ok:
        raise typer.Exit(1)
