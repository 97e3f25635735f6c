"""The quotation checks that find their marks with sre agree with the step-per-character reading
they replaced, on any text of quotation marks, sentence ends and words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
