"""The three platforms as aiohttp applications over one shared :class:`SandboxState`."""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from sandbox import render
from sandbox.model import FORUM, MARKET, SEARCH, Item, LandingPage, Page, Shop, Thread
from sandbox.state import SandboxState, UnknownListingError

DEFAULT_ADMIN_TOKEN = "sandbox-admin"  # noqa: S105 - a fixed token for a loopback test server
SEARCH_HOT = [
    "专利代理",
    "包授权",
    "评职称专利",
    "商标转让",
    "专利代理师挂靠",
    "撤三",
    "知识产权",
    "实用新型",
]
#: A search containing this word meets the engine's CAPTCHA wall, every time: real engines
#: show one to suspected robots, and crawls must recognise it (tests rely on it).
CAPTCHA_WORD = "验证码"
MARKET_HOT = ["专利申请", "商标注册", "专利转让", "商标转让", "评职称", "专利代理师", "知识产权"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class AppConfig:
    state: SandboxState
    urls: dict[str, str]
    admin_token: str = DEFAULT_ADMIN_TOKEN
    slow_delay: float = 0.8

    @property
    def ctx(self) -> render.Ctx:
        return render.Ctx(self.urls)


def html_response(
    body: str,
    *,
    status: int = 200,
    encoding: str = "utf-8",
    header_charset: bool = True,
    label: str | None = None,
) -> web.Response:
    """Encode ``body``; the header names ``label`` (default: the encoding) unless ``header_charset`` is false."""
    content_type = f"text/html; charset={label or encoding}" if header_charset else "text/html"
    data = body.encode(encoding, errors="xmlcharrefreplace")
    return web.Response(body=data, status=status, headers={"Content-Type": content_type})


def page_charsets(page: Page) -> tuple[str | None, bool]:
    """(charset for the meta tag or None, whether the header names it)."""
    meta = page.declared_charset if page.charset_in in ("meta", "both") else None
    return meta, page.charset_in in ("header", "both")


def int_param(request: web.Request, name: str) -> int:
    try:
        return max(1, int(request.query.get(name, "1")))
    except ValueError:
        return 1


class PlatformApp(ABC):
    """Routes shared by every platform: robots.txt, static files, admin, content pages."""

    platform: str = ""

    def __init__(self, config: AppConfig) -> None:
        self.cfg = config
        self.state = config.state

    def build(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/robots.txt", self.robots)
        app.router.add_get("/static/style.css", self.style)
        app.router.add_get("/static/item.js", self.item_js)
        app.router.add_post("/_admin/takedown", self.admin_takedown)
        app.router.add_post("/_admin/restore", self.admin_restore)
        app.router.add_post("/_admin/reset", self.admin_reset)
        app.router.add_get("/_admin/state", self.admin_state)
        self.add_routes(app)
        app.router.add_get("/{tail:.*}", self.content)
        return app

    @abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """The platform's own pages (search results, items, threads...)."""

    # --- fixed files ---
    async def robots(self, request: web.Request) -> web.Response:
        return web.Response(text=render.robots_txt(), content_type="text/plain", charset="utf-8")

    async def style(self, request: web.Request) -> web.Response:
        return web.Response(text=render.STYLE_CSS, content_type="text/css", charset="utf-8")

    async def item_js(self, request: web.Request) -> web.Response:
        return web.Response(
            text=render.ITEM_JS, content_type="application/javascript", charset="utf-8"
        )

    # --- admin ---
    async def _admin_ref(self, request: web.Request) -> str:
        token = request.headers.get("X-Sandbox-Token") or request.query.get("token", "")
        if token != self.cfg.admin_token:
            raise web.HTTPForbidden(text="bad or missing X-Sandbox-Token")
        ref = ""
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    data = await request.json()
                except json.JSONDecodeError as exc:
                    raise web.HTTPBadRequest(text=f"body is not JSON: {exc}") from exc
                if isinstance(data, dict):
                    ref = str(data.get("url") or data.get("id") or "")
            else:
                form = await request.post()
                ref = str(form.get("url") or form.get("id") or "")
        return ref or request.query.get("url", "") or request.query.get("id", "")

    def _admin_page(self, ref: str) -> Page:
        if not ref:
            raise web.HTTPBadRequest(text='give "url" or "id" (JSON body, form field or query)')
        try:
            return self.state.resolve(ref)
        except UnknownListingError as exc:
            raise web.HTTPNotFound(text=str(exc)) from exc

    def _page_json(self, page: Page, removed: bool) -> dict[str, object]:
        return {
            "ok": True,
            "id": page.id,
            "url": self.cfg.urls[page.platform] + page.path,
            "removed": removed,
        }

    async def admin_takedown(self, request: web.Request) -> web.Response:
        page = self._admin_page(await self._admin_ref(request))
        self.state.take_down(page)
        return web.json_response(self._page_json(page, True))

    async def admin_restore(self, request: web.Request) -> web.Response:
        page = self._admin_page(await self._admin_ref(request))
        self.state.restore(page)
        return web.json_response(self._page_json(page, False))

    async def admin_reset(self, request: web.Request) -> web.Response:
        await self._admin_ref(request)
        self.state.reset()
        return web.json_response({"ok": True, "removed": []})

    async def admin_state(self, request: web.Request) -> web.Response:
        await self._admin_ref(request)
        urls = [
            self.cfg.urls[p.platform] + p.path
            for p in map(self.state.by_id.__getitem__, self.state.removed_ids())
        ]
        return web.json_response({"ok": True, "removed": urls})

    # --- content pages ---
    async def content(self, request: web.Request) -> web.StreamResponse:
        routes = self.state.routes[self.platform]
        key = request.path_qs if request.query_string else request.path
        page = routes.get(key) or routes.get(request.path)
        if page is None:
            return html_response(render.not_found(self.platform), status=404)
        if key != page.path and request.path != page.path:
            return self.redirect(page, key)
        return await self.serve(request, page)

    def redirect(self, page: Page, key: str) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(location=self.cfg.urls[page.platform] + page.path)

    async def serve(self, request: web.Request, page: Page) -> web.StreamResponse:
        if page.fault == "not_found":
            return html_response(render.not_found(self.platform), status=404)
        if page.fault == "error_500":
            return html_response(
                render.error_page(self.platform, 500, "服务器内部错误"), status=500
            )
        if page.fault in ("transient_500", "transient_429"):
            count = self.state.hit(request.path_qs)
            if count % 3 == 1:
                if page.fault == "transient_429":
                    resp = html_response(
                        render.error_page(self.platform, 429, "访问过于频繁，请稍后再试"),
                        status=429,
                    )
                    resp.headers["Retry-After"] = "1"
                    return resp
                return html_response(
                    render.error_page(self.platform, 500, "服务暂时不可用"), status=500
                )
        if page.fault == "slow":
            await asyncio.sleep(self.cfg.slow_delay)
        if self.state.is_removed(page):
            return self.removed(page)
        meta, header = page_charsets(page)
        body = self.render_page(request, page, meta)
        return html_response(
            body, encoding=page.encoding, header_charset=header, label=page.declared_charset
        )

    @abstractmethod
    def render_page(self, request: web.Request, page: Page, meta: str | None) -> str:
        """The HTML of one content page, with ``meta`` as its declared charset."""

    def removed(self, page: Page) -> web.Response:
        return html_response(render.not_found(self.platform), status=404)


class SearchApp(PlatformApp):
    platform = SEARCH

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.home)
        app.router.add_get("/s", self.search)
        app.router.add_get("/verify", self.verify)
        app.router.add_get("/jump/{pid}", self.jump)
        app.router.add_get("/site/{slug}/", self.site)
        app.router.add_get("/site/{slug}", self.site_slash)

    async def home(self, request: web.Request) -> web.Response:
        return html_response(render.search_home(SEARCH_HOT))

    def aliases(self) -> dict[str, str]:
        return {
            p.id: a
            for p in self.state.world.search_index
            for a in p.redirect_from
            if a.startswith("/link?")
        }

    async def verify(self, request: web.Request) -> web.Response:
        return html_response(render.captcha_page(self.platform))

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("wd", "").strip()
        if CAPTCHA_WORD in query:
            raise web.HTTPFound(location="/verify?from=" + quote(request.path_qs, safe=""))
        terms = query.split()
        hits: list[Page] = []
        if terms:
            scored = []
            for order, page in enumerate(self.state.world.search_index):
                hay = page.text.title + " " + page.text.search_terms
                if all(t in hay for t in terms) and not self.state.is_removed(page):
                    scored.append((-sum(hay.count(t) for t in terms), order, page))
            hits = [p for _, _, p in sorted(scored, key=lambda s: (s[0], s[1]))]
        sponsors = ("grey_company", "banner_site")
        ads: list[Page] = [
            p
            for p in hits
            if isinstance(p, LandingPage) and p.site is not None and p.site.genre in sponsors
        ]
        body = render.search_results(
            self.cfg.ctx, query, hits, ads[:2], int_param(request, "pn"), self.aliases()
        )
        return html_response(body)

    def redirect(self, page: Page, key: str) -> web.StreamResponse:
        if key.startswith("/link?"):
            # Baidu-style click-through: some go through one more hop.
            if int(page.id[1:]) % 2:
                raise web.HTTPFound(location=f"/jump/{page.id}")
            raise web.HTTPFound(location=self.cfg.urls[page.platform] + page.path)
        return super().redirect(page, key)

    async def jump(self, request: web.Request) -> web.StreamResponse:
        page = self.state.by_id.get(request.match_info["pid"])
        if page is None:
            return html_response(render.not_found(self.platform), status=404)
        raise web.HTTPMovedPermanently(location=self.cfg.urls[page.platform] + page.path)

    async def site_slash(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(location=f"/site/{request.match_info['slug']}/")

    async def site(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        site = next((s for s in self.state.world.sites if s.slug == slug), None)
        if site is None:
            return html_response(render.not_found(self.platform), status=404)
        pages = [p for p in site.pages if not self.state.is_removed(p)]
        stubs = [p for p in self.state.world.stubs if isinstance(p, LandingPage) and p.site is site]
        links = [(p.path, p.text.title) for p in [*pages, *stubs]]
        return html_response(render.site_index(site.name, slug, site.banner, site.footer, links))

    def render_page(self, request: web.Request, page: Page, meta: str | None) -> str:
        assert isinstance(page, LandingPage)
        return render.landing(page, meta)


class MarketApp(PlatformApp):
    platform = MARKET

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.home)
        app.router.add_get("/search", self.search)
        app.router.add_get("/api/item/{iid}", self.api_item)

    def listed(self, items: list[Item]) -> list[tuple[Item, str]]:
        out = []
        for item in items:
            if self.state.is_removed(item):
                continue
            href = (
                item.redirect_from[0]
                if item.redirect_from and item.legacy_id % 3 == 0
                else item.path
            )
            out.append((item, href))
        return out

    async def home(self, request: web.Request) -> web.Response:
        shops = [s for s in self.state.world.shops if not self.state.is_removed(s)]
        return html_response(render.market_home(MARKET_HOT, shops))

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "").strip()
        terms = query.split()
        found: list[Item] = []
        if terms:
            for shop in self.state.world.shops:
                for item in shop.items:
                    hay = item.text.title + " " + item.text.search_terms
                    if all(t in hay for t in terms):
                        found.append(item)
        return html_response(
            render.market_search(query, self.listed(found), int_param(request, "page"))
        )

    async def api_item(self, request: web.Request) -> web.Response:
        page = self.state.by_id.get(request.match_info["iid"])
        if not isinstance(page, Item) or page.fault in ("not_found", "error_500"):
            return web.json_response({"error": "商品不存在"}, status=404)
        if self.state.is_removed(page):
            return web.json_response({"error": "该商品已下架"}, status=404)
        return web.json_response(
            render.item_json(page), dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    def render_page(self, request: web.Request, page: Page, meta: str | None) -> str:
        if isinstance(page, Shop):
            return render.shop_page(page, self.listed(page.items), int_param(request, "page"), meta)
        assert isinstance(page, Item)
        return render.item_page(page, meta)

    def removed(self, page: Page) -> web.Response:
        if isinstance(page, Shop):
            return html_response(render.shop_closed())
        meta, header = page_charsets(page)
        status = 404 if page.removed_style == "404" else 200
        return html_response(
            render.item_removed(meta),
            status=status,
            encoding=page.encoding,
            header_charset=header,
            label=page.declared_charset,
        )


class ForumApp(PlatformApp):
    platform = FORUM

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.home)
        app.router.add_get("/board/{bid}", self.board)
        app.router.add_get("/search", self.search)

    def listed(self, threads: list[Thread]) -> list[tuple[Thread, str]]:
        out = []
        for thread in threads:
            if self.state.is_removed(thread):
                continue
            alias = (
                thread.redirect_from[0]
                if thread.redirect_from and int(thread.id[1:]) % 4 == 0
                else thread.path
            )
            out.append((thread, alias))
        return out

    async def home(self, request: web.Request) -> web.Response:
        rows = [(b.id, b.name, b.intro, len(b.threads)) for b in self.state.world.boards]
        return html_response(render.forum_home(rows))

    async def board(self, request: web.Request) -> web.Response:
        board = next(
            (b for b in self.state.world.boards if b.id == request.match_info["bid"]), None
        )
        if board is None:
            return html_response(render.not_found(self.platform, "该吧不存在"), status=404)
        rows = self.listed(board.threads)
        return html_response(
            render.board_page(board.id, board.name, board.intro, rows, int_param(request, "page"))
        )

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("kw", "").strip()
        terms = query.split()
        found = []
        if terms:
            for board in self.state.world.boards:
                for thread in board.threads:
                    hay = (
                        thread.text.title
                        + " "
                        + thread.text.search_terms
                        + " "
                        + " ".join(p.content for p in thread.posts[1:])
                    )
                    if all(t in hay for t in terms):
                        found.append(thread)
        return html_response(
            render.forum_search(query, self.listed(found), int_param(request, "page"))
        )

    def render_page(self, request: web.Request, page: Page, meta: str | None) -> str:
        assert isinstance(page, Thread)
        return render.thread_page(page, int_param(request, "pn"), meta)

    def removed(self, page: Page) -> web.Response:
        meta, header = page_charsets(page)
        status = 404 if page.removed_style == "404" else 200
        return html_response(
            render.thread_deleted(meta),
            status=status,
            encoding=page.encoding,
            header_charset=header,
            label=page.declared_charset,
        )


def build_apps(config: AppConfig) -> dict[str, web.Application]:
    return {
        SEARCH: SearchApp(config).build(),
        MARKET: MarketApp(config).build(),
        FORUM: ForumApp(config).build(),
    }
