"""Result blocks, block pages and click-through pages, read the way the spider reads them."""

from __future__ import annotations

from typing import Any

import pytest
from parsel import Selector as Page

from spiders.profile import BlockMarker, Results, parse_profile
from spiders.results import blocked_by, redirect_target, results

SERP = """<html><body><div id="content_left">
<div class="result c-container" id="1"><h3 class="t"><a href="/link?url=A">专利<em>包授权</em></a></h3>
  <div class="c-abstract">不过<em>全额</em>退款</div><a class="c-showurl">www.a.cn/x</a>
  <div class="c-container"><h3><a href="/link?url=NESTED">nested</a></h3></div></div>
<div class="result c-container" id="3001" data-tuiguang="1"><h3><a href="http://ad.cn/">推广</a></h3>
  <span>广告</span></div>
<div class="result c-container" id="2"><h3><a href="javascript:void(0)">no link</a></h3></div>
<table class="result" id="3"><tr><td class="f"><h3 class="t"><a href="http://old.cn/">旧版</a></h3>
  <font size="-1">摘要</font></td></tr></table>
</div></body></html>"""

SPEC = Results.model_validate(
    {
        "block": ["#content_left > .result, #content_left > .c-container", "td.f"],
        "link": "h3 a::attr(href)",
        "title": "h3 a",
        "snippet": [".c-abstract", "font"],
        "displayed_url": ".c-showurl",
        "ad": {"xpath": "self::*[@data-tuiguang]"},
        "to": "landing",
    }
)


def test_results_in_page_order_nested_blocks_once_ads_marked() -> None:
    got = results(Page(text=SERP), SPEC, "https://www.baidu.com/s?wd=x")
    assert [r.url for r in got] == [
        "https://www.baidu.com/link?url=A",
        "http://ad.cn/",
        "http://old.cn/",
    ]
    assert [r.rank for r in got] == [1, 2, 3]
    first, ad, old = got
    assert first.title == "专利包授权" and first.snippet == "不过全额退款"
    assert first.displayed_url == "www.a.cn/x" and not first.ad
    assert ad.ad and old.snippet == "摘要" and not old.ad


def test_limit_keeps_the_first_results() -> None:
    spec = SPEC.model_copy(update={"limit": 1})
    assert len(results(Page(text=SERP), spec, "https://www.baidu.com/")) == 1


@pytest.mark.parametrize(
    ("body", "target"),
    [
        (
            '<script>window.location.replace("http://t.cn/a")</script>'
            '<noscript><META http-equiv="refresh" content="0;URL=\'http://t.cn/a\'"></noscript>',
            "http://t.cn/a",
        ),
        ('<meta http-equiv="Refresh" content="0; url=/b">', "https://www.sogou.com/b"),
        ("<script>location.href = 'http://t.cn/c';</script>", "http://t.cn/c"),
        ("<p>nothing</p>", None),
    ],
)
def test_click_through_pages_name_their_target(body: str, target: str | None) -> None:
    page = Page(text=f"<html><head></head><body>{body}</body></html>")
    assert redirect_target(page, "https://www.sogou.com/link?url=x") == target


def test_block_markers_by_url_title_text_and_element() -> None:
    markers = [
        BlockMarker(name="captcha-url", url=r"wappass\.baidu\.com/static/captcha"),
        BlockMarker(name="title", title="安全验证"),
        BlockMarker(name="element", css="#verify_img"),
        BlockMarker(name="text", text="请登录后继续"),
    ]

    def name(url: str, page: Page) -> str | None:
        marker = blocked_by(markers, url, page)
        return marker.name if marker else None

    page = Page(text="<html><head><title>百度安全验证</title></head><body></body></html>")
    assert name("https://www.baidu.com/s", page) == "title"
    ordinary = Page(text="<html><head><title>专利_百度搜索</title></head><body>安全</body></html>")
    assert name("https://www.baidu.com/s?wd=安全验证", ordinary) is None
    assert name("https://wappass.baidu.com/static/captcha/tuxing.html", ordinary) == "captcha-url"
    img = Page(text='<html><body><img id="verify_img"></body></html>')
    assert name("https://x.cn/", img) == "element"
    login = Page(text="<html><body><p>请登录后继续访问</p></body></html>")
    assert name("https://x.cn/", login) == "text"
    # another site's page with a CAPTCHA element is not the platform blocking the crawl
    assert blocked_by(markers, "https://x.cn/", img, ["baidu.com"]) is None
    assert blocked_by(markers, "https://www.baidu.com/s", page, ["baidu.com"]) is not None


def test_profile_errors_name_results_and_blocked_fields() -> None:
    base: dict[str, Any] = {
        "key": "demo_engine",
        "name": "Demo",
        "kind": "search",
        "start": {"entry": "results", "queries": ["https://e.cn/s?q={keyword}"]},
        "pages": {"results": {"results": {"block": ".r", "link": "a::attr(href)", "to": "nope"}}},
    }
    with pytest.raises(ValueError, match=r"pages.results.results.to: unknown page type 'nope'"):
        parse_profile(base, "demo.yaml")
    base["pages"]["results"]["results"]["to"] = None
    base["blocked"] = [{"name": "x", "url": "a", "css": "b"}]
    with pytest.raises(ValueError, match=r"demo.yaml: blocked.0: .*exactly one of url, title"):
        parse_profile(base, "demo.yaml")
    base["blocked"] = [{"name": "x", "title": "("}]
    with pytest.raises(ValueError, match=r"blocked.0.title: invalid regular expression"):
        parse_profile(base, "demo.yaml")
