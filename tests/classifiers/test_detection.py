"""Each category is found in plain, soft-sell and disguised wording; hard negatives stay clean."""

from __future__ import annotations

import pytest

from classifiers import Classifier, classify

POSITIVES = [
    ("guaranteed_grant", "实用新型专利申请，包授权，不授权全额退款"),
    ("guaranteed_grant", "外观专利💯下证，先下证后付款，v信同号"),
    ("guaranteed_grant", "商标安心注册套餐：驳回免费重新申报，直到注册成功"),
    ("abnormal_patent", "出售已授权实用新型，可加发明人，评职称专用"),
    ("abnormal_patent", "问：没有发明可以评职称吗？答：我们有现成专利资源可以变更发明人，联系客服"),
    ("abnormal_patent", "代写专利，无需技术无需实物，一个想法就能申请"),
    ("certificate_renting", "长期收专利代理师证书挂靠，人不用到岗"),
    ("certificate_renting", "專利代理師證書出租，不用坐班"),
    ("unlicensed_agency", "个人专利代理，无需资质，比机构便宜一半"),
    ("unlicensed_agency", "出租专利代理机构代码，可以用我们的机构名义递交"),
    ("trademark_malicious", "抢注网红品牌商标，注册成功后高价转让"),
    ("trademark_malicious", "商标投资：四年循环注册防撤三，稳定收益"),
    ("false_claims", "国知局内部渠道，审查员关系过硬，专利加急"),
    ("false_claims", "官方指定专利代理，授权率99.8%，业内第一"),
    # concept pairs: wordings no single phrase in the packs spells out
    ("guaranteed_grant", "办商标：若没批下来，代理费我们原路退回"),
    ("abnormal_patent", "申报专精特新缺专利？现成实用新型可以直接转给你"),
    ("certificate_renting", "有专利代理师证的朋友，证书挂到我们所，你照常上班"),
    ("trademark_malicious", "某网红奶茶爆火，同名商标我们已申请，品牌方可来谈转让"),
    ("false_claims", "我们跟国知局审查部门有熟人，专利加急没问题"),
]

NEGATIVES = [
    "国家知识产权局严厉打击“包授权”“保过”等违规宣传，依法查处",
    "本所依法执业，不承诺授权结果，机构代码11001",
    "本产品已获国家专利，专利号ZL202020123456.7，包邮到家",
    "官方授权店 正品保证 七天无理由退换 不满意全额退款",
    "一级建造师保过班，不过退费",
    "高校技术转移中心发布专利，欢迎企业洽谈许可与成果转化",
    "网上说花钱可以买专利评职称，这是真的吗？",
    "我的商标被别人抢注了，对方要我高价回购，该怎么办？",
    "问：实用新型能保证授权吗？答：任何代理机构都不能保证授权。",
    "",
    "   \n\t ",
]


@pytest.mark.parametrize(("category", "text"), POSITIVES)
def test_category_is_detected(classifier: Classifier, category: str, text: str) -> None:
    verdict = classifier.classify(text)
    assert verdict.irregular
    assert category in verdict.categories
    assert verdict.severity in {"high", "medium", "low"}
    for hit in verdict.hits:
        assert text[hit.start : hit.end] == hit.match
        assert hit.explanation and hit.legal_basis


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negative_is_not_flagged(classifier: Classifier, text: str) -> None:
    verdict = classifier.classify(text)
    assert not verdict.irregular, verdict.hits
    assert verdict.categories == []
    assert verdict.severity is None


def test_exceptions_cancel_only_their_context(classifier: Classifier) -> None:
    assert classifier.classify("专利包授权").irregular
    assert not classifier.classify("我们不承诺包授权").irregular
    assert not classifier.classify("警惕所谓包授权骗局").irregular
    assert classifier.classify("保过！实用新型专利保过").irregular
    assert not classifier.classify("会计考试保过班").irregular


def test_news_article_quoting_an_ad_far_from_the_cue_is_not_flagged(classifier: Classifier) -> None:
    filler = "检查人员走访了多家网店和论坛，相关广告被大量转发，内容五花八门。" * 3
    news = (
        "本报讯 市场监管局开展专项整治。" + filler + "有商家宣称“实用新型包授权，不授权全额退款”。"
    )
    assert not classifier.classify(news).irregular
    assert classifier.classify(news + "需要的朋友加微信详聊").irregular
    # a site-wide ad beside the article, not quoted: a banner block speaks for the site (as
    # one joined text the short news item would be read as an article, its byline says so)
    banner = {"text": "实用新型包授权，不授权全额退款", "kind": "banner"}
    article = {
        "text": news.replace("“实用新型包授权，不授权全额退款”", "一些说法"),
        "kind": "paragraph",
    }
    assert classifier.classify_blocks([article, banner]).irregular


def test_rhetorical_question_followed_by_an_offer_is_still_an_ad(classifier: Classifier) -> None:
    question = "商标投资靠谱吗？其实囤积几百个商标等品牌方来买"
    assert not classifier.classify(question).irregular
    assert classifier.classify(question + "，我们提供商标投资咨询，欢迎投资人私信").irregular


def test_categories_ranked_and_verdict_fields(classifier: Classifier) -> None:
    verdict = classifier.classify("国知局内部渠道，发明专利包授权，不授权全额退款")
    assert verdict.categories[0] == "guaranteed_grant"
    assert "false_claims" in verdict.categories
    scores = verdict.category_scores
    assert scores["guaranteed_grant"] >= scores["false_claims"]
    assert 0.0 <= verdict.score <= 1.0
    assert verdict.rules_version


def test_threshold_is_configurable() -> None:
    from classifiers import load_default_classifier

    weak = "专利代写，包写包报"
    assert not load_default_classifier().classify(weak).irregular
    assert load_default_classifier(threshold=0.4).classify(weak).irregular


def test_module_level_classify() -> None:
    assert classify("商标注册包通过").categories == ["guaranteed_grant"]


def test_mixed_scripts(classifier: Classifier) -> None:
    text = "Patent service 专利 BAO GUO 包过! 👉 ＶＸ：ip_agent8 ☎ +86 138-0013-8000 (English/中文/繁體)"
    verdict = classifier.classify(text)
    assert verdict.irregular
    kinds = {(e.kind, e.value) for e in verdict.entities}
    assert ("phone", "13800138000") in kinds
    assert ("wechat", "ip_agent8") in kinds


def test_megabyte_text(classifier: Classifier) -> None:
    filler = "这是一段普通的商品介绍文字，质量很好，欢迎选购。" * 40000
    text = filler + "实用新型专利包授权" + filler
    assert len(text.encode()) > 2_000_000
    verdict = classifier.classify(text)
    assert verdict.irregular
    hit = next(h for h in verdict.hits if h.rule == "gg.promise_grant")
    assert text[hit.start : hit.end] == "包授权"


def test_a_warning_cancels_only_the_ad_on_its_own_line(classifier: Classifier) -> None:
    """Forum threads: a reply warning about 包授权 must not hide another reply's offer."""
    warning = "提醒大家，所谓包授权都是违规宣传，要警惕"
    offer = "实用新型包授权，下证快，加微信详聊"
    assert not classifier.classify(warning).irregular
    assert classifier.classify(f"{warning}\n{offer}").irregular
    assert not classifier.classify(f"{warning}，{offer.replace('加微信详聊', '')}").irregular


def test_reported_speech_is_not_an_offer(classifier: Classifier) -> None:
    assert not classifier.classify("对方说实用新型不授权全额退款，这种能信吗").irregular
    assert classifier.classify("实用新型不授权全额退款，放心交给我们").irregular
