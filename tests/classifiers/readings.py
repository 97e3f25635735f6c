"""What the speaker tests assert of a verdict, and what they print when it fails."""

from __future__ import annotations

from classifiers import Classifier, Verdict


def why(verdict: Verdict) -> list[tuple[str, int | None, str, bool, str]]:
    """Each hit's rule, block, stance, whether it counted and why: a failing assertion's message."""
    return [(h.rule, h.block, h.stance, h.counted, h.why) for h in verdict.hits]


def assert_no_offer(classifier: Classifier, text: str, title: str, fires: str) -> Verdict:
    """The page talks about a practice without offering it: rules fire (``fires`` names which,
    else the test proves nothing) and the verdict is not irregular."""
    verdict = classifier.classify(text, title)
    assert verdict.hits, f"{fires} must fire, or the test proves nothing"
    assert not verdict.irregular, why(verdict)
    return verdict


def paragraphs(lines: list[str]) -> list[dict[str, str]]:
    """A page's blocks from its lines: the first is the title, the others paragraphs."""
    return [
        {"text": line, "kind": "title" if i == 0 else "paragraph"} for i, line in enumerate(lines)
    ]


def assert_blocks_no_offer(
    classifier: Classifier, blocks: list[dict[str, str]], fires: str
) -> Verdict:
    """:func:`assert_no_offer` for a page given as blocks."""
    verdict = classifier.classify_blocks(blocks)
    assert verdict.hits, f"{fires} must fire, or the test proves nothing"
    assert not verdict.irregular, why(verdict)
    return verdict
