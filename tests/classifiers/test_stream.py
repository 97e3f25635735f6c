"""`lantian classify` over worker processes: the same bytes as one process, in order, and
a clean stop when a worker dies or the user presses Ctrl-C."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifiers import (
    SMALL_INPUT_BYTES,
    Classifier,
    Verdict,
    WorkerFailed,
    classify_stream,
    loaded_frozen,
)
from classifiers.stream import _chunks
from lantian.cli import app
from lantian.config import Settings

DATA = Path(__file__).resolve().parent.parent / "data"

#: what `lantian classify` already answers for: bad JSON, an empty line, blanks, GBK bytes,
#: an escaped lone surrogate, a non-object, a missing text, CRLF, a BOM on line 1
ODD_LINES = [
    b"{not json",
    b"",
    b"   ",
    '{"id": "gbk", "text": "专利包过"}'.encode("gbk"),
    b'{"id": "\\ud800", "text": "\\u5305\\u6388\\u6743"}',
    b"[1, 2]",
    b'{"id": "no-text"}',
    '{"id": "crlf", "text": "包授权"}\r'.encode(),
]


def odd_corpus() -> bytes:
    """Every tests/data/*.jsonl file, an odd line after each, a BOM first, no final newline."""
    parts = [b"\xef\xbb\xbf"]
    for i, path in enumerate(sorted(DATA.glob("*.jsonl"))):
        parts.append(path.read_bytes().rstrip(b"\n") + b"\n")
        parts.append(ODD_LINES[i % len(ODD_LINES)] + b"\n")
    parts.append(b'{"id": "last", "text": "no newline at the end"}')
    return b"".join(parts)


def run(classifier: Classifier, data: bytes, workers: int, **kwargs: Any) -> tuple[bytes, int]:
    sink = io.BytesIO()
    with loaded_frozen():
        done = classify_stream(classifier, io.BytesIO(data), sink.write, workers, **kwargs)
    return sink.getvalue(), done.processes


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    final_newline=st.booleans(),
    size=st.integers(1, 64),
)
def test_chunks_are_whole_lines_numbered_as_a_file_iterates_them(
    lines: list[bytes], final_newline: bool, size: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    chunks = list(_chunks(io.BytesIO(data), size))
    assert b"".join(chunk for _, chunk in chunks) == data
    expected = list(io.BytesIO(data))
    for first, chunk in chunks:
        assert chunk
        assert (
            list(io.BytesIO(chunk))
            == expected[first - 1 : first - 1 + len(list(io.BytesIO(chunk)))]
        )
    for _, chunk in chunks[:-1]:
        assert chunk.endswith(b"\n")


@pytest.mark.parametrize("chunk_bytes", [1, 4096, 200_000])
def test_workers_write_the_bytes_one_process_writes(
    classifier: Classifier, chunk_bytes: int
) -> None:
    data = odd_corpus()
    alone, processes = run(classifier, data, 1)
    assert processes == 0
    pooled, processes = run(classifier, data, 2, small_input_bytes=0, chunk_bytes=chunk_bytes)
    assert processes == 2
    assert pooled == alone
    assert alone.count(b"\n") == len(list(io.BytesIO(data)))
    assert multiprocessing.active_children() == []


def test_a_small_input_stays_in_this_process(classifier: Classifier) -> None:
    data = (DATA / "devset.jsonl").read_bytes()
    assert run(classifier, data, 2)[1] == 0
    assert run(classifier, data, 2, small_input_bytes=len(data) + 1)[1] == 0
    assert run(classifier, data, 2, small_input_bytes=len(data))[1] == 2


class Dying:
    """The real classifier, but a worker classifying a text with ``die`` in it ends abruptly."""

    def __init__(self, real: Classifier, how: str) -> None:
        self.real = real
        self.how = how
        self.rules_dir = real.rules_dir
        self.threshold = real.threshold

    def classify(self, text: str, title: str = "", blocks: Any = None) -> Verdict:
        if "die" in text:
            time.sleep(0.3)  # the worker's previous output has left by then
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        return self.real.classify(text, title, blocks)


@pytest.mark.parametrize(("how", "message"), [("kill", "signal 9"), ("exit", "code 3")])
def test_a_worker_that_dies_is_named_by_its_chunks_first_line(
    classifier: Classifier, how: str, message: str
) -> None:
    lines = [json.dumps({"id": i, "text": "实用新型包授权，不过退款"}).encode() for i in range(60)]
    lines[45] = b'{"id": 45, "text": "die"}'  # input line 46
    data = b"\n".join(lines) + b"\n"
    chunk_bytes = 300
    first = max(f for f, _ in _chunks(io.BytesIO(data), chunk_bytes) if f <= 46)
    assert 1 < first < 46
    dying = cast(Classifier, Dying(classifier, how))
    sink = io.BytesIO()
    with pytest.raises(WorkerFailed) as failed:
        classify_stream(
            dying, io.BytesIO(data), sink.write, 2, small_input_bytes=0, chunk_bytes=chunk_bytes
        )
    assert failed.value.first_line == first
    assert f"from input line {first}" in str(failed.value) and message in str(failed.value)
    assert f"the output holds input lines 1 to {first - 1}" in str(failed.value)
    assert failed.value.written == first - 1
    alone, _ = run(classifier, data.replace(b'"die"', b'"x"'), 1)
    assert sink.getvalue() == b"".join(alone.splitlines(keepends=True)[: first - 1])
    assert multiprocessing.active_children() == []


def test_cli_workers_match_one_process_on_a_large_odd_file(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_bytes(odd_corpus())
    assert path.stat().st_size > SMALL_INPUT_BYTES
    runner = CliRunner()
    one = runner.invoke(app, ["classify", str(path), "--workers", "1"])
    two = runner.invoke(app, ["classify", str(path), "--workers", "2"])
    assert one.exit_code == two.exit_code == 0, two.output
    assert one.stdout_bytes == two.stdout_bytes
    assert one.stdout_bytes.count(b"\n") == len(list(io.BytesIO(path.read_bytes())))
    assert multiprocessing.active_children() == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


def _start_classify(path: Path, sink: IO[bytes]) -> tuple[subprocess.Popen[bytes], list[int]]:
    """``lantian classify PATH --workers 2`` in a process group of its own (as a terminal's
    job), once it has written output; with its two workers' pids."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lantian", "classify", str(path), "--workers", "2"],
        stdout=sink,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while Path(sink.name).stat().st_size == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return proc, [int(pid) for pid in children]


def _large_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.jsonl"
    path.write_bytes(
        odd_corpus().rstrip(b"\n") + b"\n" + (DATA / "sandbox-2025.jsonl").read_bytes() * 6
    )
    return path


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
def test_ctrl_c_stops_the_workers_and_keeps_what_was_written(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    with out.open("wb") as sink:
        proc, children = _start_classify(_large_file(tmp_path), sink)
        try:
            assert len(children) == 2, children
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C at a terminal does
            _, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode != 0
    assert not any(_alive(pid) for pid in children)
    assert b"Traceback" not in stderr, stderr.decode()
    written = out.read_bytes()
    assert written.endswith(b"\n")
    assert all(json.loads(line) for line in written.splitlines())


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
def test_a_killed_worker_exits_1_naming_the_line_and_the_output_stops_before_it(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    with out.open("wb") as sink:
        proc, children = _start_classify(_large_file(tmp_path), sink)
        try:
            assert len(children) == 2, children
            os.kill(children[1], signal.SIGKILL)  # as the kernel's OOM killer would
            _, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 1
    assert not any(_alive(pid) for pid in children)
    message = " ".join(stderr.decode().split())
    found = re.search(r"killed by signal 9 classifying the chunk from input line (\d+)", message)
    assert found, message
    first = int(found.group(1))
    assert f"the output holds input lines 1 to {first - 1}" in message
    written = out.read_bytes().splitlines()
    assert len(written) == first - 1
    assert all(json.loads(line) for line in written)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_workers_do_not_outlive_a_killed_command(
    settings: Settings, tmp_path: Path, how: signal.Signals
) -> None:
    """`timeout`, `kill` or the OOM killer end the command without its clean-up."""
    with (tmp_path / "out.jsonl").open("wb") as sink:
        proc, children = _start_classify(_large_file(tmp_path), sink)
        try:
            assert len(children) == 2, children
            os.kill(proc.pid, how)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in children)


class CountingSource(io.BytesIO):
    """An input that remembers how far it has been read."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.consumed = self.tell()
        return data


def test_the_reader_stays_a_few_chunks_ahead_of_the_writer(classifier: Classifier) -> None:
    data = odd_corpus()
    ends = [0]
    for line in io.BytesIO(data):
        ends.append(ends[-1] + len(line))
    source = CountingSource(data)
    source.consumed = 0
    written = 0
    ahead: list[int] = []

    def write(output: bytes) -> None:
        nonlocal written
        written += output.count(b"\n")
        ahead.append(source.consumed - ends[written])

    chunk_bytes = 16_384
    done = classify_stream(
        classifier, source, write, 2, small_input_bytes=0, chunk_bytes=chunk_bytes
    )
    assert done.processes == 2 and written == len(ends) - 1
    assert len(ahead) > 50
    # two chunks per worker handed out, one being cut: never the whole file
    assert max(ahead) <= (2 * 2 + 2) * chunk_bytes + max(b - a for a, b in zip(ends, ends[1:]))
    assert max(ahead) < len(data) / 10


def test_spawned_workers_load_the_rules_themselves(
    classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the platform cannot fork, each worker loads the classifier from its rules."""
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    data = (DATA / "realset.jsonl").read_bytes()
    alone, _ = run(classifier, data, 1)
    pooled, processes = run(classifier, data, 2, small_input_bytes=0, chunk_bytes=16_384)
    assert processes == 2
    assert pooled == alone
    assert multiprocessing.active_children() == []


def test_bench_times_the_workers_on_a_corpus_above_the_threshold(classifier: Classifier) -> None:
    from classifiers.bench import run_wall
    from sandbox import listing_pages

    pages = [(p["title"], p["text"]) for p in listing_pages(2.1, 20261126)]
    wall = run_wall(classifier, pages, 2, rounds=1)
    assert wall.megabytes * 1_000_000 > SMALL_INPUT_BYTES
    assert wall.workers == wall.processes == 2
    assert min(wall.jieba_s, wall.one_worker_s, wall.workers_s, wall.jieba_workers_s) > 0
    # both are rounded from the unrounded times: they may differ in the last place
    assert wall.speed_up == pytest.approx(wall.one_worker_s / wall.workers_s, abs=0.011)
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_lines_typed_at_a_terminal_are_answered_one_by_one(settings: Settings) -> None:
    """At a terminal the answer to each line comes at once, workers or not."""
    import select

    main, typed = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lantian", "classify", "-", "--workers", "2"],
        stdin=typed,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    os.close(typed)
    try:
        assert proc.stdout is not None
        os.write(main, '{"id": 1, "text": "实用新型包授权"}\n'.encode())
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no answer to a typed line while the terminal stays open"
        assert json.loads(proc.stdout.readline())["id"] == 1
        os.write(main, b"\x04")  # Ctrl-D: end of input
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
