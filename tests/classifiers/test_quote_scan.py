"""The quotation checks that find their marks with sre agree with the step-per-character reading
they replaced, on any text of quotation marks, sentence ends and words."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.negation import Negation, opening_mark
from classifiers.voice import in_quotes

_OPEN = "“「『\"‘《【'"
_CLOSE = "”」』\"’》】'"


def in_quotes_by_steps(original: str, start: int, end: int, reach: int = 40) -> bool:
    """voice.in_quotes as it was written before (one character at a time)."""
    i = start - 1
    while i >= max(0, start - reach):
        ch = original[i]
        if ch in _OPEN:
            break
        if (ch in _CLOSE and ch not in _OPEN) or ch in "。！？!?\n":
            return False
        i -= 1
    else:
        return False
    j = end
    while j < min(len(original), end + reach):
        ch = original[j]
        if ch in _CLOSE:
            return True
        if ch in "。！？!?" and original[j + 1 : j + 2] in tuple(_CLOSE):
            return True
        if (ch in _OPEN and ch not in _CLOSE) or ch in "。！？!?\n":
            return False
        j += 1
    return False


_TEXT = st.text(alphabet=_OPEN + _CLOSE + "。！？!?\n，包授权ab ", max_size=120)


@settings(max_examples=3000, deadline=None)
@given(_TEXT, st.data())
def test_in_quotes_agrees_with_the_character_steps(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    reach = data.draw(st.sampled_from([40, 3, 1, 0]))
    assert in_quotes(text, start, end, reach) == in_quotes_by_steps(text, start, end, reach)


def test_in_quotes_reads_marks_on_either_side() -> None:
    assert in_quotes("他说“包授权”", 3, 6)
    assert in_quotes("他说“包授权。”", 3, 6)
    assert not in_quotes("他说“包授权。", 3, 6)
    assert not in_quotes("“他说。包授权”", 4, 7)


_NEG_OPEN = '“「『"'
_NEG_CLOSE = '”」』"'
_LAST_MARK = re.compile("(?s:.*)[" + re.escape(_NEG_OPEN + _NEG_CLOSE + "。！？!?\n") + "]")


def quoting_mark_by_sre(original: str, o_start: int) -> int:
    """Where Negation.quoted_by found its opening mark when it searched with sre (-1: none)."""
    last = _LAST_MARK.match(original, max(0, o_start - 40), o_start)
    if last is None or original[last.end() - 1] not in _NEG_OPEN:
        return -1
    return last.end() - 1


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_NEG_OPEN + _NEG_CLOSE + "。！？!?\n信了说包授权 ", max_size=90), st.data())
def test_opening_mark_is_the_one_sre_found(text: str, data: st.DataObject) -> None:
    o_start = data.draw(st.integers(-2, len(text) + 2))
    assert opening_mark(text, o_start) == quoting_mark_by_sre(text, o_start)


def test_quoted_by_reads_the_verb_before_the_opening_mark() -> None:
    negation = Negation.of(["不"], [], [], [], ["信了"])
    assert negation.quoted_by("他信了“不授权全退”", 4) == "信了"
    assert negation.quoted_by("他信了。不授权全退", 4) == ""
