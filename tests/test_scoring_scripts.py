"""The scoring scripts of tests/data/README.md: they read labelled rows, score them and exit 2
on a malformed file, naming the file and the line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HANDSET = ROOT / "scripts" / "handset.py"
REALSET = ROOT / "scripts" / "realset.py"
#: the hand-written file nobody has read (handset.UNSEEN); every other unseen-pages file is spent
UNSEEN = "unseen-pages9.jsonl"
SPENT = sorted(
    p.name for p in (ROOT / "tests" / "data").glob("unseen-pages*.jsonl") if p.name != UNSEEN
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_handset_scores_pages_and_threads(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "title": "实用新型包授权",
            "text": "不授权全额退款，加微信咨询。",
            "irregular": True,
            "tier": "offer",
            "categories": ["guaranteed_grant"],
        },
        {
            "id": "b",
            "title": "天气",
            "text": "明天多云转晴。",
            "irregular": False,
            "tier": "none",
            "categories": [],
        },
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = _run(str(HANDSET), str(path), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)[0]["all"]
    assert figures["pages"] == 2
    assert figures["flag"]["tp"] + figures["flag"]["fn"] == 1
    assert figures["flag"]["fp"] == 0


def test_handset_refuses_to_list_the_errors_of_an_unseen_file() -> None:
    name = UNSEEN
    result = _run(str(HANDSET), str(ROOT / "tests" / "data" / name), "--errors")
    assert result.returncode != 0
    assert "refused" in result.stderr and name in result.stderr


def test_handset_errors_on_the_default_files_leave_the_unseen_file_out() -> None:
    result = _run(str(HANDSET), "--errors")
    assert result.returncode == 0, result.stderr
    assert SPENT[-1] in result.stdout and UNSEEN not in result.stdout


@pytest.mark.parametrize("name", SPENT)
def test_handset_lists_the_errors_of_a_spent_unseen_file(name: str) -> None:
    """All were read for later rounds' fixes (unseen-pages5 and 6 in the 12th round): dev data now."""
    result = _run(str(HANDSET), str(ROOT / "tests" / "data" / name), "--errors")
    assert result.returncode == 0, result.stderr


def test_a_malformed_file_is_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"tier": "offer", "text": "x"}\n{"tier": "maybe"}\n', encoding="utf-8")
    handset = _run(str(HANDSET), str(bad))
    assert handset.returncode == 2
    assert f"{bad}:2" in handset.stderr
    realset = _run(str(REALSET), "--cache", str(bad))
    assert realset.returncode == 2
    assert f"{bad}:1" in realset.stderr
