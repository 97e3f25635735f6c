from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers import Classifier, load_default_classifier

NOISE = st.text(
    alphabet=st.sampled_from(
        list(
            "专利包过授权申请的了是 丨|·-_*\u200b\u3000\ufeff，。！？!?,.ＡＢｚｌ專過zlwxv😀💯➕①１２3\n\t"
        )
    ),
    max_size=40,
)
SEPARATORS = st.sampled_from(["", " ", "丨", "·", "\u200b", "  ", "*", "-", "\u3000", "😀"])


@settings(max_examples=100, deadline=None)
@given(text=NOISE)
def test_every_normalized_char_maps_into_the_original(classifier: Classifier, text: str) -> None:
    norm = classifier.normalizer.normalize(text)
    last_start = 0
    for i in range(len(norm.text)):
        start, end = norm.original_span(i, i + 1)
        assert 0 <= start < end <= len(text)
        assert start >= last_start
        last_start = start


@settings(max_examples=100, deadline=None)
@given(prefix=NOISE, suffix=NOISE, sep=SEPARATORS, traditional=st.booleans())
def test_planted_phrase_maps_back_to_its_disguised_form(
    classifier: Classifier, prefix: str, suffix: str, sep: str, traditional: bool
) -> None:
    phrase = "專利包過" if traditional else "专利包过"
    disguised = sep.join(phrase)
    text = prefix + "。" + disguised + "。" + suffix
    norm = classifier.normalizer.normalize(text)
    index = norm.text.find("。专利包过。")
    assert index >= 0, norm.text
    start, end = norm.original_span(index + 1, index + 5)
    assert text[start:end] == disguised


def test_disguises_are_undone(classifier: Classifier) -> None:
    cases = {
        "专 利 包 过": "专利包过",
        "专丨利": "专利",
        "砖利受权": "专利授权",
        "ＺＬ包过": "专利包过",
        "zhuanli bao guo": "专利包过",
        "V信": "微信",
        "薇信": "微信",
        "💯下证": "100%下证",
        "百分百下证": "100%下证",
        "專利掛證": "专利挂证",
        "z规机构": "正规机构",
        "专\u200b利": "专利",
    }
    for original, expected in cases.items():
        assert classifier.normalizer.normalize(original).text == expected, original


def test_pinyin_inside_latin_words_is_left_alone(classifier: Classifier) -> None:
    assert "专利" not in classifier.normalizer.normalize("hazlnut wxyz").text
    assert classifier.normalizer.normalize("加wx").text == "加微信"


def test_bracketed_toned_pinyin_from_a_spam_mirror_is_dropped(classifier: Classifier) -> None:
    """A mirror that prints each character's reading after it ("轉(zhuǎn)讓") must not hide
    the words; a tone mark outside brackets, or a plain Latin word, stays."""
    text = "職稱專(zhuān)利還可以轉(zhuǎn)讓，發明（fā míng）人位置可選"
    norm = classifier.normalizer.normalize(text)
    assert norm.text == "职称专利还可以转让，发明人位置可选"
    at = norm.text.index("转让")
    start, end = norm.original_span(at, at + 2)
    assert text[start:end] == "轉(zhuǎn)讓"
    assert classifier.normalizer.normalize("Café 专利").text == "café专利"
    assert classifier.normalizer.normalize("专利 (zl) 申请").text == "专利专利申请"


def test_full_stops_between_single_characters_are_separators(classifier: Classifier) -> None:
    """The dots in "专.利.包.授.权" hide the words; a decimal, a web address or one full stop
    ending a clause keeps its dot."""
    text = "专. 利.包.授.权，加V"
    norm = classifier.normalizer.normalize(text)
    assert norm.text == "专利包授权，加微信"
    at = norm.text.index("包授权")
    start, end = norm.original_span(at, at + 3)
    assert text[start:end] == "包.授.权"
    assert (
        classifier.normalizer.normalize("价格 3.5 元，见 www.ip.cn").text
        == "价格3.5元，见www.ip.cn"
    )
    assert classifier.normalizer.normalize("已授权.请联系").text == "已授权.请联系"


def test_hit_offsets_point_at_the_original_disguised_text(classifier: Classifier) -> None:
    text = "店铺公告：專 利 包 授 權，加薇信"
    verdict = classifier.classify(text)
    hit = next(h for h in verdict.hits if h.rule == "gg.promise_grant")
    assert text[hit.start : hit.end] == hit.match
    assert hit.match == "包 授 權"


def test_title_offsets_index_title_newline_text(classifier: Classifier) -> None:
    verdict = classifier.classify("正文没有问题", title="实用新型包授权")
    hit = verdict.hits[0]
    combined = "实用新型包授权\n正文没有问题"
    assert combined[hit.start : hit.end] == "包授权"


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("\x00azB专利\u3400\u9fff\u33ff\ua000 1。ü")), max_size=30
    )
)
def test_the_inserted_latin_check_agrees_with_its_pattern(text: str) -> None:
    """The fast check tries the pattern only after each letter that follows a Han character or
    a dropped mark; it must answer as a search of the whole text does."""
    from classifiers.normalize import _LATIN_AFTER_HAN, _latin_after_han

    assert _latin_after_han(text) == bool(_LATIN_AFTER_HAN.search(text))


def test_one_key_character_written_as_its_syllable(classifier: Classifier) -> None:
    """One character of a claim spelled in pinyin beside the other ("bu授权", "tui款",
    "bao下证"); a Latin word that merely holds the letters stays as it is."""
    norm = classifier.normalizer.normalize
    assert norm("专利bu授权全额tui款").text == "专利不授权全额退款"
    assert norm("外观专利 bao 下证").text == "外观专利包下证"
    assert norm("tuition 款项").text == "tuition款项"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="發发號号元萬万处罰罚決决定書书 \n（(1a.", max_size=16))
def test_a_kept_string_of_the_simplified_page_is_in_its_normalized_text(text: str) -> None:
    """The genre patterns read a page simplified, their gates its normalized text
    (``Normalizer.keeps``): a kept string found in the first is always in the second."""
    normalizer = load_default_classifier().normalizer
    simplified = normalizer.simplified(text) or text
    normalized = normalizer.normalize(text).text
    for s in ("发", "元", "万", "处罚", "决定书", "号", "1", "a", "."):
        if normalizer.keeps(s) and s in simplified:
            assert s in normalized, (s, text)


def test_what_normalizing_changes_is_not_kept() -> None:
    normalizer = load_default_classifier().normalizer
    assert normalizer.keeps("处罚决定书")
    assert not normalizer.keeps("(记者")  # a bracket is dropped
    assert not normalizer.keeps("a")  # a Latin letter may be dropped after a Chinese character
    assert not normalizer.keeps("")
