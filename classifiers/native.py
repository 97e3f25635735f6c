"""Which engine runs the classifier: its mypyc-compiled modules or their Python source.

``make install`` compiles the hot modules (the list is ``setup.py``'s ``COMPILED``)
into C extensions beside their ``.py`` files, and Python imports an extension before
its source.  So an edited ``.py`` would silently lose to its old build: :func:`check_fresh`
(run by ``classifiers/__init__.py`` before anything else of the package loads) refuses
to go on when a compiled module is older than its source.  Without a build, nothing
is compiled and the same source runs interpreted with the same verdicts.

``LANTIAN_INTERPRETED=1`` in the environment runs the source even where a build exists
(:func:`prefer_source`): for profilers that read Python frames, for patching internals
while debugging, and for the test that compares both engines' verdicts.

This module itself is never compiled: it must run before any compiled module loads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import find_spec, spec_from_file_location
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
SHARED_LIBRARY = "classifiers__mypyc"  # mypyc's runtime for the group (setup.py's group_name)
REBUILD = "run `make install` to rebuild (or delete classifiers/*.so to run interpreted)"


class StaleBuildError(ImportError):
    """A compiled module is older than its source: it would run code that is no longer there."""


def compiled_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Module name -> its compiled extension, for each module of the package built beside its source."""
    found: dict[str, Path] = {}
    for path in package_dir.iterdir():
        for suffix in EXTENSION_SUFFIXES:
            name = path.name.removesuffix(suffix)
            if name != path.name and (package_dir / f"{name}.py").is_file():
                found[name] = path
                break
    return found


def check_fresh(package_dir: Path = PACKAGE_DIR) -> None:
    """Raise :class:`StaleBuildError` if a compiled module is older than its ``.py``, or its
    shared library cannot be found (an install without the compilation since the build)."""
    built = compiled_modules(package_dir)
    if built and find_spec(SHARED_LIBRARY) is None:
        raise StaleBuildError(
            f"classifiers/ holds compiled modules but not their library {SHARED_LIBRARY} (installed "
            "without compiling since): run `.venv/bin/pip install --no-deps -e .` to rebuild "
            "(or delete classifiers/*.so to run interpreted)"
        )
    for name, extension in sorted(built.items()):
        source = package_dir / f"{name}.py"
        if source.stat().st_mtime > extension.stat().st_mtime:
            raise StaleBuildError(
                f"classifiers/{name}.py changed after it was compiled "
                f"({extension.name} is older than its source): {REBUILD}"
            )


class _SourceFirst(MetaPathFinder):
    """Finds ``classifiers.<name>`` at its ``.py``, ahead of the extension beside it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        source = PACKAGE_DIR / f"{name}.py"
        if package != "classifiers" or not source.is_file():
            return None
        return spec_from_file_location(fullname, source)


def prefer_source() -> None:
    """Import the package's modules from source from now on, compiled build or not."""
    if not any(isinstance(finder, _SourceFirst) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst())


def guard() -> None:
    """What ``classifiers/__init__.py`` runs first: the source if asked for, else a fresh build."""
    if os.environ.get("LANTIAN_INTERPRETED") == "1":
        prefer_source()
    else:
        check_fresh()


def engine() -> str:
    """``compiled`` when the classifier's engine module loaded from its C extension, else
    ``interpreted``."""
    from classifiers import engine as module

    loaded = module.__file__ or ""
    return "compiled" if loaded.endswith(tuple(EXTENSION_SUFFIXES)) else "interpreted"
