"""Compile the classifier's hot modules with mypyc (``make install`` runs this through pip).

The same type-hinted source runs compiled or interpreted: these modules become C
extensions beside their ``.py`` files (the editable install builds them in place;
they are git-ignored), and Python imports an extension before its source.  Without a
build the package runs interpreted with the same verdicts.  ``classifiers/native.py``
refuses to import a compiled module older than its source, so an edit never runs stale.

``LANTIAN_INTERPRETED=1 pip install -e .`` skips the compilation.  The modules that
import pydantic (categories, offices, pack) stay interpreted: mypyc cannot compile them.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

COMPILED = [
    "classifiers/bisection.py",
    "classifiers/cue_patterns.py",
    "classifiers/blocks.py",
    "classifiers/discourse.py",
    "classifiers/engine.py",
    "classifiers/entities.py",
    "classifiers/matching.py",
    "classifiers/negation.py",
    "classifiers/normalize.py",
    "classifiers/occurrences.py",
    "classifiers/reading.py",
    "classifiers/records.py",
    "classifiers/regex_literals.py",
    "classifiers/regex_windows.py",
    "classifiers/segment.py",
    "classifiers/sentences.py",
    "classifiers/verdict.py",
    "classifiers/voice.py",
]


#: pip runs this file for each step of an install; only the build steps compile (mypyc
#: type-checks the whole group each time it is called, some seconds)
BUILD_COMMANDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}
#: pip may build before it installs the dependencies (a fresh venv, an isolated build):
#: their types are then unknown (Any), which the strict settings in pyproject.toml reject.
#: `make typecheck` checks the types with everything installed; the build only compiles.
TOLERATE_MISSING_DEPENDENCIES = [
    "--allow-subclassing-any",
    "--allow-untyped-decorators",
    "--allow-untyped-calls",
    "--no-warn-return-any",
    "--no-warn-unused-ignores",
]


def _extensions() -> list[object]:
    if os.environ.get("LANTIAN_INTERPRETED") == "1" or not BUILD_COMMANDS & set(sys.argv[1:]):
        return []
    from mypyc.build import mypycify

    return list(
        mypycify(
            [*TOLERATE_MISSING_DEPENDENCIES, *COMPILED],
            opt_level="3",
            debug_level="0",
            group_name="classifiers",
        )
    )


setup(ext_modules=_extensions())
