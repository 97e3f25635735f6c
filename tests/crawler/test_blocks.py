"""The crawl hands the classifier the posts a forum profile extracted, so a reply is judged alone."""

from __future__ import annotations

import asyncio

from crawler.blocks import item_blocks
from crawler.classify_client import ClassifyClient
from crawler.classify_worker import WorkerConfig
from crawler.pipelines.classify import ClassifyPipeline
from spiders.items import ListingItem

TITLE = "实用新型一般多久下证？"
POSTS = [
    {"author": "新手", "content": "第一次申请实用新型 大概要等多久？"},
    {"author": "热心网友", "content": "一般八到十二个月，看审查进度。"},
    {"author": "快证知产", "content": "实用新型包授权，不下证全额退款 三个月出证，加V详聊。"},
]
TEXT = "\n".join(
    [
        "首页 > 专利交流区",
        "第一次申请实用新型",
        "大概要等多久？",
        "一般八到十二个月，看审查进度。",
        "实用新型包授权，不下证全额退款",
        "三个月出证，加V详聊。",
        "版权所有",
    ]
)


def test_posts_become_blocks_over_their_lines() -> None:
    blocks = item_blocks(TITLE, TEXT, {"posts": POSTS})
    full = TITLE + "\n" + TEXT
    posts = [b for b in blocks if b.kind == "post"]
    assert [b.author for b in posts] == ["新手", "热心网友", "快证知产"]
    assert [b.ref for b in posts] == ["#1", "#2", "#3"]
    assert full[posts[0].start : posts[0].end] == "第一次申请实用新型\n大概要等多久？"
    assert full[posts[2].start : posts[2].end].endswith("加V详聊。")
    assert blocks[-1].kind == "paragraph" or any(b.kind == "title" for b in blocks)


def test_posts_that_cannot_be_found_are_skipped() -> None:
    blocks = item_blocks("", "只有正文", {"posts": [{"content": "别处的文字"}, "not a record"]})
    assert [b.kind for b in blocks] == ["paragraph"]


def test_classify_stage_names_the_offending_post() -> None:
    client = ClassifyClient(WorkerConfig(None, 0.5, None, False, None), processes=0)
    try:
        pipeline = ClassifyPipeline(client)
        item = ListingItem(
            platform="forum",
            kind="forum",
            page_kind="thread",
            url="http://f.example/t/1",
            title=TITLE,
            text=TEXT,
            fields={"posts": POSTS},
        )
        asyncio.run(pipeline.process_item(item))
    finally:
        client.close()
    verdict = item.verdict
    assert verdict is not None
    assert item.flagged and verdict.tier == "offer"
    assert verdict.offending is not None
    assert (verdict.offending.author, verdict.offending.ref) == ("快证知产", "#3")
