"""The sandbox over real HTTP (httpx against the session ``sandbox`` fixture)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import aiohttp
import httpx
import pytest

from sandbox import SandboxServer
from sandbox.app import DEFAULT_ADMIN_TOKEN

ADMIN = {"X-Sandbox-Token": DEFAULT_ADMIN_TOKEN}


@pytest.fixture(scope="module")
def truth(sandbox: SandboxServer) -> list[dict[str, Any]]:
    sandbox.reset()  # the server is shared: start from nothing taken down, fresh fault counters
    return sandbox.truth()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def pick(truth: list[dict[str, Any]], **want: Any) -> dict[str, Any]:
    for r in truth:
        if all(r[k] == v for k, v in want.items()):
            return r
    raise AssertionError(f"no truth record with {want}")


def visible(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", body))


async def fetch_all(records: list[dict[str, Any]]) -> dict[str, tuple[int, bytes, str]]:
    """GET every URL (following redirects), retrying 5xx/429 up to twice like a crawler.

    aiohttp's client here: with ~900 requests it is several times faster than httpx's.
    """
    results: dict[str, tuple[int, bytes, str]] = {}
    limit = asyncio.Semaphore(16)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:

        async def one(url: str) -> None:
            async with limit:
                for _ in range(3):
                    async with client.get(url) as resp:
                        body = await resp.read()
                        if resp.status not in (429, 500):
                            break
                results[url] = (resp.status, body, resp.headers.get("content-type", ""))

        await asyncio.gather(*(one(r["url"]) for r in records))
    return results


def test_every_truth_url_answers_as_the_truth_says(
    sandbox: SandboxServer, truth: list[dict[str, Any]]
) -> None:
    results = asyncio.run(fetch_all(truth))
    for r in truth:
        status, body, _ = results[r["url"]]
        if r["fault"] == "not_found":
            assert status == 404, r["url"]
        elif r["fault"] == "error_500":
            assert status == 500, r["url"]
        else:
            assert status == 200, (r["url"], status)
            text = visible(body.decode(r["encoding"]))
            assert r["fields"]["title"] in text, r["url"]


def test_non_utf8_pages_decode_in_their_declared_charset(
    client: httpx.Client, truth: list[dict[str, Any]]
) -> None:
    for encoding in ("gbk", "gb18030", "big5"):
        for charset_in in ("header", "meta", "both"):
            r = next(
                (
                    t
                    for t in truth
                    if t["encoding"] == encoding
                    and t["charset_in"] == charset_in
                    and t["reachable"]
                    and t["fault"] is None
                ),
                None,
            )
            if r is None:
                continue
            resp = client.get(r["url"])
            content_type = resp.headers["content-type"]
            head = resp.content[:400].decode("ascii", errors="replace")
            label = r["charset_label"]
            if charset_in in ("header", "both"):
                assert f"charset={label}" in content_type
            else:
                assert "charset" not in content_type
            if charset_in in ("meta", "both"):
                assert f'<meta charset="{label}">' in head
            with pytest.raises(UnicodeDecodeError):
                resp.content.decode("utf-8")
            text = visible(resp.content.decode(encoding))
            assert r["fields"]["title"] in text
            if r["kind"] != "listing":  # items keep their body in escaped JSON
                first_line = r["text"].split("\n")[-1]
                assert first_line in text


def test_robots_txt(client: httpx.Client, sandbox: SandboxServer) -> None:
    for base in sandbox.urls.values():
        resp = client.get(base + "/robots.txt")
        assert resp.status_code == 200
        assert "User-agent: *" in resp.text
        assert "Disallow: /private/" in resp.text


def test_robots_disallowed_listings_are_linked_from_lists(
    client: httpx.Client, sandbox: SandboxServer, truth: list[dict[str, Any]]
) -> None:
    hidden = [r for r in truth if r["robots_disallowed"] and r["platform"] == "zhiquanba"]
    assert hidden
    paths = {r["url"].split(sandbox.urls["zhiquanba"], 1)[1] for r in hidden}
    resp = client.get(sandbox.urls["zhiquanba"] + "/search", params={"kw": "知识产权", "page": 1})
    pages = int(re.findall(r'class="page-num"[^>]*>(\d+)<', resp.text)[-1])
    links: set[str] = set()
    for page in range(1, pages + 1):
        body = client.get(
            sandbox.urls["zhiquanba"] + "/search", params={"kw": "知识产权", "page": page}
        ).text
        links.update(re.findall(r'class="thread-title" href="([^"]+)"', body))
    assert paths & links


def test_dead_and_transient_responses(client: httpx.Client, truth: list[dict[str, Any]]) -> None:
    for fault, status in (("transient_500", 500), ("transient_429", 429)):
        r = pick(truth, fault=fault)
        statuses = [client.get(r["url"]).status_code for _ in range(4)]
        assert statuses.count(status) in (1, 2) and 200 in statuses, statuses
        failed = statuses.index(status)
        assert statuses[failed + 1] == 200  # the retry right after a failure succeeds
        if status == 429:
            resp = next(client.get(r["url"]) for _ in range(1))
            while resp.status_code != 429:
                resp = client.get(r["url"])
            assert resp.headers["retry-after"] == "1"
    assert client.get(pick(truth, fault="not_found")["url"]).status_code == 404
    assert client.get(pick(truth, fault="error_500")["url"]).status_code == 500


def test_slow_pages_are_slow(client: httpx.Client, truth: list[dict[str, Any]]) -> None:
    r = pick(truth, fault="slow")
    resp = client.get(r["url"])
    assert resp.status_code == 200
    assert resp.elapsed.total_seconds() >= 0.25


def test_redirects_reach_the_canonical_listing(
    client: httpx.Client, sandbox: SandboxServer, truth: list[dict[str, Any]]
) -> None:
    for platform in ("sousou", "taobaobei", "zhiquanba"):
        r = next(
            t
            for t in truth
            if t["platform"] == platform and t["redirect_from"] and t["fault"] is None
        )
        first = client.get(r["redirect_from"][0])
        assert first.status_code in (301, 302)
        resp = client.get(r["redirect_from"][0], follow_redirects=True)
        assert resp.status_code == 200
        assert str(resp.url) == r["url"]
    site_index = client.get(sandbox.urls["sousou"] + "/site/news33", follow_redirects=True)
    assert site_index.status_code == 200 and str(site_index.url).endswith("/site/news33/")
    assert 'class="article-link"' in site_index.text
    chained = [t for t in truth if any("/link?" in u for u in t["redirect_from"])]
    hops = {
        len(client.get(t["redirect_from"][0], follow_redirects=True).history) for t in chained[:12]
    }
    assert hops == {1, 2}


def test_search_pagination_covers_every_result_once(
    client: httpx.Client, sandbox: SandboxServer
) -> None:
    base = sandbox.urls["sousou"]
    first = client.get(base + "/s", params={"wd": "评职称"}).text
    count = int(re.search(r'class="result-count">(\d+)<', first).group(1))  # type: ignore[union-attr]
    assert count > 10
    seen: list[str] = []
    url: str | None = base + "/s?wd=" + "评职称"
    while url:
        body = client.get(url).text
        organic = re.findall(
            r'<div class="result" data-rank="\d+"><h3 class="result-title"><a href="([^"]+)"', body
        )
        seen += organic
        nxt = re.search(r'class="page-next" href="([^"]+)"', body)
        url = urljoin(base + "/", html.unescape(nxt.group(1))) if nxt else None
    assert len(seen) == count == len(set(seen))


def test_marketplace_item_details_need_javascript(
    client: httpx.Client, sandbox: SandboxServer, truth: list[dict[str, Any]]
) -> None:
    for mode in ("inline", "fetch"):
        r = next(
            t
            for t in truth
            if t.get("js_mode") == mode and t["fault"] is None and t["reachable"] and t["irregular"]
        )
        body = client.get(r["url"]).content.decode(r["encoding"])
        fields = r["fields"]
        assert fields["title"] in html.unescape(body)
        assert fields["seller"] not in body and fields["shop"] not in body  # not in raw HTML
        data = client.get(sandbox.urls["taobaobei"] + f"/api/item/{r['id']}").json()
        if mode == "inline":
            inline = re.search(
                r'<script id="item-data" type="application/json">(.*?)</script>', body, re.S
            )
            assert inline is not None
            assert json.loads(inline.group(1)) == data
        else:
            assert 'id="item-data"' not in body
        assert data["price"] == fields["price"] and data["sales"] == fields["sales"]
        assert data["seller"] == fields["seller"] and data["shop"]["name"] == fields["shop"]
        assert "\n".join(data["desc"]) in r["text"]


def test_thread_pages_hold_every_post(client: httpx.Client, truth: list[dict[str, Any]]) -> None:
    r = next(
        t
        for t in truth
        if t["kind"] == "thread"
        and t["fields"]["pages"] >= 3
        and t["fault"] is None
        and t["reachable"]
    )
    floors: list[int] = []
    for pn in range(1, r["fields"]["pages"] + 1):
        body = client.get(r["url"], params={"pn": pn}).content.decode(r["encoding"])
        floors += [int(f) for f in re.findall(r'data-floor="(\d+)"', body)]
    assert floors == list(range(1, r["fields"]["replies"] + 2))


def test_takedown_endpoint(
    client: httpx.Client, sandbox: SandboxServer, truth: list[dict[str, Any]]
) -> None:
    base = sandbox.urls["taobaobei"]
    item = next(
        t
        for t in truth
        if t["kind"] == "listing"
        and t["removed_style"] == "notice"
        and t["fault"] is None
        and t["reachable"]
        and t["platform"] == "taobaobei"
    )
    assert client.post(base + "/_admin/takedown", json={"url": item["url"]}).status_code == 403
    assert (
        client.post(
            base + "/_admin/takedown", json={"url": base + "/item/nope.html"}, headers=ADMIN
        ).status_code
        == 404
    )
    resp = client.post(base + "/_admin/takedown", json={"url": item["url"]}, headers=ADMIN)
    try:
        assert resp.json() == {"ok": True, "id": item["id"], "url": item["url"], "removed": True}
        gone = client.get(item["url"])
        assert gone.status_code == 200 and "该商品已下架" in gone.content.decode(item["encoding"])
        assert client.get(base + f"/api/item/{item['id']}").status_code == 404
        assert item["url"] in client.get(base + "/_admin/state", headers=ADMIN).json()["removed"]
        listing = client.get(
            base + "/search", params={"q": item["fields"]["title"].split()[0]}
        ).text
        assert f'data-item-id="{item["id"]}"' not in listing
    finally:
        client.post(base + "/_admin/restore", data={"url": item["url"]}, headers=ADMIN)
    assert "该商品已下架" not in client.get(item["url"]).content.decode(item["encoding"])

    forum = sandbox.urls["zhiquanba"]
    thread = next(
        t
        for t in truth
        if t["kind"] == "thread"
        and t["removed_style"] == "404"
        and t["fault"] is None
        and t["reachable"]
    )
    client.post(
        forum + "/_admin/takedown", params={"id": thread["id"], "token": DEFAULT_ADMIN_TOKEN}
    )
    try:
        gone = client.get(thread["url"])
        assert gone.status_code == 404 and "该帖子已被删除" in gone.content.decode(
            thread["encoding"]
        )
    finally:
        sandbox.restore(thread["url"])
    assert client.get(thread["url"]).status_code == 200


def test_closing_a_shop_removes_its_items(
    client: httpx.Client, sandbox: SandboxServer, truth: list[dict[str, Any]]
) -> None:
    shop = next(t for t in truth if t["kind"] == "shop" and t["reachable"])
    items = [
        t
        for t in truth
        if t["kind"] == "listing"
        and t["fields"].get("shop_id") == shop["id"]
        and t["reachable"]
        and t["fault"] is None
    ]
    sandbox.take_down(shop["url"])
    try:
        assert "该店铺已关闭" in client.get(shop["url"]).text
        assert shop["url"] in sandbox.removed_urls()
        for item in items:
            resp = client.get(item["url"])
            assert resp.status_code == 404 or "该商品已下架" in resp.content.decode(
                item["encoding"]
            )
    finally:
        sandbox.restore(shop["url"])
    assert shop["url"] not in sandbox.removed_urls()


def test_serve_command_prints_base_urls() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = dict(proc.stdout.readline().split() for _ in range(3))
        assert set(lines) == {"sousou", "taobaobei", "zhiquanba"}
        assert httpx.get(lines["taobaobei"] + "/", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@contextlib.contextmanager
def _busy_port_after_a_free_one() -> Iterator[int]:
    """A listening port N whose neighbour N-1 was free a moment ago.

    The search engine binds N-1 first; an ephemeral port's neighbour may belong to
    another process, which would fail the start on the wrong platform.
    """
    for _ in range(50):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            port = busy.getsockname()[1]
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port - 1))
                except OSError:
                    continue
            busy.listen(1)
            yield port
            return
    raise AssertionError("no ephemeral port with a free neighbour in 50 tries")


def test_busy_port_is_a_clear_error() -> None:
    from sandbox import SandboxStartError

    with _busy_port_after_a_free_one() as port:
        server = SandboxServer(base_port=port - 1)  # the marketplace (N+1) lands on the busy port
        with pytest.raises(SandboxStartError, match=f"taobaobei to 127.0.0.1:{port}"):
            server.start()
        server.stop()
