from __future__ import annotations

from parsel import Selector as Page

from spiders import extract
from spiders.profile import Records, Selector

HTML = """<html><head><title>T</title><script>var x = "hidden";</script></head><body>
<h1 class="t">  专利　包授权 </h1><div class="p">¥<b>12.50</b></div>
<div class="post"><span class="a">甲</span><p>一楼</p></div>
<div class="post"><span class="a">乙</span><p>二楼</p><p>续</p></div>
<footer>banner 加微信</footer></body></html>"""


def test_fields_records_and_whole_page_text() -> None:
    page = Page(text=HTML)
    assert extract.value(page, Selector(css="h1.t::text")) == "专利 包授权"
    assert extract.value(page, Selector(css=".p", re=r"¥\s*<b>([\d.]+)")) == "12.50"
    assert extract.fields(page, {"missing": Selector(css=".nope::text")}) == {}
    posts = extract.records(
        page,
        Records(
            selector=Selector(css=".post"),
            fields={
                "author": Selector(css=".a::text"),
                "content": Selector(css="p::text", many=True, join="\n"),
            },
        ),
    )
    assert posts == [{"author": "甲", "content": "一楼"}, {"author": "乙", "content": "二楼\n续"}]
    text = extract.page_text(
        page, Selector(xpath="//body//text()[not(ancestor::script)]", many=True)
    )
    assert "banner 加微信" in text and "hidden" not in text


def test_highlighted_words_stay_joined_and_blocks_stay_apart() -> None:
    page = Page(
        text="<h3><a href='/x'>全国<em>旅行社</em>团队游<script>x()</script></a></h3>"
        "<div class='s'><p>第一段<b>包授权</b></p><p>第二段</p></div>"
    )
    assert extract.value(page, Selector(css="h3 a")) == "全国旅行社团队游"
    assert extract.value(page, Selector(css="div.s")) == "第一段包授权 第二段"


def test_strings_give_what_parsel_gives() -> None:
    """The compiled fast path and parsel agree on every kind of result: elements (as
    markup), text, attributes, booleans and numbers, regular expressions with and without
    groups, EXSLT prefixes, and a list of nodes (which goes through parsel itself)."""
    page = Page(text=HTML)
    specs = [
        Selector(css=".post"),
        Selector(css=".post p::text"),
        Selector(css="h1::attr(class)"),
        Selector(css=".p", re=r"¥\s*<b>([\d.]+)"),
        Selector(css=".p", re=r"(¥)\s*<b>(\d+)"),
        Selector(xpath="count(//div[@class='post']) > 1"),
        Selector(xpath="count(//p)"),
        Selector(xpath="//span[re:test(text(), '^[甲乙]$')]/text()"),
        Selector(css=".nope::text"),
    ]
    nodes = [page, page.css(".post")[1], page.css(".post")]
    for node in nodes:
        for spec in specs:
            found = extract.select(node, spec)
            expected = found.re(spec.re) if spec.re else found.getall()
            assert extract.strings(node, spec) == expected, (spec, node)


def test_records_blocks_clean_title_and_matches_give_what_parsel_gives() -> None:
    """Records read from compiled-selector blocks equal records read from parsel's Selectors
    of the same blocks (and a block selector that finds text goes through parsel); the title,
    ``matches`` and ``clean``'s one-line shortcut agree with what they replace."""
    page = Page(text=HTML)
    fields = {
        "author": Selector(css=".a::text"),
        "content": Selector(css="p::text", many=True, join="\n"),
        "first": Selector(xpath="./p[1]/text()"),
    }
    for block_spec in (Selector(css=".post"), Selector(css=".post p::text")):
        spec = Records(selector=block_spec, fields=fields)
        by_parsel = [
            rec
            for rec in (extract.fields(b, fields) for b in extract.select(page, block_spec))
            if rec
        ]
        assert extract.records(page, spec) == by_parsel
    assert extract.title(page) == page.css("title::text").get("") == "T"
    assert extract.title(Page(text="<p>x</p>")) == ""
    for css in (".post", ".nope", "footer"):
        assert extract.matches(page, Selector(css=css)) == bool(page.css(css))
    for text in ("  a\u3000 b\t", "", " \u00a0 ", "a\n\n  b ", "x\u2028y  "):
        lines = (extract._SPACE.sub(" ", line).strip() for line in text.split("\n"))
        joined = "\n".join(line for line in lines if line)
        assert extract.clean(text) == extract._LINES.sub("\n", joined).strip()
