"""A page-wide regex tried only next to the characters it needs finds what ``finditer`` finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.regex_windows import finditer, windowed

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
    ["ab|元", "(?i)元", "(?:元)+", "\\d+", "(?>\\d+)元", "(?=x)"],
)
def test_patterns_without_a_plain_needle_are_left_to_finditer(pattern: str) -> None:
    assert windowed(re.compile(pattern)) is None
