"""Who is speaking: blocks, page genre, the stance of each hit, threads and the watch tier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from classifiers import Classifier
from classifiers.blocks import BlockError
from classifiers.pack import RulePackError
from lantian.cli import app
from lantian.config import Settings

DATA = Path(__file__).resolve().parent.parent / "data"
runner = CliRunner()


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def _first_category(verdict: Any) -> list[str]:
    return list(verdict.categories or verdict.watch_categories)[:1]


def test_page_length_cases_meet_the_targets(classifier: Classifier) -> None:
    """Hand-written pages in the shapes real search results take (tests/data/pages.jsonl)."""
    rows = _rows("pages.jsonl")
    assert len(rows) >= 20
    tp = fp = fn = tier_right = cat_right = cat_total = 0
    for row in rows:
        verdict = classifier.classify(row["text"], row["title"])
        tp += verdict.irregular and row["irregular"]
        fp += verdict.irregular and not row["irregular"]
        fn += row["irregular"] and not verdict.irregular
        tier_right += verdict.tier == row["tier"]
        if row["categories"] and verdict.tier != "none":
            cat_total += 1
            cat_right += _first_category(verdict) == row["categories"][:1]
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.9, (tp, fp, fn)
    assert tier_right / len(rows) >= 0.9
    assert cat_right / cat_total >= 0.9


def test_threads_flag_the_offering_post_not_the_victims_question(classifier: Classifier) -> None:
    rows = _rows("threads.jsonl")
    assert len(rows) >= 8
    for row in rows:
        verdict = classifier.classify_blocks(row["blocks"])
        assert verdict.tier == row["tier"], row["id"]
        offending = verdict.offending
        assert (offending.ref if offending else None) == row["offending"], row["id"]
        if row["categories"]:
            assert verdict.categories[:1] == row["categories"][:1], row["id"]


def test_a_late_reply_offer_is_found_and_named(classifier: Classifier) -> None:
    blocks = [
        {"text": "外观设计专利要准备哪些图片？", "kind": "title"},
        {"text": "六面视图加立体图，背景要干净。", "kind": "post", "author": "甲", "ref": "#1"},
        {"text": "谢谢，学到了。", "kind": "post", "author": "乙", "ref": "#2"},
        {
            "text": "外观专利包授权，不下证全额退款，微信同号13812345678",
            "kind": "post",
            "author": "丙知产",
            "ref": "#3",
        },
    ]
    verdict = classifier.classify_blocks(blocks)
    assert verdict.irregular and verdict.categories[0] == "guaranteed_grant"
    assert verdict.offending is not None and verdict.offending.author == "丙知产"
    assert verdict.offending.ref == "#3"
    assert all(h.block == 3 for h in verdict.hits if h.counted)


def test_negation_reaches_across_the_clause_not_a_fixed_window(classifier: Classifier) -> None:
    far = (
        "本所郑重声明：我们不承诺，对任何客户、任何类型的申请，无论发明、实用新型还是外观设计，"
        "无论是企业、高校、科研院所还是个人发明人，无论加急与否、代理费高低、技术领域冷热，"
        "都以包授权作为卖点。"
    )
    assert far.index("包授权") - far.index("不承诺") > 60, "beyond any fixed window of the rules"
    verdict = classifier.classify(far)
    denied = [h for h in verdict.hits if h.stance == "denied"]
    assert denied and not verdict.irregular, [(h.rule, h.stance) for h in verdict.hits]
    assert all("不承诺" in h.why for h in denied)
    # a contrast starts a new claim: the negation does not reach past "但"
    contrast = classifier.classify("我们不保证速度，但外观专利包授权，价格优惠。")
    assert contrast.irregular
    assert any(h.stance == "offered" and h.counted for h in contrast.hits)


def test_quoted_and_reported_phrases_do_not_count_and_say_why(classifier: Classifier) -> None:
    text = (
        "经查，当事人在其网站宣传“实用新型包授权”“不下证全额退款”，招揽专利代理业务。\n"
        "依据《专利代理条例》，本局决定责令改正，罚款三万元。"
    )
    verdict = classifier.classify(text, "行政处罚决定书 某市监处罚〔2025〕3号")
    assert verdict.genre == "enforcement"
    assert not verdict.irregular and verdict.tier == "none"
    for hit in verdict.hits:
        assert not hit.counted and hit.stance in {"reported", "denied"} and hit.why


def test_a_seller_banner_on_a_news_page_is_an_offer(classifier: Classifier) -> None:
    blocks = [
        {
            "text": "本报讯（记者 李某）近日，市局查处一起“包授权”虚假宣传案件。",
            "kind": "paragraph",
        },
        {"text": "负责人表示将持续打击违规招揽。", "kind": "paragraph"},
        {"text": "专利包授权 不成功全额退款 加V：zl_fast", "kind": "banner"},
    ]
    verdict = classifier.classify_blocks(blocks)
    assert verdict.irregular
    assert verdict.offending is not None and verdict.offending.kind == "banner"
    assert not any(h.counted for h in verdict.hits if h.block == 0)


def test_promotion_without_a_call_to_act_is_watch_with_one_is_an_offer(
    classifier: Classifier,
) -> None:
    article = (
        "转让来的专利能评职称吗？\n"
        "一般来说，评审时只看证书上的发明人，转让获得的专利一样可以加分，"
        "选择授权未缴费的专利即可。时间来不及的话，可以选择转让，这是最快捷的办法。\n"
        "以上就是本文的介绍，发明人位置越靠前越好。"
    )
    watch = classifier.classify(article)
    assert watch.tier == "watch" and not watch.irregular and watch.categories == []
    assert watch.watch_categories[:1] == ["abnormal_patent"]
    assert any(h.stance == "promoted" for h in watch.hits)
    offer = classifier.classify(article + "\n需要现成专利的老师可以私信小编。")
    assert offer.tier == "offer" and offer.irregular
    assert any("call to act" in h.why for h in offer.hits if h.counted)


def test_a_short_page_with_article_structure_reads_as_an_article(classifier: Classifier) -> None:
    """Under ``article_length`` a page no genre claims used to read as an advert; a question
    title makes it a short article, whose third-person mention of the practice is not an offer."""
    body = {"text": "评审看的是证书上的名字，授权未缴费专利转让后也能加分。", "kind": "paragraph"}
    article = classifier.classify_blocks([{"text": "专利评职称有用吗", "kind": "title"}, body])
    assert article.genre == "other" and not article.irregular, [
        (h.rule, h.stance, h.why) for h in article.hits
    ]
    advert = classifier.classify_blocks(
        [{"text": "授权未缴费专利转让，评职称加分", "kind": "title"}, body]
    )
    assert advert.irregular, "a short page with no article structure still reads as an advert"


def test_a_traditional_page_is_read_through_its_simplified_copy(classifier: Classifier) -> None:
    """The genre patterns are written in simplified characters; a converted copy of an article
    must read the same (its question title, numbered articles)."""
    simple = classifier.normalizer.simplified("轉讓的專利\n可以評職稱嗎？")
    assert simple == "转让的专利\n可以评职称吗？", "one to one: line breaks and offsets kept"
    assert classifier.normalizer.simplified("转让的专利") is None
    body = {"text": "評審看的是證書上的名字，授權未繳費專利轉讓後也能加分。", "kind": "paragraph"}
    verdict = classifier.classify_blocks([{"text": "專利評職稱有用嗎", "kind": "title"}, body])
    assert "explainer.question_title: re:吗" in verdict.genre_evidence
    assert not verdict.irregular, [(h.rule, h.stance, h.why) for h in verdict.hits]


def test_a_question_takes_the_stance_of_its_answer(classifier: Classifier) -> None:
    """A licensed agency's Q&A with its own call to act: the question heading is answered
    "no" in the next block, and the sellers it describes are a third party."""
    page = [
        {"text": "评职称可以买专利吗？", "kind": "title"},
        {"text": "购买专利评职称属于学术不端，一旦查出会被取消职称。", "kind": "paragraph"},
        {
            "text": "有代理机构承诺包授权、不授权全额退款，这些承诺没有法律依据。",
            "kind": "paragraph",
        },
        {"text": "本所只做正规申请，欢迎咨询我们。", "kind": "paragraph"},
    ]
    verdict = classifier.classify_blocks(page)
    assert not verdict.irregular, [(h.match, h.stance, h.why) for h in verdict.hits]
    assert any(h.why.startswith("answered: ") for h in verdict.hits)
    seller = [
        {"text": "实用新型能包授权吗？", "kind": "title"},
        {"text": "能！不授权全额退款，欢迎咨询我们。", "kind": "paragraph"},
    ]
    assert classifier.classify_blocks(seller).irregular, "an answer that says yes still offers"


def test_a_warning_quoting_a_sellers_first_person_claim_does_not_offer(
    classifier: Classifier,
) -> None:
    """A list of "agency lies" quotes the sellers' own words ("我们有…"): quoted speech on a
    page that does not sell, reported, not the page offering.  The same words unquoted in an
    advert still offer."""
    warning = [
        {"text": "知识产权代理十大谎言，你中招了吗", "kind": "title"},
        {"text": "一、“我们有审查员关系，可以走内部渠道”", "kind": "paragraph"},
        {"text": "二、“专利可以挂名，评职称随便用”", "kind": "paragraph"},
        {"text": "遇到以上说法请拨打12315举报。", "kind": "paragraph"},
    ]
    verdict = classifier.classify_blocks(warning)
    assert not verdict.irregular, [(h.match, h.stance, h.why) for h in verdict.hits]
    assert any(h.why.startswith("quoted: ") for h in verdict.hits)
    advert = classifier.classify("我们有审查员关系，可以走内部渠道，三个月下证，微信同号。")
    assert advert.irregular


def test_whether_in_an_explainer_is_not_a_question(classifier: Classifier) -> None:
    """ "是否退费以合同为准" is the writer's "whether", and the clause reports what some
    agencies write into contracts; with the page's call to act it is still not an offer."""
    page = [
        {"text": "专利没通过可以退费吗？", "kind": "title"},
        {
            "text": "官费不退。部分机构会在合同里写明驳回退还代理费，是否退费以双方合同为准。",
            "kind": "paragraph",
        },
        {"text": "想了解更多，欢迎在线咨询我们。", "kind": "paragraph"},
    ]
    verdict = classifier.classify_blocks(page)
    assert not verdict.irregular, [(h.match, h.stance, h.why) for h in verdict.hits]


def test_an_honest_sellers_disclaimer_is_not_an_offer(classifier: Classifier) -> None:
    text = (
        "本所依法执业，不承诺任何审查结果，也绝不做所谓包授权的宣传。\n"
        "本所专利代理师均专职执业，从不出借资格证书。\n欢迎来电咨询。"
    )
    verdict = classifier.classify(text)
    assert not verdict.irregular, [(h.rule, h.stance, h.why) for h in verdict.hits]


def test_inserted_pinyin_is_dropped_and_offsets_point_at_the_original(
    classifier: Classifier,
) -> None:
    text = "外wai观guan专zhuan利li包bao授shou权quan，加V详聊"
    verdict = classifier.classify(text)
    assert verdict.irregular
    for hit in verdict.hits:
        assert text[hit.start : hit.end] == hit.match
    assert any(h.match.startswith("包bao授") for h in verdict.hits)
    norm = classifier.normalizer.normalize("专利bao过")
    assert norm.text == "专利包过", "a single pinyin word is a variant, not noise"


def test_genre_of_common_page_shapes(classifier: Classifier) -> None:
    cases = {
        "regulation": "第三条 专利代理机构不得承诺授权结果。第四条 专利代理师应当专职执业。（一）不得出借证书；（二）不得同时在两家机构执业。",
        "job_posting": "招聘专利工程师，岗位职责：撰写申请文件；任职要求：理工科本科；五险一金，双休。",
        "consumer_question": "请问有人找我说能包授权，先交钱，是真的吗？我交了定金联系不上了",
    }
    for genre, text in cases.items():
        assert classifier.classify(text).genre == genre, genre


def test_blocks_are_validated_with_a_clear_message(classifier: Classifier) -> None:
    with pytest.raises(BlockError, match="block 1: field text"):
        classifier.classify_blocks([{"text": "标题"}, {"kind": "post"}])
    with pytest.raises(BlockError, match="not a list"):
        classifier.classify_blocks({"text": "x"})


def test_classify_cli_takes_blocks_and_reports_block_offsets(settings: Settings) -> None:
    line = {
        "id": "thread-9",
        "blocks": [
            {
                "text": "求助：有人说能包授权，是真的吗？",
                "kind": "post",
                "author": "小李",
                "ref": "#1",
            },
            {
                "text": "实用新型包授权，不授权全额退款，加V详聊",
                "kind": "post",
                "author": "快证",
                "ref": "#2",
            },
        ],
    }
    bad = {"id": "bad", "blocks": [{"text": 3}]}
    result = runner.invoke(
        app,
        ["classify", "-"],
        input=json.dumps(line, ensure_ascii=False) + "\n" + json.dumps(bad) + "\n",
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    first = out[0]
    assert first["irregular"] is True and first["tier"] == "offer"
    assert first["offending"] == {
        "block": 1,
        "kind": "post",
        "author": "快证",
        "ref": "#2",
        "url": None,
    }
    for hit in first["hits"]:
        assert hit["field"] == "block"
        text = line["blocks"][hit["block"]]["text"]
        assert text[hit["start"] : hit["end"]] == hit["match"]
        assert {"stance", "counted", "why"} <= set(hit)
    assert "block 0: field text" in out[1]["error"]


def test_broken_genre_file_names_file_and_field(rules_copy: Path) -> None:
    from classifiers.engine import build_classifier

    path = rules_copy / "genres.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("voice: reported", "voice: loud", 1))
    with pytest.raises(RulePackError, match=r"genres\.yaml: field genres\..*voice"):
        build_classifier(rules_copy)
