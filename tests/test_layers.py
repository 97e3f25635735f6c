"""The layer order of DESIGN.md holds, and the check that says so can fail.

``make lint`` runs ``lint-imports``; CI runs ``make test``, so these tests run the same
contracts (``[tool.importlinter]`` in pyproject.toml) on the repository, then on a
copy with a deliberate violation planted, to show the contracts are not vacuous.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "sandbox",
    "classifiers",
    "evidence",
    "store",
    "spiders",
    "crawler",
    "campaigns",
    "takedown",
    "api",
    "lantian",
]
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the packages under ``root`` (found there first, not installed ones)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_repository_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "Data moves one way" in result.stdout, "the layer contract was checked"


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("layers")
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.yaml", "*.html", "static"),
        )
    return copy


@pytest.mark.parametrize(
    ("where", "imports", "message"),
    [
        ("store", "lantian.config", "store is not allowed to import lantian"),
        ("spiders", "crawler.runner", "spiders is not allowed to import crawler"),
        ("campaigns", "takedown.recheck", "campaigns is not allowed to import takedown"),
        ("evidence", "scrapy.http", "evidence is not allowed to import scrapy"),
    ],
)
def test_a_planted_violation_breaks_the_contracts(
    repo_copy: Path, where: str, imports: str, message: str
) -> None:
    planted = repo_copy / where / "layer_violation.py"
    planted.write_text(f'"""Planted by tests/test_layers.py."""\n\nimport {imports}  # noqa\n')
    try:
        result = lint_imports(repo_copy)
    finally:
        planted.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert message in result.stdout
    assert f"{where}.layer_violation" in result.stdout
