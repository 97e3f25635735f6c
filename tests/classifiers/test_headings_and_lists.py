"""Who speaks, twelfth round: a trade board's listing title, a heading's question that the page
answers, an exposé's headline, a site's own sale lists, and the office's own units.  Each text is written here in the team's words, after the shapes met on real pages."""

from __future__ import annotations

from readings import assert_blocks_no_offer, paragraphs, why

from classifiers import Classifier

COPIED_NEWS = (
    "记者从省知识产权局获悉，今年起专业技术人员所获专利纳入职称评审标准，"
    "获授权的发明专利或实用新型专利可满足申报中级职称的业绩条件。"
)


def test_a_supply_listing_title_speaks_for_the_seller(classifier: Classifier) -> None:
    verdict = classifier.classify_blocks(paragraphs(["供应职称专利代写申请", COPIED_NEWS]))
    assert verdict.irregular, why(verdict)
    assert verdict.categories[0] == "abnormal_patent", why(verdict)
    assert verdict.offending_block == 0, why(verdict)


def test_a_question_about_such_goods_is_no_listing(classifier: Classifier) -> None:
    blocks = paragraphs(
        [
            "转让来的专利评职称能用吗",
            "有读者问，转让来的专利评职称能不能用。单位的要求各不相同，"
            "一般要求本人是发明人并且专业对口，以当年的评审文件为准。",
        ]
    )
    verdict = classifier.classify_blocks(blocks)
    assert verdict.genre != "seller_offer", why(verdict)
    assert not verdict.irregular, why(verdict)


def test_a_headings_question_the_page_answers_is_not_tied_by_its_hotline(
    classifier: Classifier,
) -> None:
    blocks = paragraphs(
        [
            "商标申请被驳回能退费吗？",
            "很多申请人关心这个问题。本文说说驳回以后的费用：首先，官费是交给国家的；其次，"
            "代理服务费怎么算，要看委托合同的约定。",
            "以上就是商标驳回费用的介绍，欢迎随时来电咨询：0571-88886666。",
        ]
    )
    verdict = assert_blocks_no_offer(classifier, blocks, "gg.refund_on_failure")
    assert verdict.genre == "explainer", why(verdict)


def test_an_exposes_headline_reports_what_it_uncovers(classifier: Classifier) -> None:
    blocks = paragraphs(
        [
            "起底：自主招生背后的专利买卖",
            "不少家长以为花几千块就能换来报名资格，招生办表示材料会逐项核查。",
            "想了解更多升学政策，欢迎关注本站，咨询电话 010-66668888。",
        ]
    )
    assert_blocks_no_offer(classifier, blocks, "ap.for_credentials")


def test_the_sites_own_sale_lists_beside_a_title_article_offer(classifier: Classifier) -> None:
    blocks = paragraphs(
        [
            "评副高需要几项专利",
            "评副高一般需要发明专利一项或实用新型专利两项，具体看当地评审文件。",
            "更多关于评职称专利的疑问，可以随时联系我们的在线编辑。",
            "本月实用新型专利转让清单",
            "特价发明专利转让清单（未下证）",
        ]
    )
    verdict = classifier.classify_blocks(blocks)
    assert verdict.irregular, why(verdict)
    assert any(h.rule == "ap.purpose_topic_trade" and h.counted for h in verdict.hits), why(verdict)


def test_a_unit_of_the_office_is_not_a_self_styled_centre(classifier: Classifier) -> None:
    blocks = paragraphs(
        [
            "广州积分入户专利加分",
            "专利须可由国家知识产权局广州市专利信息服务中心检索核实。",
            "免费提供落户政策咨询，电话 020-88886666。",
        ]
    )
    verdict = classifier.classify_blocks(blocks)
    assert not any(h.rule == "fc.self_styled_official" for h in verdict.hits), why(verdict)
    assert not verdict.irregular, why(verdict)
