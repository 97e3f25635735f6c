"""Small modules with one job: no function over 80 lines, no module over 500 (tests and
migrations aside; the packages and ``scripts/``).  The few that are still over are named here with the reason, so the
list can only shrink: a new long function or module fails, and so does a stale entry."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
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
    "scripts",
)
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500

LONG_FUNCTIONS: set[str] = set()
LONG_MODULES = {
    "sandbox/vocab.py": "data: the sandbox's word lists",
    "sandbox/generate.py": "data-driven world generator (tables of listing templates)",
}


def _sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    return found


def _long_modules() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in _sources():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_MODULE_LINES:
            found[str(path.relative_to(ROOT))] = lines
    return found


def test_no_new_long_function() -> None:
    found = _long_functions()
    new = {name: n for name, n in found.items() if name not in LONG_FUNCTIONS}
    assert not new, f"functions over {MAX_FUNCTION_LINES} lines: {new}"
    stale = LONG_FUNCTIONS - set(found)
    assert not stale, f"now short enough, remove from LONG_FUNCTIONS: {sorted(stale)}"


def test_no_new_long_module() -> None:
    found = _long_modules()
    new = {name: n for name, n in found.items() if name not in LONG_MODULES}
    assert not new, f"modules over {MAX_MODULE_LINES} lines: {new}"
    stale = set(LONG_MODULES) - set(found)
    assert not stale, f"now short enough, remove from LONG_MODULES: {sorted(stale)}"
