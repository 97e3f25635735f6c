"""Record the batches a bench crawl hands the store stage, replay them into a fresh database,
dump what ends up in the tables and the search index, and compare two dumps.

A change to the store stage must not change what it writes; the crawl itself is not
deterministic (order, timing), so the same recorded batches are replayed through the code
before and after the change and the dumps compared byte for byte::

    .venv/bin/python scripts/store_replay.py record var/replay/items.pickle
    .venv/bin/python scripts/store_replay.py replay var/replay/items.pickle var/replay/before
    ...change the store stage...
    .venv/bin/python scripts/store_replay.py replay var/replay/items.pickle var/replay/after
    .venv/bin/python scripts/store_replay.py compare var/replay/before var/replay/after

``replay --profile`` prints the store thread's cProfile instead of guessing where it spends.
Times written by the replay itself (``utcnow()`` defaults) read ``NOW`` in the dump; the
crawl's own times (``fetched_at``, ``first_seen``...) come from the recording and are kept.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import os
import pickle
import pstats
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def record(out: Path) -> None:
    """Crawl the bench campaign (``crawler.bench``) in this process, keeping each batch."""
    from crawler.bench import write_bench_campaign
    from crawler.pipelines import store
    from sandbox import SandboxServer

    batches: list[list[Any]] = []
    write_batch = store.StorePipeline._write_batch

    def keep(self: store.StorePipeline, items: Any) -> None:
        items = list(items)
        batches.append(copy.deepcopy(items))
        write_batch(self, items)

    store.StorePipeline._write_batch = keep  # type: ignore[method-assign]
    with (
        tempfile.TemporaryDirectory(prefix="lantian-replay-") as tmp,
        SandboxServer(seed=2025, slow_delay=0.3) as sb,
    ):
        campaign = Path(tmp) / "bench.yaml"
        write_bench_campaign(campaign, sb.urls)
        os.environ.update(
            LANTIAN_DATA_DIR=str(Path(tmp) / "var"), LANTIAN_ALLOW_PRIVATE_NETWORKS="true"
        )
        from lantian.cli import main

        sys.argv = ["lantian", "crawl", str(campaign), "--no-capture"]
        try:
            main()
        except SystemExit as exit_:
            if exit_.code:
                raise
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pickle.dumps(batches))
    print(f"{sum(map(len, batches))} items in {len(batches)} batches -> {out}")


def replay(recording: Path, out: Path, profile: bool, passes: int = 1) -> None:
    """Write the recorded batches, in order, through the store stage into ``out``; each pass
    after the first sees every listing again (the path of a crawl repeated)."""
    from crawler.pipelines.store import StorePipeline, _search_indexer, ensure_platform
    from spiders import get_profile
    from store import engine_scope, make_sessionmaker, session_scope

    batches: list[list[Any]] = pickle.loads(recording.read_bytes()) * passes  # noqa: S301
    out.mkdir(parents=True, exist_ok=True)
    for old in ("lantian.sqlite3", "search.sqlite3"):
        (out / old).unlink(missing_ok=True)
    started = datetime.now(UTC).replace(tzinfo=None)
    url = f"sqlite:///{out / 'lantian.sqlite3'}"
    with engine_scope(url, migrate=True) as engine:
        sessions = make_sessionmaker(engine)
        keys = sorted({item.platform for batch in batches for item in batch})
        with session_scope(sessions) as session:
            for key in keys:
                p = get_profile(ROOT / "spiders" / "profiles", key)
                kind = p.kind.value
                ensure_platform(session, key, p.name, kind, None, p.verified, p.takedown_channel)
        indexer = _search_indexer({"data_dir": str(out), "rules_dir": str(ROOT / "rules")})
        pipe = StorePipeline(sessions, indexer=indexer)
        profiler = cProfile.Profile() if profile else None
        clock = time.perf_counter()
        for batch in batches:
            if profiler is not None:
                profiler.runcall(pipe._write, batch)
            else:
                pipe._write(batch)
        seconds = time.perf_counter() - clock
        pipe._executor.shutdown()
    from store.search import _shared

    for backend in _shared.values():
        backend.close()
    _shared.clear()
    dump(out, started)
    print(f"replayed {sum(map(len, batches))} items in {seconds:.2f}s -> {out}/dump.jsonl")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def _value(value: Any, started: datetime) -> Any:
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None) if value.tzinfo else value
        return "NOW" if naive >= started else value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            return _value(datetime.fromisoformat(value), started)
        except ValueError:
            return value
    return value


def dump(out: Path, started: datetime) -> None:
    """Every row of every table of both databases, in primary-key order, as JSON lines."""
    lines: list[str] = []
    for name in ("lantian.sqlite3", "search.sqlite3"):
        conn = sqlite3.connect(out / name)
        try:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                    " AND name NOT LIKE 'fts_%' AND name != 'alembic_version' ORDER BY name"
                )
            ]
            for table in tables:
                try:  # the rowid is the listing id in the FTS table
                    cursor = conn.execute(f'SELECT rowid, * FROM "{table}"')  # noqa: S608
                except sqlite3.OperationalError:  # WITHOUT ROWID
                    cursor = conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608
                columns = [d[0] for d in cursor.description]
                rows = [
                    json.dumps(
                        [
                            name,
                            table,
                            {c: _value(v, started) for c, v in zip(columns, row, strict=True)},
                        ],
                        ensure_ascii=False,
                        sort_keys=True,
                    )
                    for row in cursor
                ]
                lines.extend(sorted(rows))
        finally:
            conn.close()
    (out / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def compare(before: Path, after: Path) -> int:
    a = (before / "dump.jsonl").read_text(encoding="utf-8").splitlines()
    b = (after / "dump.jsonl").read_text(encoding="utf-8").splitlines()
    if a == b:
        print(f"identical: {len(a)} rows")
        return 0
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    print(f"DIFFERENT: {len(a)} vs {len(b)} rows; {len(only_a)} only before, {len(only_b)} after")
    for line in only_a[:5]:
        print("-", line[:300])
    for line in only_b[:5]:
        print("+", line[:300])
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("record").add_argument("out", type=Path)
    rep = commands.add_parser("replay")
    rep.add_argument("recording", type=Path)
    rep.add_argument("out", type=Path)
    rep.add_argument("--profile", action="store_true")
    rep.add_argument("--passes", type=int, default=1)
    cmp_ = commands.add_parser("compare")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.out)
    elif args.command == "replay":
        replay(args.recording, args.out, args.profile, args.passes)
    else:
        return compare(args.before, args.after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
