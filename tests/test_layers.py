"""The layer order of DESIGN.md and the packages' public surfaces hold, and the checks can fail.

``make lint`` runs ``lint-imports``; CI runs ``make test``, so these tests run the same
contracts (``[tool.importlinter]`` in pyproject.toml) on the repository, then on a
copy with a deliberate violation planted, to show the contracts are not vacuous.  The
public-surface contract is ``scripts/import_contracts.py``; the tests below it check that
each package's ``__init__`` keeps what it declares and loads its heavy parts late.
"""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
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
    assert "through the front door" in result.stdout, "the public-surface contract was checked"


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("layers")
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "import_contracts.py", copy / "scripts" / "import_contracts.py")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.yaml", "*.html", "static"),
        )
    return copy


def lint_with(copy: Path, planted: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the contracts on ``copy`` with these files planted (removed again afterwards)."""
    paths = [copy / name for name in planted]
    try:
        for path, text in zip(paths, planted.values(), strict=True):
            path.write_text(f'"""Planted by tests/test_layers.py."""\n\n{text}')
        return lint_imports(copy)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


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
    result = lint_with(repo_copy, {f"{where}/layer_violation.py": f"import {imports}  # noqa\n"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert message in result.stdout
    assert f"{where}.layer_violation" in result.stdout


@pytest.mark.parametrize(
    ("where", "imports", "reached"),
    [
        # a private module of a package that re-exports the name: go through the package
        ("api", "from store.models import Listing", "store.models"),
        # a subpackage's private module, though the subpackage itself is public
        ("lantian", "from store.search.fts import FtsBackend", "store.search.fts"),
        # a private module named as an attribute of its package
        ("takedown", "from evidence import vault", "evidence.vault"),
    ],
)
def test_reaching_into_a_private_module_breaks_the_public_surface(
    repo_copy: Path, where: str, imports: str, reached: str
) -> None:
    result = lint_with(repo_copy, {f"{where}/surface_violation.py": f"{imports}  # noqa\n"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"- {where}.surface_violation reaches into {reached} (l.3)" in result.stdout
    assert "Data moves one way" in result.stdout and "KEPT" in result.stdout


def test_a_public_module_that_does_not_exist_breaks_the_public_surface(repo_copy: Path) -> None:
    init = repo_copy / "store" / "__init__.py"
    kept = init.read_text()
    declared = '__public_modules__ = ("audit", "permissions", "search")'
    assert declared in kept
    init.write_text(kept.replace(declared, declared.replace('"search"', '"search", "gone"')))
    try:
        result = lint_imports(repo_copy)
    finally:
        init.write_text(kept)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "store.gone is declared public but does not exist" in result.stdout


def _lazy_surface(package: str) -> tuple[set[str], set[str]]:
    """The names an ``__init__`` imports under TYPE_CHECKING, and the keys of its ``_LAZY``."""
    tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
    typed: set[str] = set()
    lazy: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                typed |= {alias.asname or alias.name for alias in imp.names}
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "_LAZY":
            lazy = set(ast.literal_eval(node.value))
    return typed, lazy


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_exports_what_it_declares(package: str) -> None:
    """Every ``__all__`` name resolves, and what loads late is typed (mypy sees the imports)."""
    module = importlib.import_module(package)
    for name in getattr(module, "__all__", ()):
        assert getattr(module, name) is not None, f"{package}.{name}"
    typed, lazy = _lazy_surface(package)
    assert typed == lazy, f"{package}: TYPE_CHECKING imports and _LAZY differ: {typed ^ lazy}"
    assert lazy <= set(getattr(module, "__all__", ())), f"{package}: lazy names not in __all__"
    for name in getattr(module, "__public_modules__", ()):
        importlib.import_module(f"{package}.{name}")


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("import crawler, campaigns, store, api", ("scrapy", "twisted", "fastapi", "sqlalchemy")),
        ("import classifiers", ("sqlalchemy", "playwright", "scrapy", "jieba", "fastapi")),
        ("import api.app", ("scrapy", "twisted", "scrapy_playwright")),
        ("from crawler import DEFAULT_MAX_PENDING", ("scrapy", "twisted")),
    ],
)
def test_front_doors_load_their_heavy_parts_late(statement: str, absent: tuple[str, ...]) -> None:
    """Re-exporting through ``__init__`` must not drag the crawl's stack into the API or CLI."""
    probe = f"import sys; {statement}; print(' '.join(m for m in {absent!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{statement} loaded {result.stdout.strip()}"


def test_a_planted_import_circle_breaks_the_contracts(repo_copy: Path) -> None:
    """Two sibling modules that import each other (even inside a function) are a circle."""
    result = lint_with(
        repo_copy,
        {
            "store/circle_a.py": "from store import circle_b  # noqa\n",
            "store/circle_b.py": "\n\ndef f() -> None:\n    from store import circle_a  # noqa\n",
        },
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "No cycles are allowed in store" in result.stdout


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan, iterative)."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    edges = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n in set(modules))
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_no_module_imports_itself_back() -> None:
    """Also across a package and its own modules (``classifiers`` and ``classifiers.jsonl``),
    which the sibling contract does not see."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert _circles(graph) == []
    graph.add_import(importer="store.models", imported="store")  # what a planted circle looks like
    graph.add_import(importer="store", imported="store.models")
    assert any({"store", "store.models"} <= set(group) for group in _circles(graph))
