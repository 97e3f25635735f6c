"""The crawl's side of classification: pages batched to a spawned worker, outcomes back on the loop.

The reactor only appends a page to a batch and later resolves its future; the
worker process (:mod:`crawler.classify_worker`) does the classifying and the
segmenting on the second core.  A worker that dies (killed, out of memory, a
crash in a C extension) is reported, a new one is started, and every page it
held is retried alone, one at a time, so a page that kills the worker is found
out; a page on which the worker died twice comes back with an error and no
verdict, and is stored unclassified rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from crawler import classify_worker
from crawler.classify_worker import Job, Outcome, WorkerConfig
from crawler.memory import peak_rss_kb

if TYPE_CHECKING:
    from classifiers import Classifier

logger = logging.getLogger(__name__)

#: solo attempts on which the worker died before a page is given up on
MAX_SOLO_CRASHES = 2
#: workers in a row that die before they are ready (the rules do not load, ...) before giving up
MAX_FAILED_STARTS = 2


@dataclass(slots=True)
class _Pending:
    """A page waiting for its outcome; ``crashes`` counts worker deaths while it was alone."""

    job: Job
    future: asyncio.Future[Outcome]
    crashes: int = 0


_Done = Callable[[Executor, list[_Pending], "Future[list[Outcome]]"], None]


class ClassifyClient:
    """Classifies pages in ``processes`` worker processes or, with 0 (tests, small
    machines), on one thread of this process.

    Pages are sent in batches of up to ``batch_size``, or whatever has come within
    ``batch_wait`` seconds of the first, so the pickling and the round trip are
    paid per batch, not per page.
    """

    def __init__(
        self,
        config: WorkerConfig,
        processes: int = 1,
        batch_size: int = 16,
        batch_wait: float = 0.02,
    ) -> None:
        self.config = config
        self.processes = processes
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.restarts = 0
        self._batch: list[_Pending] = []
        self._timer: asyncio.TimerHandle | None = None
        self._retry: deque[_Pending] = deque()
        self._retrying = False
        self._local: Callable[[list[Job]], list[Outcome]] | None = None
        self._ready: Future[int] | None = None
        self._failed_starts = 0
        self.broken: str | None = None
        """why no worker can start (the rules fail to load, ...): every page then fails at once"""
        self._executor = self._start()

    def _start(self) -> Executor:
        if self.processes <= 0:
            classifier = classify_worker.build(self.config)
            userdict = self.config.search_userdict
            self._local = partial(_run_local, classifier, Path(userdict) if userdict else None)
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantian-classify")
        executor = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=classify_worker.init,
            initargs=(self.config,),
        )
        # the worker loads while the first pages download
        self._ready = executor.submit(peak_rss_kb)
        return executor

    async def classify(self, job: Job) -> Outcome:
        if self.broken is not None:
            return Outcome(None, None, self.broken)
        loop = asyncio.get_running_loop()
        pending = _Pending(job, loop.create_future())
        self._batch.append(pending)
        if len(self._batch) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.batch_wait, self._flush)
        return await pending.future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            self._send(batch, self._done_batch)

    def _send(self, batch: list[_Pending], done: _Done) -> None:
        loop = batch[0].future.get_loop()
        executor = self._executor
        jobs = [p.job for p in batch]
        try:
            if self._local is not None:
                future: Future[list[Outcome]] = executor.submit(self._local, jobs)
            else:
                future = executor.submit(classify_worker.run_batch, jobs)
        except BrokenProcessPool as exc:
            future = Future()
            future.set_exception(exc)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(done, executor, batch, f))

    def _done_batch(
        self, executor: Executor, batch: list[_Pending], future: Future[list[Outcome]]
    ) -> None:
        exc = future.exception()
        if exc is None:
            for pending, outcome in zip(batch, future.result(), strict=True):
                _resolve(pending, outcome)
            return
        if not isinstance(exc, BrokenProcessPool):
            for pending in batch:
                _resolve(pending, Outcome(None, None, f"{type(exc).__name__}: {exc}"))
            return
        self._crashed(executor, exc, len(batch))
        self._retry.extend(batch)  # no page is to blame yet: others were in the workers too
        self._pump()

    def _pump(self) -> None:
        """Retry pages a dead worker held, one at a time: a death now is that page's doing."""
        if self.broken is not None:
            self._fail_all()
            return
        if self._retrying or not self._retry:
            return
        self._retrying = True
        self._send([self._retry.popleft()], self._done_retry)

    def _done_retry(
        self, executor: Executor, batch: list[_Pending], future: Future[list[Outcome]]
    ) -> None:
        self._retrying = False
        (pending,) = batch
        exc = future.exception()
        if isinstance(exc, BrokenProcessPool):
            self._crashed(executor, exc, 1)
            pending.crashes += 1
            if pending.crashes >= MAX_SOLO_CRASHES:
                _resolve(
                    pending,
                    Outcome(
                        None,
                        None,
                        f"the classification worker died {pending.crashes} times on this page",
                    ),
                )
            else:
                self._retry.appendleft(pending)
        elif exc is not None:
            _resolve(pending, Outcome(None, None, f"{type(exc).__name__}: {exc}"))
        else:
            _resolve(pending, future.result()[0])
        self._pump()

    def _crashed(self, executor: Executor, exc: BaseException, held: int) -> None:
        if executor is not self._executor:
            return  # already replaced after the same death
        self.restarts += 1
        executor.shutdown(wait=False, cancel_futures=True)
        ready = self._ready
        if ready is not None and ready.done() and ready.exception() is not None:
            self._failed_starts += 1
        if self._failed_starts >= MAX_FAILED_STARTS:
            self.broken = f"the classification worker cannot start ({exc}); see the log above"
            logger.error("%s: %d page(s) stay unclassified", self.broken, held)
            self._fail_all()
            return
        logger.error(
            "the classification worker process died (%s); starting a new one, "
            "the %d page(s) it held are retried one at a time",
            exc,
            held,
        )
        self._executor = self._start()

    def _fail_all(self) -> None:
        assert self.broken is not None
        for pending in [*self._retry, *self._batch]:
            _resolve(pending, Outcome(None, None, self.broken))
        self._retry.clear()
        self._batch.clear()

    def close(self) -> int:
        """Stop the worker; returns its peak memory in KiB (0 in process)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        peak = 0
        if isinstance(self._executor, ProcessPoolExecutor):
            try:
                peak = self._executor.submit(peak_rss_kb).result(timeout=30)
            except Exception as exc:  # noqa: BLE001 - a figure for the summary, not the crawl's result
                logger.warning("could not read the classification worker's memory: %s", exc)
        self._executor.shutdown(wait=True, cancel_futures=True)
        return peak


def _run_local(classifier: Classifier, userdict: Path | None, jobs: list[Job]) -> list[Outcome]:
    return [classify_worker.run(classifier, userdict, job) for job in jobs]


def _resolve(pending: _Pending, outcome: Outcome) -> None:
    if not pending.future.done():
        pending.future.set_result(outcome)
