"""HTML for every sandbox page.  Class names here are a contract (see README.md).

Renderers return ``str``; the app encodes them in the page's charset.  Links to
another platform use the absolute base URL in ``Ctx.urls``; links within a
platform are root-relative.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from sandbox.model import FORUM, MARKET, PLATFORMS, SEARCH, Item, LandingPage, Page, Shop, Thread

SEARCH_PAGE_SIZE = 10
MARKET_PAGE_SIZE = 20
BOARD_PAGE_SIZE = 20
THREAD_PAGE_SIZE = 10


@dataclass
class Ctx:
    urls: dict[str, str]  # platform key -> base URL

    def link(self, page: Page, via_alias: str | None = None, current: str | None = None) -> str:
        path = via_alias or page.path
        if current == page.platform:
            return path
        return self.urls[page.platform] + path


def h(text: str) -> str:
    return escape(text, quote=True)


def paras(text: str) -> str:
    return "".join(f"<p>{h(line)}</p>" for line in text.split("\n") if line)


def layout(title: str, body: str, charset: str | None, platform: str, extra_head: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    name = PLATFORMS[platform].name
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{meta}<title>{h(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="/static/style.css">{extra_head}</head>'
        f'<body class="platform-{platform}"><div class="topbar"><a class="logo" href="/">{h(name)}</a></div>'
        f'<div class="container">{body}</div></body></html>'
    )


def pager(base: str, param: str, page: int, pages: int) -> str:
    """Numbered links plus 上一页/下一页; ``base`` already ends with ? or &."""
    if pages <= 1:
        return ""
    parts = []
    if page > 1:
        parts.append(f'<a class="page-prev" href="{h(base)}{param}={page - 1}">上一页</a>')
    for n in range(1, pages + 1):
        if n == page:
            parts.append(f'<span class="page-current">{n}</span>')
        else:
            parts.append(f'<a class="page-num" href="{h(base)}{param}={n}">{n}</a>')
    if page < pages:
        parts.append(f'<a class="page-next" href="{h(base)}{param}={page + 1}">下一页</a>')
    return f'<div class="pager">{"".join(parts)}</div>'


def not_found(platform: str, message: str = "页面不存在") -> str:
    return layout(
        message,
        f'<div class="error-page"><h1 class="error-title">404</h1><p class="error-message">{h(message)}</p></div>',
        "utf-8",
        platform,
    )


def error_page(platform: str, status: int, message: str) -> str:
    return layout(
        message,
        f'<div class="error-page"><h1 class="error-title">{status}</h1><p class="error-message">{h(message)}</p></div>',
        "utf-8",
        platform,
    )


def captcha_page(platform: str) -> str:
    """The verification wall an engine shows a suspected robot instead of its results."""
    return layout(
        "安全验证",
        '<div class="verify-page"><h1 class="verify-title">安全验证</h1>'
        '<p class="verify-message">网络环境存在异常，请输入验证码后继续访问</p>'
        '<img id="verify_img" alt="验证码" src="/static/captcha.png">'
        '<form action="/verify" method="post"><input name="code"><button>提交</button></form></div>',
        "utf-8",
        platform,
    )


# ------------------------------------------------------------------ search
def search_home(hot: list[str]) -> str:
    words = "".join(f'<a class="hot-word" href="/s?wd={quote(w)}">{h(w)}</a>' for w in hot)
    body = (
        '<form class="search-form" action="/s" method="get"><input name="wd" type="text">'
        '<button type="submit">搜搜一下</button></form>'
        f'<div class="hot-words">热搜：{words}</div>'
    )
    return layout("搜搜", body, "utf-8", SEARCH)


def snippet(page: Page, limit: int = 90) -> str:
    text = page.text.body.replace("\n", " ")
    return text[:limit] + ("…" if len(text) > limit else "")


def display_url(ctx: Ctx, page: Page) -> str:
    if isinstance(page, LandingPage) and page.site is not None:
        return f"{page.site.domain} › {page.path.rsplit('/', 1)[-1]}"
    return ctx.urls[page.platform].split("://", 1)[-1] + page.path


def _result(ctx: Ctx, p: Page, href: str, rank: int, is_ad: bool) -> str:
    label = '<span class="ad-label">广告</span>' if is_ad else ""
    cls = "result result-ad" if is_ad else "result"
    return (
        f'<div class="{cls}" data-rank="{rank}">'
        f'<h3 class="result-title"><a href="{h(href)}">{h(p.text.title or "无标题")}</a></h3>'
        f'<div class="result-snippet">{h(snippet(p))}</div>'
        f'<div class="result-site"><span class="result-url">{h(display_url(ctx, p))}</span>{label}</div></div>'
    )


def search_results(
    ctx: Ctx, query: str, hits: list[Page], ads: list[Page], page: int, aliases: dict[str, str]
) -> str:
    """Organic results ``hits`` (paginated) with sponsored ``ads`` on top of page 1."""
    pages = max(1, -(-len(hits) // SEARCH_PAGE_SIZE))
    start = (page - 1) * SEARCH_PAGE_SIZE
    chunk = hits[start : start + SEARCH_PAGE_SIZE]
    items = [
        _result(ctx, p, ctx.link(p, aliases.get(p.id), current=SEARCH), 0, True)
        for p in (ads if page == 1 else [])
    ]
    items += [
        _result(ctx, p, ctx.link(p, aliases.get(p.id), current=SEARCH), start + i, False)
        for i, p in enumerate(chunk, start=1)
    ]
    results = "".join(items) or '<div class="no-result">没有找到相关结果</div>'
    body = (
        f'<form class="search-form" action="/s" method="get"><input name="wd" type="text" value="{h(query)}">'
        '<button type="submit">搜搜一下</button></form>'
        f'<div class="result-stats">搜搜为您找到相关结果约<span class="result-count">{len(hits)}</span>个</div>'
        f'<div id="results" class="results">{results}</div>'
        + pager(f"/s?wd={quote(query)}&", "pn", page, pages)
    )
    return layout(f"{query}_搜搜搜索", body, "utf-8", SEARCH)


def site_index(
    site_name: str, slug: str, banner: str, footer: str, pages: list[tuple[str, str]]
) -> str:
    links = "".join(
        f'<li><a class="article-link" href="{h(href)}">{h(title)}</a></li>' for href, title in pages
    )
    body = (
        f'<header class="site-header"><div class="site-name">{h(site_name)}</div><div class="site-banner">{h(banner)}</div></header>'
        f'<ul class="article-list">{links}</ul><footer class="site-footer">{h(footer)}</footer>'
    )
    return layout(site_name, body, "utf-8", SEARCH)


def landing(page: LandingPage, charset: str | None) -> str:
    site = page.site
    assert site is not None
    body = (
        f'<header class="site-header"><div class="site-name"><a href="/site/{site.slug}/">{h(site.name)}</a></div>'
        f'<div class="site-banner">{h(site.banner)}</div></header>'
        f'<main><article class="article"><h1 class="article-title">{h(page.text.title)}</h1>'
        f'<div class="article-meta"><span class="article-date">{h(page.date)}</span> '
        f'<span class="article-source">来源：{h(page.source)}</span></div>'
        f'<div class="article-content">{paras(page.text.body)}</div></article></main>'
        f'<footer class="site-footer">{h(site.footer)}</footer>'
    )
    return layout(f"{page.text.title} - {site.name}", body, charset, SEARCH)


# ------------------------------------------------------------------ market
def market_home(hot: list[str], shops: list[Shop]) -> str:
    words = "".join(f'<a class="hot-word" href="/search?q={quote(w)}">{h(w)}</a>' for w in hot)
    shop_links = "".join(
        f'<li><a class="shop-link" href="{h(s.path)}">{h(s.name)}</a></li>' for s in shops
    )
    body = (
        '<form class="search-form" action="/search" method="get"><input name="q" type="text">'
        '<button type="submit">搜索宝贝</button></form>'
        f'<div class="hot-words">大家都在搜：{words}</div><ul class="shop-list">{shop_links}</ul>'
    )
    return layout("淘宝贝 - 淘到你说好", body, "utf-8", MARKET)


def item_cards(items: list[tuple[Item, str]]) -> str:
    cards = []
    for item, href in items:
        shop = item.shop
        assert shop is not None
        cards.append(
            f'<li class="item-card" data-item-id="{item.id}"><a class="item-link" href="{h(href)}">'
            f'<span class="item-title">{h(item.text.title)}</span></a>'
            f'<span class="item-price">¥{item.price:.2f}</span>'
            f'<span class="item-sales">{item.sales}人付款</span>'
            f'<a class="item-shop" href="{h(shop.path)}">{h(shop.name)}</a>'
            f'<span class="item-region">{h(item.region)}</span></li>'
        )
    return f'<ul class="item-list">{"".join(cards)}</ul>'


def market_search(query: str, hits: list[tuple[Item, str]], page: int) -> str:
    pages = max(1, -(-len(hits) // MARKET_PAGE_SIZE))
    chunk = hits[(page - 1) * MARKET_PAGE_SIZE : page * MARKET_PAGE_SIZE]
    form = (
        f'<form class="search-form" action="/search" method="get"><input name="q" type="text" value="{h(query)}">'
        '<button type="submit">搜索宝贝</button></form>'
    )
    if not query:
        return layout(
            "淘宝贝搜索", form + '<div class="no-result">请输入关键词</div>', "utf-8", MARKET
        )
    body = (
        form
        + f'<div class="result-stats">共<span class="result-count">{len(hits)}</span>件宝贝</div>'
        + (item_cards(chunk) if chunk else '<div class="no-result">没有找到相关宝贝</div>')
        + pager(f"/search?q={quote(query)}&", "page", page, pages)
    )
    return layout(f"{query} - 淘宝贝搜索", body, "utf-8", MARKET)


def shop_page(shop: Shop, items: list[tuple[Item, str]], page: int, charset: str | None) -> str:
    pages = max(1, -(-len(items) // MARKET_PAGE_SIZE))
    chunk = items[(page - 1) * MARKET_PAGE_SIZE : page * MARKET_PAGE_SIZE]
    licence = f'<div class="shop-licence">{h(shop.licence)}</div>' if shop.licence else ""
    body = (
        f'<div class="shop-header" data-shop-id="{shop.id}"><h1 class="shop-title">{h(shop.name)}</h1>'
        f'<div class="shop-seller">掌柜：<span class="seller-name">{h(shop.seller)}</span></div>'
        f'<div class="shop-region">所在地：{h(shop.region)}</div>{licence}'
        f'<div class="shop-intro">{h(shop.text.body)}</div></div>'
        + item_cards(chunk)
        + pager(f"{shop.path}?", "page", page, pages)
    )
    return layout(f"{shop.name} - 淘宝贝", body, charset, MARKET)


def item_json(item: Item) -> dict[str, object]:
    shop = item.shop
    assert shop is not None
    return {
        "id": item.id,
        "title": item.text.title,
        "price": f"{item.price:.2f}",
        "sales": item.sales,
        "shop": {"id": shop.id, "name": shop.name, "url": shop.path},
        "seller": item.seller,
        "region": item.region,
        "desc": item.text.paragraphs,
    }


def item_page(item: Item, charset: str | None) -> str:
    data = ""
    if item.js_mode == "inline":
        payload = json.dumps(item_json(item), ensure_ascii=True).replace("</", "<\\/")
        data = f'<script id="item-data" type="application/json">{payload}</script>'
    body = (
        f'<div id="item-root" class="item-detail" data-item-id="{item.id}" data-api="/api/item/{item.id}">'
        f'<h1 class="item-title">{h(item.text.title)}</h1>'
        '<div class="item-loading">宝贝详情加载中…</div></div>'
        f'{data}<script src="/static/item.js"></script>'
        "<noscript>请开启JavaScript查看宝贝详情</noscript>"
    )
    return layout(f"{item.text.title}-淘宝贝", body, charset, MARKET)


ITEM_JS = r"""(function () {
  var root = document.getElementById('item-root');
  function esc(s) { var d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; }
  function render(d) {
    var desc = d.desc.map(function (p) { return '<p>' + esc(p) + '</p>'; }).join('');
    root.innerHTML = '<h1 class="item-title">' + esc(d.title) + '</h1>' +
      '<div class="item-price">¥<span class="price-value">' + esc(d.price) + '</span></div>' +
      '<div class="item-sales">月销 <span class="sales-value">' + esc(d.sales) + '</span></div>' +
      '<div class="item-shop">店铺：<a class="shop-name" href="' + esc(d.shop.url) + '">' + esc(d.shop.name) + '</a></div>' +
      '<div class="item-seller">掌柜：<span class="seller-name">' + esc(d.seller) + '</span></div>' +
      '<div class="item-region">发货地：<span class="region-value">' + esc(d.region) + '</span></div>' +
      '<div class="item-desc">' + desc + '</div>';
    root.setAttribute('data-rendered', 'true');
  }
  var inline = document.getElementById('item-data');
  if (inline) { render(JSON.parse(inline.textContent)); return; }
  fetch(root.getAttribute('data-api')).then(function (r) {
    if (!r.ok) { throw new Error(r.status); }
    return r.json();
  }).then(render).catch(function () {
    root.innerHTML = '<div class="item-removed">该商品已下架</div>';
  });
})();
"""

STYLE_CSS = """body{font-family:"Noto Sans CJK SC",sans-serif;margin:0;color:#222}
.topbar{background:#f40;padding:8px 16px}.topbar .logo{color:#fff;font-weight:bold;text-decoration:none}
.platform-sousou .topbar{background:#2468f2}.platform-zhiquanba .topbar{background:#3388ff}
.container{max-width:980px;margin:0 auto;padding:16px}.result{margin:14px 0}.result-ad{background:#fffbe6}
.ad-label{color:#999;margin-left:8px;font-size:12px}.result-url{color:#080;font-size:13px}
.item-list{list-style:none;padding:0}.item-card{border-bottom:1px solid #eee;padding:8px 0}
.item-card span,.item-card a{margin-right:12px}.item-price,.price-value{color:#f40}
.site-banner{background:#c00;color:#fff;padding:6px}.site-footer{color:#666;border-top:1px solid #ddd;margin-top:24px;padding-top:8px}
.post{border-bottom:1px solid #e5e5e5;padding:10px 0}.post-author{font-weight:bold}.post-meta{color:#999;font-size:12px}
.pager a,.pager span{margin-right:6px}.deleted-notice,.item-removed,.shop-closed{padding:40px;text-align:center;color:#999}
"""


def item_removed(charset: str | None, title: str = "该商品已下架") -> str:
    body = f'<div class="item-removed"><h1>{h(title)}</h1><p>您查看的宝贝不存在或已下架，去看看其他宝贝吧</p></div>'
    return layout(title, body, charset, MARKET)


def shop_closed() -> str:
    body = '<div class="shop-closed"><h1>该店铺已关闭</h1><p>店铺因违反平台规则已被关闭</p></div>'
    return layout("该店铺已关闭", body, "utf-8", MARKET)


# ------------------------------------------------------------------- forum
def forum_home(boards: list[tuple[str, str, str, int]]) -> str:
    rows = "".join(
        f'<li class="board-item"><a class="board-link" href="/board/{bid}">{h(name)}吧</a>'
        f'<span class="board-intro">{h(intro)}</span><span class="board-threads">{n}</span></li>'
        for bid, name, intro, n in boards
    )
    body = (
        '<form class="search-form" action="/search" method="get"><input name="kw" type="text">'
        '<button type="submit">搜帖子</button></form>'
        f'<ul class="board-list">{rows}</ul>'
    )
    return layout("知识产权吧 - 交流社区", body, "utf-8", FORUM)


def thread_rows(rows: list[tuple[Thread, str]]) -> str:
    out = []
    for thread, href in rows:
        out.append(
            f'<li class="thread-item" data-thread-id="{thread.id}"><a class="thread-title" href="{h(href)}">{h(thread.text.title)}</a>'
            f'<span class="thread-author">{h(thread.author)}</span>'
            f'<span class="thread-replies">{len(thread.posts) - 1}</span>'
            f'<span class="thread-time">{h(thread.posts[-1].time if thread.posts else "")}</span></li>'
        )
    return f'<ul class="thread-list">{"".join(out)}</ul>'


def board_page(bid: str, name: str, intro: str, rows: list[tuple[Thread, str]], page: int) -> str:
    pages = max(1, -(-len(rows) // BOARD_PAGE_SIZE))
    chunk = rows[(page - 1) * BOARD_PAGE_SIZE : page * BOARD_PAGE_SIZE]
    body = (
        f'<div class="board-header" data-board-id="{bid}"><h1 class="board-name">{h(name)}吧</h1>'
        f'<div class="board-intro">{h(intro)}</div></div>'
        + thread_rows(chunk)
        + pager(f"/board/{bid}?", "page", page, pages)
    )
    return layout(f"{name}吧-知识产权吧", body, "utf-8", FORUM)


def forum_search(query: str, rows: list[tuple[Thread, str]], page: int) -> str:
    pages = max(1, -(-len(rows) // BOARD_PAGE_SIZE))
    chunk = rows[(page - 1) * BOARD_PAGE_SIZE : page * BOARD_PAGE_SIZE]
    body = (
        f'<form class="search-form" action="/search" method="get"><input name="kw" type="text" value="{h(query)}">'
        '<button type="submit">搜帖子</button></form>'
        f'<div class="result-stats">共<span class="result-count">{len(rows)}</span>个帖子</div>'
        + (thread_rows(chunk) if chunk else '<div class="no-result">没有找到相关帖子</div>')
        + pager(f"/search?kw={quote(query)}&", "page", page, pages)
    )
    return layout(f"{query}-知识产权吧搜索", body, "utf-8", FORUM)


def thread_page(thread: Thread, page: int, charset: str | None) -> str:
    board = thread.board
    assert board is not None
    pages = max(1, -(-len(thread.posts) // THREAD_PAGE_SIZE))
    chunk = thread.posts[(page - 1) * THREAD_PAGE_SIZE : page * THREAD_PAGE_SIZE]
    posts = "".join(
        f'<div class="post" id="post-{p.floor}" data-floor="{p.floor}">'
        f'<div class="post-author"><span class="author-name">{h(p.author)}</span></div>'
        f'<div class="post-content">{paras(p.content)}</div>'
        f'<div class="post-meta"><span class="post-floor">{p.floor}楼</span> <span class="post-time">{h(p.time)}</span></div></div>'
        for p in chunk
    )
    body = (
        f'<div class="thread-header" data-thread-id="{thread.id}"><h1 class="thread-title">{h(thread.text.title)}</h1>'
        f'<div class="thread-meta"><a class="board-name" href="/board/{board.id}">{h(board.name)}吧</a> '
        f'回复：<span class="reply-count">{len(thread.posts) - 1}</span> 页数：<span class="page-count">{pages}</span></div></div>'
        f'<div class="post-list">{posts}</div>' + pager(f"{thread.path}?", "pn", page, pages)
    )
    return layout(f"{thread.text.title}_{board.name}吧", body, charset, FORUM)


def thread_deleted(charset: str | None) -> str:
    body = '<div class="deleted-notice"><h1>该帖子已被删除</h1><p>该贴已被删除，去看看别的帖子吧</p></div>'
    return layout("该帖子已被删除", body, charset, FORUM)


def robots_txt() -> str:
    return "User-agent: *\nDisallow: /private/\nDisallow: /_admin/\n"
