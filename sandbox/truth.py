"""Ground truth: what every sandbox page is, as records with absolute URLs.

One record per page (``lantian sandbox truth`` prints them as JSON Lines).  The
keys are a contract for tests and benchmarks:

``url``, ``id``, ``platform``, ``platform_kind``, ``kind`` (landing, listing,
thread, shop), ``irregular``, ``categories`` (best first), ``genre``,
``claim_location`` (title/body/banner/reply/shop/none), ``disguises``,
``encoding`` (what the bytes are), ``charset_label`` (what the page declares:
usually the same, ``gb2312`` on some GBK pages), ``charset_in`` (header/meta/both), ``robots_disallowed``,
``js_rendered``, ``js_mode``, ``fault`` (slow, transient_500, transient_429,
error_500, not_found or null), ``reachable`` (a polite, retrying crawler gets a
200 page), ``redirect_from`` (absolute URLs that redirect here),
``removed_style`` (notice: 200 page saying it was removed; 404), ``fields``
(what a spider should extract) and ``text`` (the page's visible text).
"""

from __future__ import annotations

from typing import Any

from sandbox.model import PLATFORMS, Item, LandingPage, Page, Shop, Thread, World
from sandbox.render import THREAD_PAGE_SIZE


def base_urls(host: str = "127.0.0.1", base_port: int = 8700) -> dict[str, str]:
    host = f"[{host}]" if ":" in host else host
    return {key: f"http://{host}:{base_port + info.offset}" for key, info in PLATFORMS.items()}


def page_fields(page: Page) -> dict[str, Any]:
    fields: dict[str, Any] = {"title": page.text.title}
    if isinstance(page, LandingPage) and page.site is not None:
        fields.update(
            site=page.site.name, domain=page.site.domain, date=page.date, source=page.source
        )
    elif isinstance(page, Item) and page.shop is not None:
        fields.update(
            price=f"{page.price:.2f}",
            sales=page.sales,
            shop=page.shop.name,
            shop_id=page.shop.id,
            seller=page.seller,
            region=page.region,
        )
    elif isinstance(page, Shop):
        fields.update(shop=page.name, seller=page.seller, region=page.region, licence=page.licence)
    elif isinstance(page, Thread) and page.board is not None:
        fields.update(
            author=page.author,
            board=page.board.name,
            replies=len(page.posts) - 1,
            pages=max(1, -(-len(page.posts) // THREAD_PAGE_SIZE)),
        )
    return fields


def page_text(page: Page) -> str:
    """The text a reader sees on the page (all pages of a thread)."""
    parts = [page.text.title]
    if isinstance(page, LandingPage) and page.site is not None:
        parts = [
            page.site.name,
            page.site.banner,
            page.text.title,
            page.text.body,
            page.site.footer,
        ]
    elif isinstance(page, Thread):
        parts += [p.content for p in page.posts]
    elif isinstance(page, Shop):
        parts = [page.name, page.licence, page.text.body]
    else:
        parts.append(page.text.body)
    return "\n".join(p for p in parts if p)


def truth_record(page: Page, urls: dict[str, str]) -> dict[str, Any]:
    base = urls[page.platform]
    return {
        "url": base + page.path,
        "id": page.id,
        "platform": page.platform,
        "platform_kind": PLATFORMS[page.platform].kind,
        "kind": page.kind,
        "irregular": page.irregular,
        "categories": page.categories,
        "genre": page.text.genre,
        "claim_location": page.claim_location,
        # on a thread, the posts that make an offer (floor, author): the ones a notice cites
        "offending_posts": [
            {"floor": post.floor, "author": post.author}
            for post in (page.posts if isinstance(page, Thread) else [])
            if post.categories
        ],
        "disguises": list(page.text.disguises),
        "encoding": page.encoding,
        "charset_label": page.declared_charset,
        "charset_in": page.charset_in,
        "robots_disallowed": page.robots_disallowed,
        "js_rendered": isinstance(page, Item),
        "js_mode": page.js_mode if isinstance(page, Item) else None,
        "fault": page.fault,
        "reachable": page.reachable,
        "redirect_from": [base + alias for alias in page.redirect_from],
        "removed_style": page.removed_style,
        "fields": page_fields(page),
        "text": page_text(page) if page.fault not in ("not_found", "error_500") else "",
    }


def truth_records(world: World, urls: dict[str, str]) -> list[dict[str, Any]]:
    return [truth_record(page, urls) for page in world.pages()]
