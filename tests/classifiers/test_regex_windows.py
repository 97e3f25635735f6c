"""A page-wide regex tried only next to the characters it needs finds what ``finditer`` finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.entities import _WINDOWED
from classifiers.regex_windows import finditer, search, windowed

_PATTERNS = [
    "\\d+\\s*元(?!年)",
    "\\d+(\\.\\d+)?\\s*[万千]\\s*[/每]?\\s*(元|块|年|个)",
    "[（(][一二三]{1,3}[）)]",
    "第[一二三\\d]+条",
    "[〔(]\\s*\\d{2}\\s*[〕)]\\s*\\d+\\s*号",
    "(?<=元)\\d元",
    "(^|\\n)\\s*[一二]、",
    "a*?元",
    "[^元]{0,2}元",
    ".元",
]
_TEXT = st.text(alphabet="12 .元万千年块个(（）)一二三第条号〔〕、\n/每a", max_size=30)


@pytest.mark.parametrize("pattern", _PATTERNS)
def test_the_cue_patterns_can_be_windowed(pattern: str) -> None:
    assert windowed(re.compile(pattern, re.MULTILINE)) is not None


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_PATTERNS), _TEXT)
def test_the_same_matches_as_finditer(pattern: str, text: str) -> None:
    compiled = re.compile(pattern, re.MULTILINE)
    w = windowed(compiled)
    assert w is not None
    expected = [(m.span(), m.group()) for m in compiled.finditer(text)]
    assert [(m.span(), m.group()) for m in finditer(w, text)] == expected


@pytest.mark.parametrize(
    "pattern",
    ["(?i)元", "\\d+", "(?>\\d+)元", "(?=x)", "(?:a|)元"[:0] + "\\w+"],
)
def test_patterns_without_a_plain_needle_are_left_to_finditer(pattern: str) -> None:
    assert windowed(re.compile(pattern)) is None


_CALLS = [
    "(欢迎|赶快)(?:(?!局)[^。！]){0,3}(咨询|联系)(?![^。]{0,2}局)",
    "(咨询|找|加)(在线)?(我们|客服)",
    "需要(?:(?<=[有您]需要)|(?=的))(?:(?!局)[^。]){0,4}(咨询|加)",
    "立即购买|加入购物车",
    "[一二]+、",
]
_CALL_TEXT = st.text(
    alphabet="欢迎赶快咨询联系找加在线我们客服需要有您的局。！购买立即入车一二、", max_size=30
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_CALLS), _CALL_TEXT)
def test_alternations_begin_with_their_first_characters(pattern: str, text: str) -> None:
    compiled = re.compile(pattern)
    w = windowed(compiled)
    assert w is not None
    expected = [(m.span(), m.group()) for m in compiled.finditer(text)]
    assert [(m.span(), m.group()) for m in finditer(w, text)] == expected
    first = compiled.search(text)
    assert (
        (search(w, text) or None) is None
        if first is None
        else search(w, text).span() == first.span()
    )


_ENTITY_TEXT = st.text(
    alphabet="hHtpwWqQ扣企鹅号微信威vVxX加➕+@.a1b2:/ 机构代码证书编股份有限公司事务所工作室：\n",
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(_WINDOWED.items(), key=lambda kv: kv[0].pattern)), _ENTITY_TEXT)
def test_the_entity_patterns_find_what_finditer_finds(item: tuple, text: str) -> None:
    pattern, w = item
    expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
    assert [(m.span(), m.groups()) for m in finditer(w, text)] == expected
