"""The compiled classifier (mypyc, built by ``make install``) against its source: a stale
build is refused, and both engines give the same verdicts."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from commands import run_command

from classifiers import Classifier, line_blocks, native
from classifiers.native import PACKAGE_DIR, StaleBuildError, check_fresh, engine
from sandbox.corpus import listing_pages

ROOT = PACKAGE_DIR.parent
SUFFIX = EXTENSION_SUFFIXES[0]


def _older_than(path: Path, source: Path) -> None:
    """Back-date ``path`` to a minute before ``source`` was last written."""
    then = source.stat().st_mtime - 60
    os.utime(path, (then, then))


def test_a_compiled_module_older_than_its_source_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(native, "find_spec", lambda name: object())  # the library is there
    (tmp_path / "engine.py").write_text("x = 1\n", encoding="utf-8")
    built = tmp_path / f"engine{SUFFIX}"
    built.write_bytes(b"")
    (tmp_path / f"orphan{SUFFIX}").write_bytes(b"")  # no source beside it: not ours to judge
    check_fresh(tmp_path)
    _older_than(built, tmp_path / "engine.py")
    with pytest.raises(StaleBuildError, match=r"classifiers/engine\.py .*make install"):
        check_fresh(tmp_path)


def test_compiled_modules_without_their_library_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install without the compilation drops mypyc's library; its modules stay behind."""
    (tmp_path / "engine.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / f"engine{SUFFIX}").write_bytes(b"")
    monkeypatch.setattr(native, "find_spec", lambda name: None)
    with pytest.raises(
        StaleBuildError, match=r"not their library classifiers__mypyc.*pip install --no-deps -e \."
    ):
        check_fresh(tmp_path)


def test_importing_the_package_with_a_stale_build_fails_loudly(tmp_path: Path) -> None:
    """A copy of the package whose ``engine`` build predates its source will not import,
    and says which module and what to run; the stale file is never loaded."""
    copy = tmp_path / "classifiers"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    stale = copy / f"engine{SUFFIX}"
    stale.write_bytes(b"not a shared object")
    (tmp_path / f"classifiers__mypyc{SUFFIX}").write_bytes(b"found, never loaded")
    _older_than(stale, copy / "engine.py")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("LANTIAN_INTERPRETED", None)
    proc = run_command(
        [sys.executable, "-c", "import classifiers"], cwd=tmp_path, env=env, timeout=60
    )
    assert proc.returncode != 0
    assert "StaleBuildError: classifiers/engine.py changed after it was compiled" in proc.stderr
    assert "make install" in proc.stderr


_VERDICTS = """
import json, sys
from classifiers import load_default_classifier
from classifiers.native import engine
from sandbox.corpus import listing_pages
c = load_default_classifier()
rows = listing_pages(0.3, seed=11)
print(json.dumps([engine(), [c.classify(r["text"], r["title"]).to_dict() for r in rows]]))
"""


def test_the_interpreted_engine_gives_the_compiled_verdicts(classifier: Classifier) -> None:
    """``LANTIAN_INTERPRETED=1`` runs the source; its verdicts equal this process's engine's
    (compiled after ``make install``; without a build both run the source)."""
    env = {**os.environ, "LANTIAN_INTERPRETED": "1"}
    proc = run_command([sys.executable, "-c", _VERDICTS], cwd=ROOT, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    other_engine, verdicts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert other_engine == "interpreted"
    print(f"this process runs the {engine()} engine")
    rows = listing_pages(0.3, seed=11)
    mine = [classifier.classify(r["text"], r["title"]).to_dict() for r in rows]
    assert sum(v["irregular"] for v in mine) > 10, "the corpus must make the rules work"
    assert mine == verdicts


def test_the_makefile_rebuilds_on_every_compiled_source() -> None:
    """The Makefile reads setup.py's COMPILED with sed (one quoted path a line): a list written
    any other way would leave an edited module stale until the import guard refuses it."""
    import ast
    import re

    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assign = next(
        node
        for node in ast.parse(setup).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED"
    )
    compiled = ast.literal_eval(assign.value)
    read_by_make = re.findall(r'^ *"(classifiers/[a-z_]*\.py)",$', setup, re.MULTILINE)
    assert read_by_make == compiled and len(compiled) > 5
    assert "sed -n 's/^ *\"\\(classifiers\\/[a-z_]*\\.py\\)\",$$/\\1/p' setup.py" in (
        ROOT / "Makefile"
    ).read_text(encoding="utf-8")
    assert all((ROOT / path).is_file() for path in compiled)


def test_a_verdict_and_its_blocks_survive_the_trip_to_a_worker_process(
    classifier: Classifier,
) -> None:
    """The crawl's classify worker gets pages' blocks and sends verdicts back pickled: a
    compiled class with its own ``__init__`` that is not marked serializable fails to
    unpickle, and the worker dies on every page."""
    blocks = line_blocks("专利服务\n实用新型包授权，不授权全额退款，加微信13800138000详聊。")
    verdict = classifier.classify("实用新型包授权，不授权全额退款，加微信13800138000详聊。", "专利")
    assert verdict.hits and verdict.entities, "the trip must carry hits and entities"
    assert pickle.loads(pickle.dumps(verdict)) == verdict
    assert pickle.loads(pickle.dumps(blocks)) == blocks
