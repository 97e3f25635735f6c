"""``lantian bench api``: p95 latency of the review queue and of search with many listings on SQLite.

Seeds a throw-away SQLite database with bulk inserts (listings, versions and the
FTS5 index built from a pool of pre-segmented phrases), then times requests
over loopback HTTP to the whole app under uvicorn (routing, bearer auth, queries,
serialisation) while a crawl-like writer in another process stores listings into
the same database and index (``api.bench_writer``).
The baseline, measured in the same run, is what search costs without the index:
a ``LIKE '%word%'`` scan over the listing texts.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update

from api.config import ApiSettings
from store import (
    Listing,
    ListingStatus,
    ListingVersion,
    Platform,
    Role,
    SourceKind,
    User,
    create_api_token,
    hash_password,
    make_engine,
    session_scope,
    upgrade,
)
from store.search import FtsBackend, SearchDoc, tokenize_document

PHRASES = [
    "发明专利包授权",
    "不授权全额退款",
    "实用新型100%下证",
    "先下证后付款",
    "审查意见轻松通过",
    "商标包通过",
    "论文改专利",
    "评职称专用专利",
    "积分落户加分",
    "高企认定专利打包",
    "可加发明人",
    "授权未缴费专利转让",
    "代理师证书挂靠",
    "人不用到岗",
    "出租专利代理师资格证",
    "个人代理专利申请",
    "无需资质",
    "工作室低价代理",
    "国知局内部渠道",
    "审查员关系",
    "官方指定代理",
    "特殊通道加急",
    "商标抢注",
    "囤积商标出售",
    "防撤三服务",
    "正规专利代理机构",
    "不承诺授权结果",
    "专利产品热销",
    "授权经销商",
    "全国包邮",
    "保过班报名",
    "知识产权宣传周",
    "打击非正常专利申请",
    "专利转化运用",
    "请问这是骗局吗",
    "商标被抢注怎么办",
    "微信同号",
    "私聊报价",
    "扣1了解",
    "北京",
    "上海",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "西安",
    "南京",
    "广州",
    "苏州",
    "天津",
]
CATEGORIES = [
    "guaranteed_grant",
    "abnormal_patent",
    "certificate_renting",
    "unlicensed_agency",
    "trademark_malicious",
    "false_claims",
]
REGIONS = ["北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "陕西", "山东", "河南"]
STATUS_WEIGHTS = [
    (ListingStatus.flagged, 30),
    (ListingStatus.escalated, 5),
    (ListingStatus.new, 20),
    (ListingStatus.dismissed, 25),
    (ListingStatus.confirmed, 20),
]
SEARCH_WORDS = [
    "包授权",
    "挂靠",
    "评职称",
    "抢注",
    "内部渠道",
    "全额退款",
    "发明人",
    "无需资质",
    "下证",
    "撤三",
]
TARGET_MS = 100.0


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port for the duration of the block."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass(frozen=True)
class Timing:
    name: str
    p50_ms: float
    p95_ms: float
    n: int


@dataclass(frozen=True)
class ApiBench:
    listings: int
    seed_seconds: float
    queue: Timing
    search: Timing
    baseline_like: Timing
    floor: Timing
    #: listings the writer stored while the readers were timed, and its rate
    written: int = 0
    write_rate: float = 0.0

    @property
    def ok(self) -> bool:
        return self.queue.p95_ms < TARGET_MS and self.search.p95_ms < TARGET_MS


def _timing(name: str, samples: list[float]) -> Timing:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return Timing(name, statistics.median(ordered) * 1000, p95 * 1000, len(ordered))


PLATFORMS = [
    ("taobao", SourceKind.marketplace),
    ("baidu", SourceKind.search),
    ("tieba", SourceKind.forum),
]


def _rows(
    i: int, rng: random.Random, now: datetime, tokens_of: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, Any], SearchDoc]:
    """Listing ``i``: its row, its version's row and its search document."""
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    title_p = rng.sample(PHRASES, 2)
    body_p = rng.sample(PHRASES, rng.randint(4, 8))
    status = rng.choice(statuses)
    cats = rng.sample(CATEGORIES, rng.randint(0 if status == ListingStatus.dismissed else 1, 2))
    score = round(rng.random(), 4)
    severity = rng.choice(["high", "medium", "low"]) if cats else None
    pid = rng.randint(1, len(PLATFORMS))
    platform = PLATFORMS[pid - 1][0]
    region = rng.choice(REGIONS)
    seen = now - timedelta(days=rng.randint(0, 180), seconds=rng.randint(0, 86_400))
    title, body = "".join(title_p), "，".join(body_p)
    url = f"https://{platform}.example/item/{i}"
    listing = {
        "id": i,
        "platform_id": pid,
        "canonical_url": url,
        "url": url,
        "title": title,
        "region": region,
        "first_seen": seen,
        "last_seen": seen,
        "status": status,
        "irregular": bool(cats),
        "score": score,
        "severity": severity,
        "categories": cats,
        "page_kind": "listing",
        "online": True,
    }
    version = {
        "id": i,
        "listing_id": i,
        "content_sha256": f"{i:064x}",
        "title": title,
        "text": body,
        "fields": {},
        "fetched_at": seen,
    }
    doc = SearchDoc(
        listing_id=i,
        tokens=[t for p in (*title_p, *body_p) for t in tokens_of[p]],
        platform=platform,
        status=str(status),
        categories=cats,
        severity=severity,
        region=region,
        score=score,
        irregular=bool(cats),
        first_seen=seen,
        last_seen=seen,
    )
    return listing, version, doc


def seed(
    settings: ApiSettings, n: int, rng: random.Random, progress: Callable[[str], None]
) -> None:
    """Bulk-insert ``n`` listings with versions and index them in FTS5."""
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    tokens_of = {p: tokenize_document(p) for p in PHRASES}
    backend = FtsBackend(settings.data_dir / "search.sqlite3")
    now = datetime.now(UTC)
    batch = 10_000
    with engine.begin() as conn:
        conn.execute(
            insert(Platform),
            [
                {"id": i + 1, "key": k, "name": k, "kind": kind}
                for i, (k, kind) in enumerate(PLATFORMS)
            ],
        )
    for start in range(1, n + 1, batch):
        rows = [_rows(i, rng, now, tokens_of) for i in range(start, min(n, start + batch - 1) + 1)]
        with engine.begin() as conn:
            conn.execute(insert(Listing), [r[0] for r in rows])
            conn.execute(insert(ListingVersion), [r[1] for r in rows])
        backend.index([r[2] for r in rows])
        progress(f"seeded {min(n, start + batch - 1)} / {n}")
    with engine.begin() as conn:
        conn.execute(update(Listing).values(current_version_id=Listing.id))
        conn.execute(text("ANALYZE"))
    backend.close()
    engine.dispose()


def _reviewer_token(app: Any) -> dict[str, str]:
    """Headers with a fresh reviewer's bearer token."""
    with session_scope(app.state.sessionmaker) as s:
        user = User(
            username=f"bench-{random.getrandbits(32):08x}",
            password_hash=hash_password("bench-pw"),
            role=Role.reviewer,
        )
        s.add(user)
        s.flush()
        token = create_api_token(s, user, "bench", by="system:bench").secret
    return {"Authorization": f"Bearer {token}"}


def _queue_params(rng: random.Random) -> dict[str, str | int]:
    params: dict[str, str | int] = {"queue": "true", "limit": 50, "offset": 50 * rng.randint(0, 9)}
    roll = rng.random()
    if roll < 0.3:
        params["category"] = rng.choice(CATEGORIES)
    elif roll < 0.5:
        params["platform"] = rng.choice(["taobao", "baidu", "tieba"])
    elif roll < 0.6:
        params["region"] = rng.choice(REGIONS)
    return params


def _search_params(rng: random.Random) -> dict[str, str | int]:
    words = rng.sample(SEARCH_WORDS, rng.choice([1, 1, 2]))
    params: dict[str, str | int] = {"q": " ".join(words), "limit": 50}
    if rng.random() < 0.5:
        params["queue"] = "true"
    if rng.random() < 0.3:
        params["platform"] = rng.choice(["taobao", "baidu", "tieba"])
    return params


def _like_baseline(engine: Any, rng: random.Random, n: int) -> list[float]:
    """What search costs without the index: a LIKE scan of the texts, and its count."""
    like: list[float] = []
    with engine.connect() as conn:
        for _ in range(n):
            word = rng.choice(SEARCH_WORDS)
            t0 = time.perf_counter()
            conn.execute(
                text(
                    "SELECT l.id FROM listings l JOIN listing_versions v ON v.id = l.current_version_id "
                    "WHERE v.text LIKE :w OR v.title LIKE :w ORDER BY l.score DESC LIMIT 50"
                ),
                {"w": f"%{word}%"},
            ).all()
            conn.execute(
                text(
                    "SELECT count(*) FROM listing_versions v WHERE v.text LIKE :w OR v.title LIKE :w"
                ),
                {"w": f"%{word}%"},
            ).all()
            like.append(time.perf_counter() - t0)
    return like


@contextmanager
def crawl_writer(settings: ApiSettings, per_second: float) -> Iterator[Callable[[], int]]:
    """A crawl's store stage in another process writing ``per_second`` listings into the
    database and index under test (none when 0); yields how many it has written so far."""
    if per_second <= 0:
        yield lambda: 0
        return
    import multiprocessing

    from api.bench_writer import run_writer

    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    written = context.Value("q", 0)
    proc = context.Process(
        target=run_writer,
        args=(
            settings.resolved_database_url,
            str(settings.data_dir / "search.sqlite3"),
            per_second,
            PHRASES,
            stop,
            written,
        ),
        daemon=True,
    )
    proc.start()
    try:
        deadline = time.monotonic() + 120
        while written.value == 0 and proc.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)  # writing, not starting up, while the readers are timed
        if not proc.is_alive():
            raise RuntimeError(f"the bench writer exited with {proc.exitcode}")
        yield lambda: int(written.value)
    finally:
        stop.set()
        proc.join(60)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)


def _time_requests(
    app: Any, rng: random.Random, requests: int
) -> tuple[list[float], list[float], list[float]]:
    """(floor, queue, search) latencies in seconds over loopback HTTP to the whole app."""
    import httpx

    headers = _reviewer_token(app)
    with (
        serve_in_thread(app) as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):

        def timed(path: str, params: dict[str, str | int] | None = None) -> float:
            t0 = time.perf_counter()
            r = client.get(path, params=params, headers=headers)
            elapsed = time.perf_counter() - t0
            if r.status_code != 200:
                raise RuntimeError(f"GET {path} {params} -> {r.status_code}: {r.text[:200]}")
            return elapsed

        for _ in range(10):
            timed("/api/v1/listings", _queue_params(rng))
            timed("/api/v1/listings", _search_params(rng))
        floor = [timed("/healthz") for _ in range(requests)]
        queue = [timed("/api/v1/listings", _queue_params(rng)) for _ in range(requests)]
        search = [timed("/api/v1/listings", _search_params(rng)) for _ in range(requests)]
    return floor, queue, search


def run_api_bench(
    listings: int = 100_000,
    requests: int = 200,
    progress: Callable[[str], None] = lambda _: None,
    data_dir: Path | None = None,
    writer_per_second: float = 50.0,
    *,
    settings_for: Callable[[Path], ApiSettings],
) -> ApiBench:
    """Seed ``listings`` into a temporary SQLite database and time ``requests`` of each kind
    while a crawl-like writer stores ``writer_per_second`` listings a second beside them."""
    from api.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="lantian-bench-api-")) if data_dir is None else data_dir
    try:
        settings = settings_for(tmp)
        rng = random.Random(20260301)
        started = time.perf_counter()
        if (tmp / "lantian.db").exists():
            progress(f"reusing the database seeded earlier in {tmp}")
        else:
            seed(settings, listings, rng, progress)
        seed_seconds = time.perf_counter() - started
        app = create_app(settings, migrate=False, index_sync_s=None)
        with crawl_writer(settings, writer_per_second) as written:
            before, t0 = written(), time.perf_counter()
            floor, queue, search = _time_requests(app, rng, requests)
            wrote, seconds = written() - before, time.perf_counter() - t0
        like = _like_baseline(app.state.engine, rng, max(10, requests // 10))
        app.state.search.close()
        app.state.engine.dispose()
        return ApiBench(
            listings=listings,
            seed_seconds=seed_seconds,
            queue=_timing("queue", queue),
            search=_timing("search", search),
            baseline_like=_timing("LIKE scan (no index)", like),
            floor=_timing("/healthz", floor),
            written=wrote,
            write_rate=wrote / seconds if seconds else 0.0,
        )
    finally:
        if data_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["ApiBench", "Timing", "run_api_bench"]
