"""Offer kinds read off a spent unseen part (``unseen-pages7``), probed with the team's own
paraphrases rather than the part's words: each kind must catch a wording its rule's examples do
not hold, and each lookalike (a bureau, a lawyer, an honest firm, a real job) must stay clear.

A paraphrase that fails here is a wording the kind does not yet reach, not a reason to add its
words: see tests/data/README.md on fixes that carried over to unread parts."""

from __future__ import annotations

import pytest

from classifiers import Classifier

OFFERS = {
    # a certificate's practice registration parked for a yearly sum, the holder owing no attendance
    "registration_parked_as_a_job": (
        "招募：知识产权事务所合规岗（兼职）\n要求：持专利代理师资格证，当前没有在任何机构备案执业。\n"
        "待遇：年度补贴一次付清，无需每天来公司报到，也不考勤。\n简历投递：邮箱见下方。",
        "certificate_renting",
    ),
    # a team that says it is no agency, files through the client's own account, paid to a person
    "self_declared_non_agency": (
        "我们几个都是从代理所出来的，不是专利代理机构，不打算办执照。撰写答复都是我们做，"
        "提交用客户自己的账号，钱直接转给我个人，电话 139 0000 1111",
        "unlicensed_agency",
    ),
    # another firm's agency code used for the shop's own filings
    "another_firms_code": (
        "亲，店里没有代理资质的哦，提交时用合作所的代码，我们每单给他们一点通道费，价格所以便宜，放心拍",
        "unlicensed_agency",
    ),
    # patents supplied for a status to a firm with no R&D of its own
    "beyond_rnd_capacity": (
        "想申报科技型中小企业？公司不需要研发人员，也不用有自己的产品，我们给配五件实用新型，申报前全部下来，私信",
        "abnormal_patent",
    ),
    # granted-unregistered stock in a listing's terse form
    "granted_unregistered_terse": (
        "年底资源：已下证｜未登记的外观 12 条，署名可以改成你，评职称、积分都能用，私我",
        "abnormal_patent",
    ),
    # a trending word filed in every class within hours, the owners left no way but through the filer
    "owners_must_come_to_the_filer": (
        "那个新梗刚火，我们当天就在 9 个类全部报上了，想用的商家只能来找我们，转让价私聊",
        "trademark_malicious",
    ),
    # the name the reader picked, filed first by the speaker and offered by transfer
    "name_filed_for_the_reader": (
        "你想做的那个宠物品牌名，我们已经在三个类报上了，你要做宠物用品正好用得上，核准后转到你名下，价格好谈",
        "trademark_malicious",
    ),
}

NEGATIVES = {
    # a lawyer retelling a fan's message: the fan's 私信 is no call of the lawyer's
    "fan_message_retold": (
        "律师说法：今天有网友私信我，问能不能把同行的商标撤三撤掉再抢注。我的回答是：恶意撤三可能被认定为不正当竞争。"
    ),
    "refuses_to_deal_with_anyone": (
        "本所收费标准：发明 8000 元。本所不与任何个人进行证书挂靠合作，不承诺授权结果。欢迎来电。"
    ),
    "applicant_files_for_itself": (
        "个人能自己申请专利吗？可以，申请人自己办理不需要代理机构，个人还可以申请费用减缴。"
    ),
    "remote_attorney_does_the_cases": (
        "远程岗位：专利代理师，执业备案在本所，负责案件撰写与答复，无需到公司坐班，按件计酬。"
    ),
    "policy_concession": ("申报高企，不需要设立研发部门，但需要有研发活动，专利要与主营产品相关。"),
    "agency_files_in_the_clients_name": (
        "您看中的那个名字，我们已经帮您在三个类报上了，费用一共两千，有问题私聊"
    ),
    "registration_rule_explained": (
        "科普：专利授权通知下来后要在两个月内办理登记，未登记的视为放弃权利。"
    ),
}


@pytest.mark.parametrize("name", sorted(OFFERS))
def test_a_kind_catches_a_new_wording(classifier: Classifier, name: str) -> None:
    text, category = OFFERS[name]
    verdict = classifier.classify(text, "")
    assert verdict.irregular, name
    assert category in verdict.categories, (name, verdict.categories)


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_a_lookalike_stays_clear(classifier: Classifier, name: str) -> None:
    verdict = classifier.classify(NEGATIVES[name], "")
    assert not verdict.irregular, (name, [(h.rule, h.match) for h in verdict.hits if h.counted])


def test_an_answer_that_sends_the_reader_elsewhere_adds_no_one(classifier: Classifier) -> None:
    """An answerer who tells the reader to find someone who will 'add you as inventor', and
    to compare sellers online, names no agent of its own: it does not offer (at most it
    promotes; the label of such a page is watch)."""
    title = "评副高缺一项专利，有什么办法？"
    text = (
        f"{title}\n提问者：匿名\n\n最佳答案\n回答者：热心网友\n"
        "别着急，身边不少人都是这么解决的。第一种是买一件已经授权的，做转让把专利权人改成你；"
        "另一个办法是去找还没登记的那种，登记前把你加成第一发明人，证书上就是你的名字。"
        "价格看领域，几千到一两万。网上渠道很多，自己多比较几家就行，我就不推荐具体哪家了。"
        "\n\n其他回答（1）\n建议先看单位文件的要求。"
    )
    verdict = classifier.classify(text, title)
    assert not verdict.irregular, [(h.rule, h.stance, h.why) for h in verdict.hits if h.counted]
