"""``lantian bench ...``: figures as ratios against a baseline measured in the same run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.bench import run_capture_bench
from evidence.errors import EvidenceError
from lantian.commands.common import settings_or_exit
from lantian.config import ConfigError, load_settings
from lantian.console import err, fail, out

app = typer.Typer(
    help="Benchmarks: each prints a ratio against a baseline from the same run.",
    no_args_is_help=True,
)


@app.command("capture")
def capture_bench(
    pages: Annotated[int, typer.Option(min=2, max=500, help="pages per arm (local site)")] = 10,
    url: Annotated[
        list[str] | None,
        typer.Option(help="capture these URLs instead of the local site (repeatable)"),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(help="capture flagged sandbox listings (--no-sandbox: generated local pages)"),
    ] = True,
) -> None:
    """Evidence captures per minute: one reused browser vs a new browser per page, and bytes per capture."""
    settings = settings_or_exit()
    err.print(
        f"capturing {len(url) if url else pages} page(s) per arm with {settings.chromium_path} ..."
    )
    try:
        if url or not sandbox:
            bench = run_capture_bench(
                settings.chromium_path,
                pages=pages,
                urls=url,
                allow_private_networks=True if not url else settings.allow_private_networks,
            )
        else:
            from sandbox.server import SandboxServer

            with SandboxServer(seed=2025) as server:
                targets = [
                    p["url"]
                    for p in server.truth()
                    if p["irregular"] and p["reachable"] and not p["fault"]
                ][:pages]
                err.print(f"sandbox: {len(targets)} flagged listing page(s)")
                bench = run_capture_bench(settings.chromium_path, urls=targets)
    except EvidenceError as exc:
        fail(str(exc), 1)
    for arm in (bench.reuse, bench.fresh):
        out.print(
            f"{arm.name:<22} {arm.per_minute:7.1f} captures/min  ({arm.captures} ok, {arm.failures} failed, "
            f"{arm.seconds:.1f} s)  {arm.bytes_per_capture / 1024:.0f} KiB/capture",
            markup=False,
        )
    out.print(f"ratio (reuse / new browser per page): {bench.ratio:.2f}x", markup=False)


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
) -> None:
    """MB/s of the classifier and of the `lantian classify` JSON Lines path vs bare jieba.cut, same text.

    Two corpora: realistic sandbox pages (page-length, mostly offers and near-offers)
    and the older generated one; start-up (imports, rules, jieba) is timed apart.
    """
    import json

    from classifiers import load_default_classifier
    from classifiers.bench import generated_documents, measure_start_up
    from classifiers.bench import run as run_classify_bench
    from classifiers.pack import RulePackError
    from sandbox.corpus import listing_pages

    try:
        settings = load_settings()
        rules_dir = settings.rules_dir.resolve()
        classifier = load_default_classifier(rules_dir, settings.classify_threshold)
    except (ConfigError, RulePackError) as exc:
        fail(str(exc))
    err.print(f"{megabytes} MB per corpus; timing jieba.cut, classify(), JSON Lines x{rounds} ...")
    start_up = measure_start_up(str(rules_dir), settings.classify_threshold)
    pages = [(p["title"], p["text"]) for p in listing_pages(megabytes, seed)]
    results = [
        run_classify_bench(classifier, pages, "realistic", rounds),
        run_classify_bench(classifier, generated_documents(megabytes, seed), "generated", rounds),
    ]
    if as_json:
        figures = {r.corpus: r.as_dict() for r in results}
        out.print_json(json.dumps({**figures, "start_up": start_up.as_dict()}))
        return
    for r in results:
        out.print(
            f"{r.corpus} corpus: {r.megabytes:.2f} MB in {r.documents} documents ({r.flagged} flagged)\n"
            f"  jieba.cut        {r.jieba_mb_s:8.2f} MB/s  (baseline, CPU time)\n"
            f"  classify()       {r.classify_mb_s:8.2f} MB/s  ratio {r.ratio:.2f}x\n"
            f"  lantian classify {r.classify_jsonl_mb_s:8.2f} MB/s  ratio {r.ratio_jsonl:.2f}x",
            markup=False,
        )
    out.print(
        f"start-up (fresh process): import {start_up.import_s:.2f} s, rules {start_up.rules_s:.2f} s, "
        f"jieba dictionary {start_up.jieba_s:.2f} s (loaded on the first word-boundary check)",
        markup=False,
    )


@app.command("crawl")
def crawl_bench(
    depth: Annotated[int, typer.Option(min=0, max=3, help="links followed from search pages")] = 1,
    repeat: Annotated[
        int, typer.Option(min=1, max=10, help="alternate the arms this often; best of each")
    ] = 2,
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
        f"crawl process peak {figures['full_peak_rss_mb']} MB); bare Scrapy {figures['bare_pages_per_s']} pages/s "
        f"({figures['bare_pages']} pages, peak {figures['bare_peak_rss_mb']} MB)"
    )
    err.print(f"ratio {figures['ratio']} (overhead {figures['overhead_pct']}%)")
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

    bench = run_api_bench(
        listings,
        requests,
        progress=lambda m: err.print(m),
        data_dir=data_dir,
        writer_per_second=writer,
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
