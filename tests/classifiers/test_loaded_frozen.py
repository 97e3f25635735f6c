"""The garbage collector's freeze is for classifying only, never left on a longer process."""

from __future__ import annotations

import gc

from classifiers import loaded_frozen


def test_what_is_loaded_is_frozen_for_the_block_only() -> None:
    kept = [object() for _ in range(100)]
    with loaded_frozen():
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


def test_the_freeze_is_undone_when_the_block_fails() -> None:
    try:
        with loaded_frozen():
            raise BrokenPipeError
    except BrokenPipeError:
        pass
    assert gc.get_freeze_count() == 0
