"""Find irregular IP-agency solicitation in text and say why.

Public surface: :func:`classify`, :func:`load_default_classifier`,
:class:`Classifier`, :class:`RulePack`, :class:`Verdict`, :class:`Hit`,
:class:`Entity`, the registers (offices, licensed agencies), the categories, the
evaluation tools (all in ``__all__``; the tools and registers load on first use) and
``classifiers.bench``.  Everything else is internal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from classifiers.native import guard

guard()  # before any compiled module loads: a stale build must not shadow edited source

from classifiers.default import (  # noqa: E402
    classify,
    freeze_loaded,
    load_default_classifier,
    loaded_frozen,
)
from classifiers.engine import Classifier, build_classifier  # noqa: E402
from classifiers.pack import RulePack, RulePackError  # noqa: E402
from classifiers.verdict import Entity, Hit, Verdict  # noqa: E402

__public_modules__ = ("bench", "native")


if TYPE_CHECKING:
    from classifiers.blocks import Block, line_blocks
    from classifiers.categories import (
        DEFAULT_RULES_DIR,
        CategoryError,
        citation_status,
        load_categories,
        load_general_grounds,
    )
    from classifiers.entities import contact_keys
    from classifiers.evaluate import DatasetError, Report, read_examples
    from classifiers.evaluate import evaluate as evaluate_examples
    from classifiers.examples import lint as lint_examples
    from classifiers.examples import run_examples
    from classifiers.jsonl import classify_lines, dump_record
    from classifiers.licensed import (
        AgencyRecord,
        AgentRecord,
        LicensedCsvError,
        LicensedRegistry,
        read_register_csv,
    )
    from classifiers.offices import (
        SOURCE_LABELS,
        Office,
        OfficeChoice,
        OfficeDirectory,
        OfficeError,
        derive_office,
        load_directory,
        read_directory,
    )
    from classifiers.register_status import RegisterStatus, check_actor
    from classifiers.rulefiles import load_packs
    from classifiers.segment import tokenizer
    from classifiers.stream import (
        MAX_WORKERS,
        SMALL_INPUT_BYTES,
        StreamRun,
        WorkerFailed,
        classify_stream,
        default_workers,
    )

_LAZY = {
    "Block": "classifiers.blocks",
    "line_blocks": "classifiers.blocks",
    "CategoryError": "classifiers.categories",
    "DEFAULT_RULES_DIR": "classifiers.categories",
    "citation_status": "classifiers.categories",
    "load_categories": "classifiers.categories",
    "load_general_grounds": "classifiers.categories",
    "contact_keys": "classifiers.entities",
    "DatasetError": "classifiers.evaluate",
    "Report": "classifiers.evaluate",
    "evaluate_examples": "classifiers.evaluate:evaluate",
    "read_examples": "classifiers.evaluate",
    "run_examples": "classifiers.examples",
    "lint_examples": "classifiers.examples:lint",
    "classify_lines": "classifiers.jsonl",
    "dump_record": "classifiers.jsonl",
    "AgencyRecord": "classifiers.licensed",
    "AgentRecord": "classifiers.licensed",
    "LicensedCsvError": "classifiers.licensed",
    "LicensedRegistry": "classifiers.licensed",
    "read_register_csv": "classifiers.licensed",
    "Office": "classifiers.offices",
    "OfficeChoice": "classifiers.offices",
    "OfficeDirectory": "classifiers.offices",
    "OfficeError": "classifiers.offices",
    "SOURCE_LABELS": "classifiers.offices",
    "derive_office": "classifiers.offices",
    "load_directory": "classifiers.offices",
    "read_directory": "classifiers.offices",
    "RegisterStatus": "classifiers.register_status",
    "check_actor": "classifiers.register_status",
    "load_packs": "classifiers.rulefiles",
    "tokenizer": "classifiers.segment",
    "MAX_WORKERS": "classifiers.stream",
    "SMALL_INPUT_BYTES": "classifiers.stream",
    "StreamRun": "classifiers.stream",
    "WorkerFailed": "classifiers.stream",
    "classify_stream": "classifiers.stream",
    "default_workers": "classifiers.stream",
}


def __getattr__(name: str) -> Any:
    """Tools and registers load on first use, so the crawl's classify worker stays light."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'classifiers' has no attribute {name!r}")


__all__ = [
    "AgencyRecord",
    "AgentRecord",
    "Block",
    "CategoryError",
    "Classifier",
    "DEFAULT_RULES_DIR",
    "DatasetError",
    "Entity",
    "Hit",
    "LicensedCsvError",
    "LicensedRegistry",
    "MAX_WORKERS",
    "Office",
    "OfficeChoice",
    "OfficeDirectory",
    "OfficeError",
    "RegisterStatus",
    "Report",
    "RulePack",
    "RulePackError",
    "SMALL_INPUT_BYTES",
    "SOURCE_LABELS",
    "StreamRun",
    "Verdict",
    "WorkerFailed",
    "build_classifier",
    "check_actor",
    "citation_status",
    "classify",
    "classify_lines",
    "classify_stream",
    "contact_keys",
    "default_workers",
    "derive_office",
    "dump_record",
    "evaluate_examples",
    "freeze_loaded",
    "line_blocks",
    "lint_examples",
    "load_categories",
    "load_default_classifier",
    "load_directory",
    "load_general_grounds",
    "load_packs",
    "loaded_frozen",
    "read_directory",
    "read_examples",
    "read_register_csv",
    "run_examples",
    "tokenizer",
]
