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
:data:`SMALL_INPUT_BYTES` is classified in this process: workers cannot repay themselves there.

Each worker has a task queue and a result pipe of its own, so the parent knows which chunk
a worker held when it died, and a worker killed at any moment (holding a lock, half-way
through writing its output) leaves nobody waiting: the others finish the chunks before the
lost one, those are written, and :class:`WorkerFailed` names the lost chunk's first line.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, ForkProcess, SpawnContext, SpawnProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import BinaryIO

from classifiers.default import freeze_loaded, load_default_classifier
from classifiers.engine import Classifier
from classifiers.jsonl import classify_lines, dump_record

#: input bytes per chunk: about 35 ms of classifying at 3.5 MB/s, long enough that passing
#: a chunk and its output (some five times its size) between processes is noise
CHUNK_BYTES = 128 * 1024
#: an input shorter than this is classified in this process whatever ``workers`` says.  Two
#: forked workers cost some 70 ms of CPU (pages copied on write, the pipes): 2 MB takes about
#: 0.6 s in one process, so with no idle core the workers lose at most about a tenth there
SMALL_INPUT_BYTES = 2_000_000
#: the same where workers are spawned: each then loads the rules and jieba's dictionary
SPAWN_SMALL_INPUT_BYTES = 16_000_000
#: chunks handed out per worker and not yet written: one being classified, one waiting
IN_FLIGHT_PER_WORKER = 2
MAX_WORKERS = 8

_DONE, _FAILED = 1, 2
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

    What was written stays written: the output of input lines 1 to ``written`` (all the
    lines before that chunk, unless a second worker failed meanwhile), nothing after.
    """

    def __init__(self, first_line: int, what: str, written: int) -> None:
        super().__init__(
            f"a worker process {what} classifying the chunk from input line {first_line}; "
            f"the output holds input lines 1 to {written}"
        )
        self.first_line = first_line
        self.written = written


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
    small_input_bytes: int | None = None,
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
    if small_input_bytes is None:
        small_input_bytes = SMALL_INPUT_BYTES if _can_fork() else SPAWN_SMALL_INPUT_BYTES
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


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


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
Result = tuple[int, int, object]  # (_DONE | _FAILED, sequence number, output or message)


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies (Linux), however the parent
    dies: killed by ``kill`` or ``timeout`` (SIGTERM), the OOM killer or ``kill -9``, it
    cannot stop its workers, and they would wait for chunks for ever.  Elsewhere the
    parent's own clean-up (Ctrl-C, errors, a closed pipe) is all there is."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _worker_main(
    tasks: Queue[Task],
    results: Connection,
    classifier: Classifier | None,
    rules_dir: Path | None,
    threshold: float,
    parent: int,
) -> None:
    """A worker's life: classify the chunks of its own queue, in order, until told to stop.

    Ctrl-C reaches the whole process group; the parent alone decides what it means, so a
    worker ignores it rather than die with a traceback of its own.  A forked worker has the
    parent's classifier already; a spawned one loads it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    if classifier is None:
        classifier = load_default_classifier(rules_dir, threshold)
        classifier.warm_up()
    freeze_loaded()
    while (task := tasks.get()) is not None:
        number, first, chunk = task
        try:
            output = _classify_chunk(classifier, first, chunk)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops
            results.send((_FAILED, number, f"raised {type(exc).__name__}: {exc}"))
            return
        results.send((_DONE, number, output))


@dataclass(slots=True)
class _Worker:
    """A worker process, its own task queue, the read end of the pipe only it writes its
    results to (so its death mid-message is an end of file, not a wait for ever), and the
    chunks it holds, oldest (the one it is classifying) first."""

    process: ForkProcess | SpawnProcess
    tasks: Queue[Task]
    results: Connection
    holds: deque[int] = field(default_factory=deque)

    def how_it_ended(self) -> str:
        self.process.join(5)
        code = self.process.exitcode
        if code is None:
            return f"(pid {self.process.pid}) stopped answering"
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        return f"(pid {self.process.pid}) {how}"


def _pool(
    classifier: Classifier, chunks: Iterator[tuple[int, bytes]], write: Write, workers: int
) -> int:
    fork = _can_fork()
    context: ForkContext | SpawnContext = (
        multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
    )
    inherited = classifier if fork else None
    pool: list[_Worker] = []
    finished = False
    try:
        for i in range(workers):
            tasks: Queue[Task] = context.Queue()
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker_main,
                args=(
                    tasks,
                    writer,
                    inherited,
                    classifier.rules_dir,
                    classifier.threshold,
                    os.getpid(),
                ),
                name=f"lantian-classify-{i}",
                daemon=True,
            )
            try:
                process.start()
            finally:
                writer.close()  # the worker's copy is the only one left
            pool.append(_Worker(process, tasks, reader))
        lines = _feed(chunks, list(pool), write, workers * IN_FLIGHT_PER_WORKER)
        for worker in pool:
            worker.tasks.put(None)
        for worker in pool:
            worker.process.join()
        finished = True
        return lines
    finally:
        for worker in pool:
            if not finished:
                if worker.process.is_alive():
                    worker.process.terminate()
                worker.process.join()
                worker.tasks.cancel_join_thread()  # nobody reads what it still holds
            worker.tasks.close()
            worker.tasks.join_thread()
            worker.results.close()
            worker.process.close()


def _feed(
    chunks: Iterator[tuple[int, bytes]], live: list[_Worker], write: Write, window: int
) -> int:
    """Hand out chunks, at most ``window`` of them unwritten, and write the output in order.

    When a worker dies, no more chunks are handed out; the others finish the chunks before
    the lost one, those are written, and :class:`WorkerFailed` names the lost one.
    """
    first_lines: dict[int, int] = {}  # sequence number -> first line, until written
    done: dict[int, bytes] = {}
    handed = written = lines = 0
    exhausted = False
    lost: tuple[int, str] | None = None  # the chunk a worker took with it, and how
    while True:
        while lost is None and not exhausted and handed - written < window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
                break
            worker = min(live, key=lambda w: len(w.holds))
            worker.tasks.put((handed, *chunk))
            worker.holds.append(handed)
            first_lines[handed] = chunk[0]
            handed += 1
        if lost is not None and (written == lost[0] or not live):
            raise WorkerFailed(first_lines[lost[0]], lost[1], lines)
        if written == handed:
            return lines
        worker, message = _next_result(live)
        if message is None or message[0] == _FAILED:
            live.remove(worker)
            what = worker.how_it_ended() if message is None else str(message[2])
            if worker.holds and (lost is None or worker.holds[0] < lost[0]):
                lost = (worker.holds[0], what)
            if lost is None and not live:  # one that died idle lost nothing, while others live
                raise WorkerFailed(first_lines[written], what, lines)
            continue
        _, number, output = message
        assert isinstance(output, bytes) and worker.holds.popleft() == number
        done[number] = output
        while written in done:
            output = done.pop(written)
            write(output)
            lines += output.count(b"\n")
            del first_lines[written]
            written += 1


def _next_result(live: list[_Worker]) -> tuple[_Worker, Result | None]:
    """The next message from any live worker, or ``(worker, None)`` for one that has ended.

    A worker that ended may have left whole messages behind: they are read first.
    """
    by_reader = {id(w.results): w for w in live}
    by_sentinel = {w.process.sentinel: w for w in live}
    ready = wait([w.results for w in live] + list(by_sentinel))
    for item in ready:
        if isinstance(item, int):
            continue
        worker = by_reader[id(item)]
        try:
            return worker, worker.results.recv()
        except (EOFError, OSError):  # OSError: it died in the middle of a message
            return worker, None
    worker = by_sentinel[next(item for item in ready if isinstance(item, int))]
    if worker.results.poll():
        try:
            return worker, worker.results.recv()
        except (EOFError, OSError):
            pass
    return worker, None
