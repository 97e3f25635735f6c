from __future__ import annotations

from lantian.demo import score_flags


def test_score_counts_each_cell_and_ignores_unknown_pages() -> None:
    truth = [
        {"url": "http://h/a", "irregular": True},
        {"url": "http://h/b", "irregular": True},
        {"url": "http://h/c", "irregular": False},
        {"url": "http://h/d", "irregular": False},
    ]
    stored = {
        "http://h/a": True,
        "http://h/b": False,
        "http://h/c": True,
        "http://h/d": False,
        "http://h/list": True,
    }
    score = score_flags(truth, stored)
    assert (
        score.true_positive,
        score.false_negative,
        score.false_positive,
        score.true_negative,
    ) == (1, 1, 1, 1)
    assert score.unknown == 1
    assert score.precision == 0.5 and score.recall == 0.5


def test_no_flags_gives_zero_not_a_division_error() -> None:
    score = score_flags([{"url": "http://h/a", "irregular": True}], {"http://h/a": False})
    assert score.precision == 0.0 and score.recall == 0.0
