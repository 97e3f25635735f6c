"""A JSON Lines byte stream classified into a byte sink, here or over worker processes.

``lantian classify`` and the wall-clock arms of ``lantian bench classify`` both go through
:func:`classify_stream`, so the bench times the command's own path.  One worker is the
in-process loop of :func:`classifiers.jsonl.classify_lines`.  With more, the input is cut
into chunks of whole lines (about :data:`CHUNK_BYTES` each) that worker processes classify
and return as output bytes; the parent only reads, counts line breaks and writes, in input
order, so the output is byte for byte that of one worker.

Workers are forked after the rules are loaded where the platform can fork (they share the
compiled rules and jieba's dictionary copy-on-write and start in milliseconds); elsewhere
each loads the classifier itself.  At most :data:`IN_FLIGHT_PER_WORKER` chunks per worker
are out at once, so memory stays flat however large the file.  An input that ends within
:data:`SMALL_INPUT_BYTES` is classified in this process: forking cannot repay itself there.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import BinaryIO

from classifiers.default import freeze_loaded, load_default_classifier
from classifiers.engine import Classifier
from classifiers.jsonl import classify_lines, dump_record

#: input bytes per chunk: about 35 ms of classifying at 3.5 MB/s, long enough that passing
#: a chunk and its output (some five times its size) between processes is noise
CHUNK_BYTES = 128 * 1024
#: an input shorter than this is classified in this process whatever ``workers`` says
SMALL_INPUT_BYTES = 1_000_000
#: chunks handed out per worker and not yet written: one being classified, one waiting
IN_FLIGHT_PER_WORKER = 2
MAX_WORKERS = 8
#: how often the parent, waiting for output, checks that its workers are alive (seconds)
_POLL_S = 0.2

_STARTED, _DONE, _FAILED = 0, 1, 2
Write = Callable[[bytes], object]


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_workers() -> int:
    """One worker per usable CPU, at most :data:`MAX_WORKERS`."""
    return max(1, min(MAX_WORKERS, usable_cpus()))


class WorkerFailed(RuntimeError):
    """A worker process died or raised while classifying the chunk from line ``first_line``.

    The output holds every line before the failed chunk's (those already written stay
    written); nothing from that chunk on.
    """

    def __init__(self, first_line: int, what: str) -> None:
        super().__init__(
            f"a worker process {what} classifying the chunk from input line {first_line}; "
            f"the output is complete up to line {first_line - 1}"
        )
        self.first_line = first_line


@dataclass(frozen=True, slots=True)
class StreamRun:
    """What :func:`classify_stream` did: the worker processes it ran (0: it stayed in this
    process) and the input lines it classified."""

    processes: int
    lines: int


def classify_stream(
    classifier: Classifier,
    source: BinaryIO,
    write: Write,
    workers: int = 1,
    *,
    flush: Callable[[], object] | None = None,
    small_input_bytes: int = SMALL_INPUT_BYTES,
    chunk_bytes: int = CHUNK_BYTES,
) -> StreamRun:
    """Classify the JSON Lines of ``source`` and ``write`` one output line per input line.

    ``flush``, when given, is called after each line of the in-process path (a person
    typing lines wants each answer at once).  Raises :class:`WorkerFailed` when a worker
    dies; a ``KeyboardInterrupt`` or an error from ``write`` (a closed pipe) stops the
    workers before it propagates.
    """
    if workers <= 1:
        return StreamRun(0, _in_process(classifier, source, write, flush))
    chunks = _chunks(source, chunk_bytes)
    head: list[tuple[int, bytes]] = []
    held = 0
    for chunk in chunks:
        head.append(chunk)
        held += len(chunk[1])
        if held >= small_input_bytes:
            break
    else:
        small = io.BytesIO(b"".join(data for _, data in head))
        return StreamRun(0, _in_process(classifier, small, write, flush))
    lines = _pool(classifier, _chain(head, chunks), write, workers)
    return StreamRun(workers, lines)


def _in_process(
    classifier: Classifier, source: BinaryIO, write: Write, flush: Callable[[], object] | None
) -> int:
    count = 0
    for record in classify_lines(classifier, source):
        write(dump_record(record) + b"\n")
        count += 1
        if flush is not None:
            flush()
    return count


def _chain(
    head: list[tuple[int, bytes]], rest: Iterator[tuple[int, bytes]]
) -> Iterator[tuple[int, bytes]]:
    yield from head
    head.clear()
    yield from rest


def _chunks(source: BinaryIO, size: int) -> Iterator[tuple[int, bytes]]:
    """``(number of its first line, bytes)`` for runs of whole lines of about ``size`` bytes.

    Lines end at ``\\n`` only, as when a binary file is iterated; the last may lack one.
    A line longer than ``size`` makes one chunk longer than ``size``.
    """
    first = 1
    parts: list[bytes] = []
    held = 0
    while True:
        block = source.read(size)
        if block:
            parts.append(block)
            held += len(block)
            if held < size:
                continue
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                continue  # the newest block is inside one long line: read on to its end
            data = b"".join(parts)
            cut += len(data) - len(block)
            chunk, rest = data[:cut], data[cut:]
            parts = [rest] if rest else []
            held = len(rest)
        elif parts:
            chunk = b"".join(parts)
            parts = []
        else:
            return
        yield first, chunk
        first += chunk.count(b"\n") + (not chunk.endswith(b"\n"))


def _chunk_lines(chunk: bytes) -> list[bytes]:
    lines = chunk.split(b"\n")
    if chunk.endswith(b"\n"):
        lines.pop()
    return lines


def _classify_chunk(classifier: Classifier, first: int, chunk: bytes) -> bytes:
    return b"".join(
        dump_record(record) + b"\n"
        for record in classify_lines(classifier, _chunk_lines(chunk), first)
    )


Task = tuple[int, int, bytes] | None  # (sequence number, first line, chunk); None: stop
Result = tuple[int, int, object]  # (_STARTED | _DONE | _FAILED, sequence number, payload)


def _worker_main(
    tasks: Queue[Task],
    results: Queue[Result],
    classifier: Classifier | None,
    rules_dir: Path | None,
    threshold: float,
) -> None:
    """A worker's life: classify chunks until told to stop.

    Ctrl-C reaches the whole process group; the parent alone decides what it means, so a
    worker ignores it rather than die with a traceback of its own.  A forked worker has the
    parent's classifier already; a spawned one loads it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if classifier is None:
        classifier = load_default_classifier(rules_dir, threshold)
        classifier.warm_up()
    freeze_loaded()
    pid = os.getpid()
    while (task := tasks.get()) is not None:
        number, first, chunk = task
        results.put((_STARTED, number, pid))
        try:
            output = _classify_chunk(classifier, first, chunk)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops
            results.put((_FAILED, number, f"raised {type(exc).__name__}: {exc}"))
            return
        results.put((_DONE, number, output))


def _pool(
    classifier: Classifier, chunks: Iterator[tuple[int, bytes]], write: Write, workers: int
) -> int:
    fork = "fork" in multiprocessing.get_all_start_methods()
    context: ForkContext | SpawnContext = (
        multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
    )
    tasks: Queue[Task] = context.Queue()
    results: Queue[Result] = context.Queue()
    inherited = classifier if fork else None
    processes = [
        context.Process(
            target=_worker_main,
            args=(tasks, results, inherited, classifier.rules_dir, classifier.threshold),
            name=f"lantian-classify-{i}",
            daemon=True,
        )
        for i in range(workers)
    ]
    finished = False
    try:
        for process in processes:
            process.start()
        lines = _feed(chunks, tasks, results, processes, write, workers * IN_FLIGHT_PER_WORKER)
        for _ in processes:
            tasks.put(None)
        for process in processes:
            process.join()
        finished = True
        return lines
    finally:
        if not finished:
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                if process.pid is not None:
                    process.join()
            tasks.cancel_join_thread()  # nobody reads what it still holds
        tasks.close()
        results.close()
        tasks.join_thread()
        results.join_thread()
        for process in processes:
            if process.pid is not None:
                process.close()


def _feed(
    chunks: Iterator[tuple[int, bytes]],
    tasks: Queue[Task],
    results: Queue[Result],
    processes: Sequence[BaseProcess],
    write: Write,
    window: int,
) -> int:
    """Hand out chunks, at most ``window`` of them unwritten, and write the output in order."""
    first_lines: dict[int, int] = {}  # sequence number -> first line, until written
    done: dict[int, bytes] = {}
    working: dict[int, int] = {}  # worker pid -> the sequence number it classifies
    handed = written = 0
    lines = 0
    exhausted = False
    while True:
        while not exhausted and handed - written < window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
                break
            first_lines[handed] = chunk[0]
            tasks.put((handed, *chunk))
            handed += 1
        if written == handed:
            return lines
        kind, number, payload = _next_result(results, processes, working, first_lines, done)
        if kind == _STARTED:
            assert isinstance(payload, int)
            working[payload] = number
        elif kind == _FAILED:
            raise WorkerFailed(first_lines[number], str(payload))
        else:
            assert isinstance(payload, bytes)
            done[number] = payload
            while written in done:
                output = done.pop(written)
                write(output)
                lines += output.count(b"\n")
                del first_lines[written]
                written += 1


def _next_result(
    results: Queue[Result],
    processes: Sequence[BaseProcess],
    working: dict[int, int],
    first_lines: dict[int, int],
    done: dict[int, bytes],
) -> Result:
    while True:
        try:
            return results.get(timeout=_POLL_S)
        except queue.Empty:
            pass
        for process in processes:
            if process.exitcode is None:
                continue
            code = process.exitcode
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            number = working.get(process.pid or 0)
            if number is None or number in done:
                # it died between chunks: the earliest chunk not yet back is the one lost
                number = min(n for n in first_lines if n not in done)
            raise WorkerFailed(first_lines[number], f"(pid {process.pid}) {how}")
