"""What a regex needs of a text before it can match: the rule engine skips a regex whose needs a
page lacks, so a needle that some match does not contain would silently lose hits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers import Classifier
from classifiers.regex_literals import gate_open, regex_needs, scanned_gate


def needles(pattern: str, flags: int = 0) -> tuple[str, ...]:
    return regex_needs(re.compile(pattern, flags)).needles


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("包授权", ("包授权",)),
        # the longest certain run wins; an optional character ends a run
        ("专利?包过", ("包过",)),
        ("ab?c", ("a",)),
        # a group that must match is required; an optional one is not
        ("(征集|招募)(发明人|设计人)", ("发明人", "设计人")),
        ("x(?:位置)?名额", ("名额",)),
        # each branch of an alternation needs one of its own needles
        ("征集|招募", ("征集", "招募")),
        ("(征集|招募)[^。]{0,8}发明人", ("发明人",)),
        # a member that contains another is implied by it
        ("(附名|可附名)位", ("附名",)),
        # a small class is its members; a repeat of at least one needs its body
        ("[个件]", ("个", "件")),
        ("\\d+[个件]", ("个", "件")),
        # adjacent literals and small classes make one run of alternatives
        ("(?:第[一二三])+", ("第一", "第三", "第二")),
        ("(^|\n)\\s*[一二]、", ("一、", "二、")),
        ("征集*", ("征",)),
        ("[1-3]号", ("1号", "2号", "3号")),
        # escaped metacharacters are literals
        ("\\.\\d", (".",)),
        ("9\\d(?:\\.\\d+)?%", ("9",)),
        ("\\(记者\\)", ("(记者)",)),
    ],
)
def test_needles(pattern: str, expected: tuple[str, ...]) -> None:
    assert needles(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        "a|b?",  # a branch may match the empty string
        "(?:征集)?",
        "(?:征集)*",
        "[^。]+",  # a negated class
        "[\\u4e00-\\u9fff]{2}",  # a class too wide to list
        "\\d{3,}",
        "\\w+",
        ".",
        "(征集|[^x])",  # one branch needs nothing certain
        "(?i)abc",  # case-insensitive: the text may hold ABC
        "(?i:abc)",
        "x{0,3}",
    ],
)
def test_nothing_certain_is_never_skipped(pattern: str) -> None:
    assert needles(pattern) == ()


def test_global_ignorecase_flag() -> None:
    assert needles("abc", re.IGNORECASE) == ()


@pytest.mark.parametrize(
    ("pattern", "free"),
    [
        ("(征集|招募)[^。]{0,8}发明人", True),
        ("\\d+元(?!年)", False),
        ("(?<=我)们", False),
        ("^什么是", False),
        ("吗\\s*$", False),
        ("\\bqq\\b", False),
        ("(a|(?=b))c", False),
    ],
)
def test_context_free(pattern: str, free: bool) -> None:
    assert regex_needs(re.compile(pattern)).context_free is free


def test_the_rule_packs_regexes_have_needles(classifier: Classifier) -> None:
    """The gate does work on the project's own rules (and stays sound, per the property below)."""

    needs = [n for c in classifier._rules for n in c.regex_needs]
    assert needs and all(n.needles for n in needs)


_ALPHABET = "ab中文"
_ATOMS = ["a", "b", "中", "文", "[ab]", "[^a]", ".", "\\d", "(?:a|中)"]
_CONTEXT = ["^", "$", "\\b", "\\B", "(?=a)", "(?!b)", "(?<=中)", "(?<!a)"]
_atoms = st.sampled_from(_ATOMS)


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        nested = depth < 2 and draw(st.booleans())
        atom = f"(?:{draw(_patterns(depth + 1))})" if nested else draw(_atoms)
        # a group is repeated a bounded number of times: "(?:(?:a|b*)*)*" backtracks
        # exponentially, and one such draw hung the run for minutes
        repeats = ["", "", "?", "{0,2}", "{1,2}"] + ([] if nested else ["*", "+"])
        parts.append(atom + draw(st.sampled_from(repeats)))
    sequence = "".join(parts)
    if draw(st.booleans()):
        sequence = f"(?:{sequence}|{draw(_patterns(depth + 1)) if depth < 2 else draw(_atoms)})"
    return sequence


@settings(max_examples=300, deadline=None)
@given(_patterns(), st.text(alphabet=_ALPHABET, max_size=12))
def test_every_match_contains_a_needle(pattern: str, text: str) -> None:
    found = regex_needs(re.compile(pattern)).needles
    for match in re.finditer(pattern, text):
        if found:
            assert any(n in match.group() for n in found), (pattern, match.group())


@st.composite
def _contextual(draw: st.DrawFn) -> str:
    parts = [draw(st.sampled_from(_ATOMS + _CONTEXT)) for _ in range(draw(st.integers(1, 4)))]
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(
    _contextual(), st.text(alphabet=_ALPHABET, max_size=10), st.integers(0, 10), st.integers(0, 10)
)
def test_context_free_slices_match_no_more_than_the_text(
    pattern: str, text: str, a: int, b: int
) -> None:
    """The engine searches a whole page once and skips the per-anchor slices if it fails."""
    if regex_needs(re.compile(pattern)).context_free and re.search(pattern, text[a:b]):
        assert re.search(pattern, text), (pattern, text, a, b)


@settings(max_examples=300, deadline=None)
@given(_patterns(), st.text(alphabet=_ALPHABET, max_size=12))
def test_every_match_holds_a_member_of_each_required_set(pattern: str, text: str) -> None:
    """The gates (``all_of``): a page lacking every member of one set is never searched."""
    required = regex_needs(re.compile(pattern)).all_of
    for match in re.finditer(pattern, text):
        for choice in required:
            assert any(n in match.group() for n in choice), (pattern, choice, match.group())


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(征集|招募)[^。]{0,8}发明人", (("征集", "招募"), ("发明人",))),
        ("\\d+[个件]", (("个", "件"),)),
        ("征集|招募", (("征集", "招募"),)),
    ],
)
def test_all_of(pattern: str, expected: tuple[tuple[str, ...], ...]) -> None:
    assert regex_needs(re.compile(pattern)).all_of == expected


def test_gate_open() -> None:
    gate = (("征集", "招募"), ("发明人",))
    assert gate_open(gate, {"招募", "发明人", "专利"})
    assert not gate_open(gate, {"招募", "专利"})
    assert gate_open((), set())


def test_scanned_gates_leave_single_characters_to_a_search() -> None:
    """One character is found as fast by a search of the page as by the automaton pass."""
    assert scanned_gate((("个", "件"), ("发明人",), ("征集", "x")), lambda s: True) == (
        ("发明人",),
    )


def test_the_regexes_gates_ride_on_the_rules_scan(classifier: Classifier) -> None:
    """Each gate string is looked for by the one automaton pass, and those no rule or cue names
    are taken out of the occurrences the rest of the engine reads."""
    gates = [g for c in classifier._rules for g in c.regex_gates if g]
    assert gates
    text = "本期可附名位置如下：实用新型专利征集第一发明人，名额有限"
    norm = classifier.normalizer.normalize(text).text
    occ, present = classifier._scan_gated(norm)
    assert present and all(t in norm for t in present)
    assert not set(occ) & classifier._gate_only
