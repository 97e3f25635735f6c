"""Who speaks, eleventh round: an honest seller who names a practice to refuse it, a phrase a
seller only quotes, a negation inside a paired claim, a claim shown within its own sentence,
retold words with a call elsewhere, a victim's account, and the asker thanking the thread."""

from __future__ import annotations

from readings import assert_blocks_no_offer, assert_no_offer, paragraphs, why

from classifiers import Classifier

SHOP = "欢迎来电：0571-0000-1234，或到所里面谈。"


def test_a_refusal_in_the_next_sentence_refuses_the_practice(classifier: Classifier) -> None:
    page = paragraphs(
        [
            "为什么我们不收挂靠证｜某某知识产权招聘",
            "有人让持证人不到岗、只把证放在机构名下，以此应付年检。这样的事我们不做。",
            "本所招聘全职专利代理师，每周到岗五天，五险一金。",
            SHOP,
        ]
    )
    verdict = assert_blocks_no_offer(classifier, page, "cr.certificate_without_work")
    assert any(h.why.startswith("the paragraph refuses it") for h in verdict.hits), why(verdict)


def test_a_contrast_ends_the_refusal(classifier: Classifier) -> None:
    page = paragraphs(["外观专利代理", "我们不保证速度，但外观专利包授权，价格优惠。", SHOP])
    verdict = classifier.classify_blocks(page)
    assert verdict.irregular, why(verdict)


def test_a_refusal_after_the_topic_refuses_it(classifier: Classifier) -> None:
    page = paragraphs(
        [
            "本所商标业务须知",
            "对于明显属于他人的品牌和名人姓名，我们拒绝代理注册，也不做以转让获利为目的的申请。",
            SHOP,
        ]
    )
    assert_blocks_no_offer(classifier, page, "tm.register_to_sell")


def test_a_competitor_condemned_is_no_refusal(classifier: Classifier) -> None:
    text = (
        "审查意见轻松通过，不通过不收答复费。与审查员关系良好，疑难案件也能顺利通过。\n"
        "同行大部分都是骗子，只有我们靠谱。点击头像私聊。"
    )
    verdict = classifier.classify(text, "专利代理")
    assert verdict.irregular, why(verdict)


def test_a_seller_quoting_a_phrase_names_it(classifier: Classifier) -> None:
    page = paragraphs(
        [
            "签约前须知｜某某专利事务所",
            "我们收的是撰写和答复的服务费。因为我们的过错耽误期限造成损失的，我们按合同赔偿，"
            "这和“包授权”是两回事。",
            "发明专利撰写与提交 6000 元/件起，所有费用开具发票。",
            SHOP,
        ]
    )
    verdict = assert_blocks_no_offer(classifier, page, "gg.promise_grant")
    assert any(h.stance == "reported" for h in verdict.hits), why(verdict)


def test_a_negation_inside_a_paired_claim_denies_it(classifier: Classifier) -> None:
    text = "我们和审查部门没有任何特殊关系，只做检索、撰写和答复。欢迎咨询我们。"
    assert_no_offer(classifier, text, "专利代理", "fc.authority_connection")


def test_a_claim_of_never_failing_is_no_negation(classifier: Classifier) -> None:
    text = "我们办的发明专利从来没有被驳回过，交给我们你就放心等证吧"
    assert classifier.classify(text).irregular


def test_a_denied_claim_does_not_borrow_the_next_sentences_offer(classifier: Classifier) -> None:
    text = "问：能不能走内部通道快一点？\n答：没有内部通道。合法的快速途径只有优先审查，我们可以帮您评估是否符合。"
    verdict = assert_no_offer(classifier, text, "常见问题", "fc.insider")
    assert all("。" not in h.match for h in verdict.hits), why(verdict)


def test_a_question_hook_still_lends_its_answer(classifier: Classifier) -> None:
    verdict = classifier.classify("高新企业认定缺知识产权？我们有现成实用新型专利转让，一站式搞定")
    assert verdict.irregular, why(verdict)


def test_a_negated_governing_verb_reaches_past_a_light_word(classifier: Classifier) -> None:
    text = "本所承诺：我们不会要求任何新人先挂证再入职，招聘全程不收费。"
    assert_no_offer(classifier, text, "专利代理师招聘", "cr.hang_certificate")


def test_retold_words_need_a_call_beside_them(classifier: Classifier) -> None:
    page = paragraphs(
        [
            "我花了一万九，只换来一张驳回通知书",
            "去年有人打电话给我，他说：“我们走结果付费，不授权全额退款。”",
            "今年三月收到驳回通知，对方电话就打不通了，我已投诉到市场监管局。",
            "写出来给大家避个坑，有类似遭遇的可以私信交流。",
        ]
    )
    assert_blocks_no_offer(classifier, page, "gg.refund_on_failure")


ASKED = [
    {"text": "想开专利代理公司，人数不够能不能先找人挂证？", "kind": "title"},
    {"text": "人数不够，能不能先找两个人挂一下？", "kind": "post", "author": "a", "ref": "#1"},
    {"text": "不建议，被查到机构和个人都要处理。", "kind": "post", "author": "b", "ref": "#2"},
]


def test_the_asker_thanking_the_thread_is_still_the_buyer(classifier: Classifier) -> None:
    thanks = {"text": "明白了，挂证这条就不考虑了。", "kind": "post", "author": "a", "ref": "#3"}
    assert_blocks_no_offer(classifier, [*ASKED, thanks], "cr.hang_certificate")


def test_a_reply_offering_under_the_question_still_offers(classifier: Classifier) -> None:
    offer = {
        "text": "证挂我们机构，人不用来，一年两万，私信。",
        "kind": "post",
        "author": "c",
        "ref": "#3",
    }
    verdict = classifier.classify_blocks([*ASKED, offer])
    assert verdict.irregular, why(verdict)
    assert verdict.offending is not None and verdict.offending.ref == "#3", why(verdict)


def test_doing_no_cases_is_what_a_rented_certificate_sells(classifier: Classifier) -> None:
    """ "只签字不做案子" holds "不做", a refusal cue, inside the phrase it sells (stances.yaml's
    denied ``unless``): the seller's own terms, not a refusal of the practice."""
    text = "持证代理师可远程挂靠，只签字不做案子，年费当年结清。"
    verdict = classifier.classify_blocks(paragraphs(["专代证合作", text]))
    assert verdict.irregular, why(verdict)
    honest = "有人让代理师只签字、把证挂靠在机构名下，这样的事我们不做。"
    assert not classifier.classify_blocks(paragraphs(["专代证合作", honest])).irregular
