"""The jieba dictionary loaded from jieba's own cache in one read: the same tokenizer jieba builds."""

from __future__ import annotations

import logging
import marshal
from pathlib import Path

import jieba
import pytest

from classifiers.segment import _load_cache

TEXT = "代理专利申请包授权，评职称挂靠，专利加急下证找我们，保证授权不成功退款"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> jieba.Tokenizer:
    """jieba's own initialize, its cache built in a folder of the test's own."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path_factory.mktemp("jieba"))
    tok.initialize()
    assert (Path(tok.tmp_dir) / "jieba.cache").is_file()
    return tok


def test_the_cache_gives_the_tokenizer_jieba_builds(reference: jieba.Tokenizer) -> None:
    tok = jieba.Tokenizer()
    tok.tmp_dir = reference.tmp_dir
    assert _load_cache(tok) and tok.initialized
    assert tok.FREQ == reference.FREQ and tok.total == reference.total
    assert list(tok.cut(TEXT)) == list(reference.cut(TEXT))
    assert list(tok.cut_for_search(TEXT)) == list(reference.cut_for_search(TEXT))


def test_no_cache_a_broken_one_or_another_dictionary_leave_it_to_jieba(tmp_path: Path) -> None:
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path)
    assert not _load_cache(tok) and not tok.initialized
    (tmp_path / "jieba.cache").write_bytes(marshal.dumps({"专利": 3})[:5])
    assert not _load_cache(tok) and not tok.initialized
    other = tmp_path / "dict.txt"
    other.write_text("专利 3 n\n", encoding="utf-8")
    assert not _load_cache(jieba.Tokenizer(str(other)))
