"""The classifier in a worker process: segmentation, rule scans and search tokens off the crawl's GIL.

Imported by the spawned worker (which shares nothing with the reactor) and, for
its job types, by the crawl process.  The worker loads the rules, jieba's
dictionary (tens of MB the crawl process never holds) and the office's register
of licensed agencies; for each page it returns the verdict and the page's search
index tokens, so the crawl process neither classifies nor segments.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.parent_watch import exit_with_parent

if TYPE_CHECKING:
    from classifiers import Block, Classifier, Verdict

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    rules_dir: str | None
    threshold: float
    database_url: str | None
    search_tokens: bool
    """whether the crawl keeps a search index, whose tokens the worker cuts"""
    search_userdict: str | None


@dataclass(frozen=True, slots=True)
class Job:
    text: str
    title: str
    blocks: list[Block]
    searchable: str | None
    """The listing's searchable text (``store.search.searchable_text``) to segment, if indexed."""


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict | None
    tokens: list[str] | None
    error: str | None = None


_classifier: Classifier | None = None
_userdict: Path | None = None
_register_from: WorkerConfig | None = None
"""set until the register has been read into ``_classifier`` (with the first batch)"""


def licensed_register(database_url: str | None) -> Any:
    """The office's register of licensed agencies, or None while none has been imported.

    With an empty register every company claiming agency work would look
    unlicensed, so the check only runs once ``lantian agencies import`` has filled it.
    """
    if not database_url:
        return None
    from sqlalchemy.orm import Session

    from store import load_registry, make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            registry = load_registry(session)
    finally:
        engine.dispose()
    return registry if registry.agencies else None


def build_rules(config: WorkerConfig) -> Classifier:
    """The configured classifier without the register, jieba's dictionary loaded now (pure
    Python that must not land on the first page that needs a word boundary)."""
    from classifiers import load_default_classifier

    classifier = load_default_classifier(
        rules_dir=Path(config.rules_dir) if config.rules_dir else None,
        threshold=config.threshold,
    )
    classifier.warm_up()
    return classifier


def build(config: WorkerConfig) -> Classifier:
    """The configured classifier with the register."""
    return build_rules(config).with_registry(licensed_register(config.database_url))


def init(config: WorkerConfig) -> None:
    """The worker process's initializer; the worker ends with the crawl, however it dies.

    The register is read with the first batch, not here: ``lantian crawl`` starts the worker
    before it migrates the database, so that the rules and jieba load meanwhile.
    """
    global _classifier, _userdict, _register_from
    from classifiers import freeze_loaded

    exit_with_parent()
    _classifier = build_rules(config)
    freeze_loaded()
    _register_from = config
    _userdict = Path(config.search_userdict) if config.search_userdict else None


def run(classifier: Classifier, userdict: Path | None, job: Job) -> Outcome:
    """One page: its verdict and search tokens; an error is reported, never raised, so one bad
    page cannot fail the pages batched with it."""
    try:
        verdict = classifier.classify(job.text, job.title, job.blocks)
        tokens = None
        if job.searchable is not None:
            from store.search import tokenize_document

            tokens = tokenize_document(job.searchable, userdict)
        return Outcome(verdict, tokens)
    except Exception as exc:  # noqa: BLE001 - reported with the page, the crawl goes on
        logger.exception("classifying a page failed")
        return Outcome(None, None, f"{type(exc).__name__}: {exc}")


def run_batch(jobs: list[Job]) -> list[Outcome]:
    """In the worker: every job of a batch, in order."""
    global _classifier, _register_from
    assert _classifier is not None, "init() was not called in this worker"
    if _register_from is not None:  # a failure fails this batch's pages; the next batch retries
        _classifier = _classifier.with_registry(licensed_register(_register_from.database_url))
        _register_from = None
    return [run(_classifier, _userdict, job) for job in jobs]
